// The plan's Test 2 (Phase 5): signal_flow runs open_position_atomic while sync_flow calls
// repository.create_position directly; the test asserts exactly ONE row for the symbol.
import type { Violation } from '../../harness/check/index.ts';
import { createActor, signalActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';

export const planTest2 = defineBotScenario({
  name: 'plan-test-2',
  title: "The plan's Test 2: open_position_atomic racing create_position",
  plan: 'Phase 5, Test 2 (test_race_condition_signal_sync)',
  actors: (env) => [
    signalActor('signal', { symbol: 'RACEUSDT', exchange: 'binance' }, env),
    // The plan's position_data is elided ({...}); the bot's create_position stores 'active' for it.
    createActor('sync', { symbol: 'RACEUSDT', exchange: 'binance', side: 'long', quantity: 5, entryPrice: 10, status: 'active' }, env),
  ],
  invariants: ['no-duplicate-open', 'no-unhandled-db-error'],
  check: (state) => {
    const rows = state.rows.filter((r) => r.symbol === 'RACEUSDT');
    return rows.length === 1
      ? []
      : [{ invariant: 'scenario:plan-test-2', message: `the plan asserts exactly ONE position row, found ${rows.length}`, rows: rows.map((r) => r.id) } satisfies Violation];
  },
  expect: {
    default: 'violates',
    proposed: 'holds',
    'check-open-statuses': 'holds',
    'single-transaction': 'holds',
    recommended: 'holds',
    targeted: 'holds',
  },
});
