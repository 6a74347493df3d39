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
  // Two full flows have too many interleavings to enumerate; races of depth ≤ 3 need ≤ 2 preemptions.
  preemptionBound: 2,
  // Every set violates: createPosition returns the first flow's id and the second still places its entry.
  expect: { default: 'violates' },
});
