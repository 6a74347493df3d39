// Sync reconciles while a Signal's entry is in flight: Sync lists the exchange before the entry
// fills and the rows after the activation, so the fresh row looks "gone" and is closed while
// the position stays open on the exchange. No option of the plan addresses this.
import { signalActor, syncActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';

export const syncClosesInflight = defineBotScenario({
  name: 'sync-closes-inflight',
  title: 'Sync closing a row whose entry is still in flight',
  plan: 'PositionSynchronizer close pass (not covered by the plan)',
  actors: (env) => [signalActor('signal', { symbol: 'DOGEUSDT', exchange: 'bybit' }, env), syncActor('sync', 'bybit', env)],
  invariants: ['exposure-matches', 'active-has-stop-loss', 'valid-transitions', 'no-stuck-intermediate'],
  expect: { default: 'violates', proposed: 'holds', 'symbol-flow-lock': 'holds', targeted: 'holds' },
});
