// What invariants look at after a run: the positions table, its status history, the mock
// exchange's positions and open stop orders, and how each actor ended. Read in one round trip.
import { OPEN_STATUSES, type ExchangePosition, type Order, type PositionStatus } from '../flow/index.ts';
import type { MockExchange } from '../exchange/index.ts';

export interface ObservedRow {
  readonly id: number;
  readonly symbol: string;
  readonly exchange: string;
  readonly side: string;
  readonly quantity: number;
  readonly status: PositionStatus;
  readonly hasStopLoss: boolean;
  readonly exitReason: string | null;
}

export interface HistoryEntry {
  readonly seq: number;
  readonly positionId: number;
  readonly symbol: string;
  readonly exchange: string;
  readonly oldStatus: PositionStatus | null;
  readonly newStatus: PositionStatus;
}

/** How an actor ended, as invariants need it. */
export interface ActorEnd {
  readonly name: string;
  readonly status: 'ok' | 'error' | 'unfinished';
  readonly sqlState: string | null;
  readonly code: string | null;
  readonly message: string | null;
}

export interface ObservedState {
  readonly rows: readonly ObservedRow[];
  readonly history: readonly HistoryEntry[];
  readonly exchange: Readonly<Record<string, { readonly positions: readonly ExchangePosition[]; readonly openStops: readonly Order[] }>>;
  readonly actors: readonly ActorEnd[];
  /** False when the run ended early (hang, deadlock cycle): "after quiescence" checks are skipped. */
  readonly quiescent: boolean;
}

export interface Queryable {
  query<R>(text: string): Promise<{ rows: R[] }>;
}

const STATE_SQL = `SELECT
  (SELECT coalesce(json_agg(json_build_object('id', id, 'symbol', symbol, 'exchange', exchange, 'side', side,
     'quantity', quantity, 'status', status, 'hasStopLoss', has_stop_loss, 'exitReason', exit_reason) ORDER BY id), '[]')
   FROM monitoring.positions) AS rows,
  (SELECT coalesce(json_agg(json_build_object('seq', seq, 'positionId', position_id, 'symbol', symbol, 'exchange', exchange,
     'oldStatus', old_status, 'newStatus', new_status) ORDER BY seq), '[]')
   FROM monitoring.position_history) AS history`;

export async function observeState(db: Queryable, exchange: MockExchange, actors: readonly ActorEnd[], quiescent: boolean): Promise<ObservedState> {
  const r = await db.query<{ rows: ObservedRow[]; history: HistoryEntry[] }>(STATE_SQL);
  const row = r.rows[0];
  const rows = (row?.rows ?? []).map((x) => ({ ...x, quantity: Number(x.quantity) }));
  const ex: Record<string, { positions: readonly ExchangePosition[]; openStops: readonly Order[] }> = {};
  for (const name of exchange.exchanges) ex[name] = { positions: exchange.positions(name), openStops: exchange.openStopOrders(name) };
  return { rows, history: row?.history ?? [], exchange: ex, actors, quiescent };
}

export function isOpen(status: string): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}
