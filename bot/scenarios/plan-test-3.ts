// The plan's Test 3 (Phase 5): 10 concurrent create_position calls for one symbol; all must
// return the same id and leave one row. Far too many interleavings to enumerate: sampled by PCT.
import type { Violation } from '../../harness/check/index.ts';
import { createActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';

export const planTest3 = defineBotScenario({
  name: 'plan-test-3',
  title: "The plan's Test 3: 10-way concurrent createPosition",
  plan: 'Phase 5, Test 3 (test_stress_concurrent_creates)',
  actors: (env) =>
    Array.from({ length: 10 }, (_, i) =>
      // The plan's data has no status: create_position's default, 'active'.
      createActor(`create-${i}`, { symbol: 'STRESSUSDT', exchange: 'binance', side: 'long', quantity: 100 + i, entryPrice: 1 + i * 0.01, status: 'active' }, env),
    ),
  invariants: ['no-duplicate-open', 'no-unhandled-db-error'],
  check: (state, results) => {
    const out: Violation[] = [];
    const ids = new Set(results.filter((r) => typeof r === 'number'));
    if (ids.size > 1) out.push({ invariant: 'scenario:plan-test-3', message: `creates returned ${ids.size} different ids`, rows: [...ids] as number[] });
    const rows = state.rows.filter((r) => r.symbol === 'STRESSUSDT');
    if (rows.length !== 1) out.push({ invariant: 'scenario:plan-test-3', message: `expected ONE row, found ${rows.length}`, rows: rows.map((r) => r.id) });
    return out;
  },
  sample: { strategy: 'pct', runs: 150 },
  expect: { default: 'holds', proposed: 'holds' },
});
