// Two Signals for the same symbol at once: with Option 3 the second gets the first's id and
// still places its own entry order.
import { signalActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';

export const signalSignal = defineBotScenario({
  name: 'signal-signal',
  title: 'Signal + Signal on one symbol',
  plan: 'Problem #2; Option 3 "return existing id"',
  actors: (env) => [signalActor('signal-a', { symbol: 'ETHUSDT', exchange: 'binance' }, env), signalActor('signal-b', { symbol: 'ETHUSDT', exchange: 'binance' }, env)],
  invariants: ['no-duplicate-open', 'no-unhandled-db-error', 'exposure-matches', 'valid-transitions', 'no-stuck-intermediate'],
  // Unbounded: a violating cell stops at the budget with its counterexample (the baseline has
  // 5,152 interleavings, all violating); proposed's symbol lock leaves 18, searched to the end.
  // Without refuse-open-signal every set violates: the second flow reuses the first's id and
  // still places its own entry.
  expect: { default: 'violates', proposed: 'holds', targeted: 'holds' },
});
