// The invariants of DESIGN section 7, one entry each of a typed map. Each reads the observed
// state only (never the schedule) and names the rows it finds at fault.
import { ALLOWED_TRANSITIONS, type PositionStatus } from '../flow/index.ts';
import type { BuiltinCheckId, Violation } from '../../harness/check/index.ts';
import { isOpen, type ObservedState } from './observed-state.ts';

export const INVARIANT_IDS = [
  'no-duplicate-open',
  'no-unhandled-db-error',
  'exposure-matches',
  'active-has-stop-loss',
  'valid-transitions',
  'no-stuck-intermediate',
] as const;

export type InvariantId = (typeof INVARIANT_IDS)[number];

/** A violation of the bot's scenarios: an invariant of the map, a scenario's own check, or a built-in one. */
export interface PositionViolation extends Violation {
  readonly invariant: InvariantId | `scenario:${string}` | BuiltinCheckId;
}

export interface Invariant {
  readonly id: string;
  readonly title: string;
  check(state: ObservedState): PositionViolation[];
}

const key = (symbol: string, exchange: string) => `${symbol}@${exchange}`;

export const INVARIANTS = {
  'no-duplicate-open': {
    id: 'no-duplicate-open',
    title: 'No two rows in open statuses share (symbol, exchange), at any point of the history',
    check(state) {
      // Replaying the history in statement order sees duplicates that later rollbacks hid.
      const open = new Map<string, Set<number>>();
      const found = new Map<string, Set<number>>();
      for (const h of state.history) {
        const k = key(h.symbol, h.exchange);
        const ids = open.get(k) ?? new Set<number>();
        open.set(k, ids);
        if (isOpen(h.newStatus)) ids.add(h.positionId);
        else ids.delete(h.positionId);
        if (ids.size > 1) found.set(k, new Set([...(found.get(k) ?? []), ...ids]));
      }
      return [...found].map(([k, ids]) => ({
        invariant: 'no-duplicate-open' as const,
        message: `${ids.size} rows open at once for ${k}: #${[...ids].join(', #')}`,
        rows: [...ids],
      }));
    },
  },
  'no-unhandled-db-error': {
    id: 'no-unhandled-db-error',
    title: 'No flow ends with an unhandled database error (e.g. SQLSTATE 23505)',
    check(state) {
      return state.actors
        .filter((a) => a.status === 'error' && a.sqlState !== null)
        .map((a) => ({
          invariant: 'no-unhandled-db-error' as const,
          message: `${a.name} ended with SQLSTATE ${a.sqlState}: ${a.message ?? ''}`.slice(0, 300),
          rows: [],
        }));
    },
  },
  'exposure-matches': {
    id: 'exposure-matches',
    title: 'Exchange exposure per (symbol, exchange) equals the quantity of its open rows',
    check(state) {
      const out: PositionViolation[] = [];
      for (const [exchange, ex] of Object.entries(state.exchange)) {
        const onExchange = new Map<string, number>();
        for (const p of ex.positions) onExchange.set(p.symbol, (p.side === 'long' ? 1 : -1) * p.quantity);
        const inDb = new Map<string, { qty: number; ids: number[] }>();
        for (const r of state.rows) {
          if (r.exchange !== exchange || !isOpen(r.status)) continue;
          const e = inDb.get(r.symbol) ?? { qty: 0, ids: [] };
          e.qty += (r.side === 'short' ? -1 : 1) * r.quantity;
          e.ids.push(r.id);
          inDb.set(r.symbol, e);
        }
        for (const symbol of new Set([...onExchange.keys(), ...inDb.keys()])) {
          const exQty = onExchange.get(symbol) ?? 0;
          const db = inDb.get(symbol) ?? { qty: 0, ids: [] };
          if (Math.abs(exQty - db.qty) > 1e-9) {
            out.push({
              invariant: 'exposure-matches',
              message: `${key(symbol, exchange)}: exchange holds ${exQty}, open rows hold ${db.qty}${exQty === 0 ? ' (rows without a position)' : db.qty === 0 ? ' (untracked position)' : Math.abs(exQty) > Math.abs(db.qty) ? ' (exposure doubled or untracked)' : ''}`,
              rows: db.ids,
            });
          }
        }
      }
      return out;
    },
  },
  'active-has-stop-loss': {
    id: 'active-has-stop-loss',
    title: 'Every active row has its stop-loss on the exchange',
    check(state) {
      return state.rows
        .filter((r) => r.status === 'active')
        .filter((r) => !(state.exchange[r.exchange]?.openStops ?? []).some((o) => o.symbol === r.symbol))
        .map((r) => ({
          invariant: 'active-has-stop-loss' as const,
          message: `active row #${r.id} ${key(r.symbol, r.exchange)} has no open stop-loss order on the exchange`,
          rows: [r.id],
        }));
    },
  },
  'valid-transitions': {
    id: 'valid-transitions',
    title: 'Status transitions follow the state machine and closed history is kept',
    check(state) {
      const out: PositionViolation[] = [];
      for (const h of state.history) {
        const allowed = ALLOWED_TRANSITIONS[(h.oldStatus ?? 'null') as PositionStatus | 'null'] ?? [];
        if (!allowed.includes(h.newStatus)) {
          out.push({ invariant: 'valid-transitions', message: `row #${h.positionId}: ${h.oldStatus ?? '(insert)'} → ${h.newStatus} is not a transition of the state machine`, rows: [h.positionId] });
        }
      }
      const present = new Set(state.rows.map((r) => r.id));
      const lost = [...new Set(state.history.map((h) => h.positionId))].filter((id) => !present.has(id));
      if (lost.length > 0) out.push({ invariant: 'valid-transitions', message: `rows deleted, history lost: #${lost.join(', #')}`, rows: lost });
      return out;
    },
  },
  'no-stuck-intermediate': {
    id: 'no-stuck-intermediate',
    title: 'After quiescence no row is stuck in an intermediate status',
    check(state) {
      if (!state.quiescent) return [];
      return state.rows
        .filter((r) => r.status === 'pending_entry' || r.status === 'entry_placed' || r.status === 'pending_sl')
        .map((r) => ({ invariant: 'no-stuck-intermediate' as const, message: `row #${r.id} ${key(r.symbol, r.exchange)} stuck in ${r.status}`, rows: [r.id] }));
    },
  },
} as const satisfies Record<InvariantId, Invariant>;

/** Runs the given invariants (default: all) over one observed state. */
export function checkInvariants(state: ObservedState, ids: readonly InvariantId[] = INVARIANT_IDS): PositionViolation[] {
  return ids.flatMap((id) => INVARIANTS[id].check(state));
}
