// The exchange rejects the stop-loss, so the Signal rolls back (closes its entry) while Sync runs.
import { signalActor, syncActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';

export const stopLossRollback = defineBotScenario({
  name: 'stop-loss-rollback',
  title: 'Stop-loss rejected → rollback while Sync runs',
  plan: 'rollbackPosition (atomic_position_manager.py); Risk matrix "Rolled_back rate"',
  setup: async (ctx) => {
    ctx.exchange.injectFault({ exchange: 'binance', operation: 'placeStopLoss', fault: { kind: 'stop-loss-rejected' } });
  },
  actors: (env) => [signalActor('signal', { symbol: 'XRPUSDT', exchange: 'binance' }, env), syncActor('sync', 'binance', env)],
  expect: { default: 'violates', proposed: 'holds', 'symbol-flow-lock': 'holds', targeted: 'holds' },
});
