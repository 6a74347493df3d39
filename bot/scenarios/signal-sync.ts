// Scenario B (the APTUSDT case): a Signal opens a position while Sync runs on the same exchange.
import { signalActor, syncActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';

export const signalSync = defineBotScenario({
  name: 'signal-sync',
  title: 'Signal + Sync on one symbol (Scenario B, APTUSDT)',
  plan: 'Problem #6; Scenario B; the production error on idx_unique_active_position',
  actors: (env) => [signalActor('signal', { symbol: 'APTUSDT', exchange: 'binance' }, env), syncActor('sync', 'binance', env)],
  invariants: ['no-duplicate-open', 'no-unhandled-db-error', 'valid-transitions', 'no-stuck-intermediate'],
  expect: {
    default: 'violates',
    proposed: 'holds',
    'check-open-statuses': 'holds',
    'single-transaction': 'holds',
    'symbol-flow-lock': 'holds',
    recommended: 'holds',
    targeted: 'holds',
  },
});
