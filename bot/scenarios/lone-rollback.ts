// Pins the rollback itself: a lone Signal whose stop-loss is rejected must leave the exchange flat
// and no open row, under every layer set (the row rolled_back, or never committed under Option 5).
import type { Violation } from '../../harness/check/index.ts';
import { signalActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';

export const loneRollback = defineBotScenario({
  name: 'lone-rollback',
  title: 'A lone Signal whose stop-loss is rejected rolls back cleanly',
  plan: '_rollback_position (atomic_position_manager.py)',
  setup: async (ctx) => {
    ctx.exchange.injectFault({ exchange: 'binance', operation: 'placeStopLoss', fault: { kind: 'stop-loss-rejected' } });
  },
  actors: (env) => [signalActor('signal', { symbol: 'XRPUSDT', exchange: 'binance' }, env)],
  check: (state) => {
    const out: Violation[] = [];
    const held = state.exchange['binance']?.positions ?? [];
    if (held.length > 0) out.push({ invariant: 'scenario:lone-rollback', message: `exchange not flat after the rollback: ${held.map((p) => `${p.symbol} ${p.quantity}`).join(', ')}`, rows: [] });
    const left = state.rows.filter((r) => r.status !== 'rolled_back');
    if (left.length > 0) out.push({ invariant: 'scenario:lone-rollback', message: `rows not rolled_back: ${left.map((r) => `#${r.id} ${r.status}`).join(', ')}`, rows: left.map((r) => r.id) });
    return out;
  },
  expect: { default: 'holds', proposed: 'holds' },
});
