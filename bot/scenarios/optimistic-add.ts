// Option 6 used the way optimistic locking works: each add reads version and quantity in one
// SELECT and writes WHERE version = the one it read. The claim is that a concurrent change is
// refused (E_CONCURRENT_MODIFICATION), never silently overwritten; the check tells the two apart.
import type { Violation } from '../../harness/check/index.ts';
import { addActor } from './bot-actors.ts';
import { defineBotScenario } from './define-scenario.ts';
import { holdPosition } from './held-position.ts';

const ADDS = [1, 2] as const;

export const optimisticAdd = defineBotScenario({
  name: 'optimistic-add',
  title: 'Two adds that read version and quantity together (Option 6 as it is meant)',
  plan: 'Option 6: "detects concurrent modifications"',
  setup: (ctx) => holdPosition(ctx, 'SOLUSDT', 'binance'),
  actors: (env) => ADDS.map((n, i) => addActor(`add-${String.fromCharCode(97 + i)}`, 'SOLUSDT', 'binance', n, env, { versionRead: 'with-row' })),
  invariants: ['no-unhandled-db-error'],
  check: (state, results) => {
    const row = state.rows.find((r) => r.symbol === 'SOLUSDT');
    // An add that ended ok wrote its quantity; one refused with E_CONCURRENT_MODIFICATION did not.
    const written = ADDS.filter((_, i) => results[i] !== undefined).reduce((a, b) => a + b, 5);
    if (!row || row.quantity === written) return [];
    return [
      { invariant: 'scenario:silent-overwrite', message: `quantity ${row.quantity}, but the adds that reported success wrote ${written}: a write was lost without an error`, rows: [row.id] } satisfies Violation,
    ];
  },
  expect: {
    default: 'violates',
    proposed: 'holds',
    'optimistic-locking': 'holds',
    'symbol-flow-lock': 'holds',
    'quantity-delta': 'holds',
    'select-for-update': 'holds',
    targeted: 'holds',
  },
});
