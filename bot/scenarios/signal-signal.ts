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
  // Two whole flows on one table and one exchange: thousands of interleavings, nearly all
  // violating. Races of depth ≤ 3 need ≤ 2 preemptions, so cells expected to violate are searched
  // with that bound; cells expected to hold (the symbol lock leaves a few dozen) are searched whole.
  preemptionBound: 2,
  // Without refuse-open-signal every set violates: the second flow reuses the first's id and
  // still places its own entry.
  expect: { default: 'violates', proposed: 'holds', targeted: 'holds' },
});
