// Each index option judged on its own claim only — no two open rows for one (symbol, exchange) —
// on Scenario B. Where the plan says an index holds, a change that lets a duplicate through flips
// this verdict even though the crash it moves (23505 in Sync) keeps signal-sync violating anyway.
import { signalActor, syncActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';

export const indexClaim = defineBotScenario({
  name: 'index-claim',
  title: 'Scenario B judged on no-duplicate-open only (the index options\u2019 claim)',
  plan: 'Options 1 and 2 (unique index): "prevents duplicates at the database level"',
  actors: (env) => [signalActor('signal', { symbol: 'APTUSDT', exchange: 'bybit' }, env), syncActor('sync', 'bybit', env)],
  invariants: ['no-duplicate-open'],
  expect: {
    default: 'violates',
    proposed: 'holds',
    'check-open-statuses': 'holds',
    'open-status-index': 'holds',
    'full-unique-index': 'holds',
    'single-transaction': 'holds',
    'symbol-flow-lock': 'holds',
    recommended: 'holds',
    targeted: 'holds',
  },
});
