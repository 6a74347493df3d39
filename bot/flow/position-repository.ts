// PositionRepository: the bot's data access (database/repository.py of the plan), with the
// baseline's bugs kept and every fix read from the BotPolicy.
import type { BotPolicy } from './bot-policy.ts';
import { positionLockId } from './lock-id.ts';
import type { PositionSide } from './exchange-client.ts';
import type { PositionStatus } from './position-status.ts';
import type { SqlClient, SqlRow, SqlSession } from '../../harness/ports/index.ts';

export interface NewPosition {
  readonly symbol: string;
  readonly exchange: string;
  readonly side: PositionSide;
  readonly quantity: number;
  readonly entryPrice: number;
  readonly status: PositionStatus;
  readonly exchangeOrderId?: string | null;
}

export interface PositionRow {
  readonly id: number;
  readonly symbol: string;
  readonly exchange: string;
  readonly side: PositionSide;
  readonly quantity: number;
  readonly entryPrice: number;
  readonly status: PositionStatus;
  readonly exchangeOrderId: string | null;
  readonly stopLossPrice: number | null;
  readonly hasStopLoss: boolean;
  readonly exitReason: string | null;
  /** Option 6's version, when the lookup read it (`versionRead: with-row`). */
  readonly version?: number | null;
}

/** Columns `updatePosition` may set, by their database names. */
export interface PositionUpdate {
  readonly status?: PositionStatus;
  readonly exchange_order_id?: string | null;
  readonly entry_price?: number;
  readonly quantity?: number;
  readonly stop_loss_price?: number | null;
  readonly has_stop_loss?: boolean;
  readonly exit_reason?: string | null;
  readonly closed_at?: 'now';
}

/** What createPosition did: inserted a row, or found an open one (Option 3 returns its id). */
export interface CreatedPosition {
  readonly id: number;
  readonly created: boolean;
}

/** Option 6: the row's version moved between read and write. */
export class ConcurrentModificationError extends Error {
  readonly code = 'E_CONCURRENT_MODIFICATION';
  constructor(readonly positionId: number) {
    super(`position #${positionId} was modified concurrently (version mismatch); reload it and retry`);
    this.name = 'ConcurrentModificationError';
  }
}

const SELECT_COLUMNS =
  'id, symbol, exchange, side, quantity, entry_price, status, exchange_order_id, stop_loss_price, has_stop_loss, exit_reason';

export function toPositionRow(r: SqlRow): PositionRow {
  return {
    id: Number(r['id']),
    symbol: String(r['symbol']),
    exchange: String(r['exchange']),
    side: String(r['side']) as PositionSide,
    quantity: Number(r['quantity']),
    entryPrice: Number(r['entry_price']),
    status: String(r['status']) as PositionStatus,
    exchangeOrderId: r['exchange_order_id'] == null ? null : String(r['exchange_order_id']),
    stopLossPrice: r['stop_loss_price'] == null ? null : Number(r['stop_loss_price']),
    hasStopLoss: r['has_stop_loss'] === true,
    exitReason: r['exit_reason'] == null ? null : String(r['exit_reason']),
    ...('version' in r ? { version: r['version'] == null ? null : Number(r['version']) } : {}),
  };
}

export class PositionRepository {
  constructor(
    private readonly sql: SqlClient,
    private readonly policy: BotPolicy,
  ) {}

  /**
   * create_position (repository.py:267-270): one transaction under pg_advisory_xact_lock; when the
   * existence check finds a row it returns that row's id instead of inserting (Option 3 keeps this).
   */
  async createPosition(data: NewPosition): Promise<number> {
    return (await this.createOrFind(data)).id;
  }

  /** createPosition, telling whether the id is a new row or one the existence check found. */
  createOrFind(data: NewPosition): Promise<CreatedPosition> {
    return this.sql.transaction('createPosition', (tx) => this.createInTransaction(tx, data));
  }

  /** Check and insert on a session already inside a transaction (Option 5's `_create_in_transaction`). */
  async createInTransaction(tx: SqlSession, data: NewPosition): Promise<CreatedPosition> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [positionLockId(data.symbol, data.exchange)], 'createPosition:lock');
    const existing = await tx.query(
      `SELECT id, status FROM monitoring.positions
       WHERE symbol = $1 AND exchange = $2 AND status = ANY($3::text[])
       ORDER BY created_at DESC LIMIT 1`,
      [data.symbol, data.exchange, this.policy.createCheckStatuses],
      'createPosition:check',
    );
    const found = existing.rows[0];
    if (found) return { id: Number(found['id']), created: false };
    const inserted = await tx.query(
      `INSERT INTO monitoring.positions (symbol, exchange, side, quantity, entry_price, status, exchange_order_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [data.symbol, data.exchange, data.side, data.quantity, data.entryPrice, data.status, data.exchangeOrderId ?? null],
      'createPosition:insert',
    );
    return { id: Number(inserted.rows[0]?.['id']), created: true };
  }

  /**
   * update_position (repository.py:545-589): how it writes is the policy's `updateMode`. Under
   * Option 6 a caller that read the row's version together with the values it changes passes it
   * as `seenVersion`; otherwise the version is read just before the UPDATE, as the plan writes it.
   */
  async updatePosition(id: number, fields: PositionUpdate, label = 'updatePosition', seenVersion?: number | null): Promise<void> {
    const mode = this.policy.updateMode;
    if (mode === 'autocommit') {
      await this.writeUpdate(this.sql, id, fields, label);
      return;
    }
    if (mode === 'advisory-locked') {
      await this.sql.transaction(label, async (tx) => {
        const key = await tx.query('SELECT symbol, exchange FROM monitoring.positions WHERE id = $1', [id], `${label}:key`);
        const row = key.rows[0];
        if (row) {
          await tx.query('SELECT pg_advisory_xact_lock($1)', [positionLockId(String(row['symbol']), String(row['exchange']))], `${label}:lock`);
        }
        await this.writeUpdate(tx, id, fields, label);
      });
      return;
    }
    if (seenVersion !== undefined) {
      if ((await this.writeUpdate(this.sql, id, fields, label, seenVersion)) === 0) throw new ConcurrentModificationError(id);
      return;
    }
    // Option 6 as the plan writes it: the version is read, then the UPDATE is conditional on it.
    const current = await this.sql.query('SELECT version FROM monitoring.positions WHERE id = $1', [id], `${label}:version`);
    const row = current.rows[0];
    // Like the autocommit UPDATE, updating an id that does not exist changes nothing.
    if (!row) return;
    const version = row['version'];
    const updated = await this.writeUpdate(this.sql, id, fields, label, version == null ? null : Number(version));
    if (updated === 0) throw new ConcurrentModificationError(id);
  }

  /** get_open_position: the statuses it sees are the policy's (baseline: 'active' only, Problem #6). */
  getOpenPosition(symbol: string, exchange: string): Promise<PositionRow | null> {
    return this.findOpen(this.sql, symbol, exchange, this.policy.openLookupStatuses, false);
  }

  /**
   * The newest row of (symbol, exchange) in one of `statuses`, on `session` (a transaction's, when
   * `forUpdate` locks the row until it ends).
   */
  async findOpen(session: SqlSession, symbol: string, exchange: string, statuses: readonly PositionStatus[], forUpdate: boolean, withVersion = false): Promise<PositionRow | null> {
    const r = await session.query(
      `SELECT ${SELECT_COLUMNS}${withVersion ? ', version' : ''} FROM monitoring.positions
       WHERE symbol = $1 AND exchange = $2 AND status = ANY($3::text[])
       ORDER BY created_at DESC LIMIT 1${forUpdate ? ' FOR UPDATE' : ''}`,
      [symbol, exchange, statuses],
      forUpdate ? 'getOpenPosition FOR UPDATE' : 'getOpenPosition',
    );
    const row = r.rows[0];
    return row ? toPositionRow(row) : null;
  }

  /**
   * Adds `n` to a position's quantity: the read value plus n written back (`absolute`, Problem #3's
   * lost update), or `quantity = quantity + n` in the UPDATE itself (`delta`).
   */
  async addQuantity(row: PositionRow, n: number, session: SqlSession = this.sql): Promise<void> {
    const { id } = row;
    const label = 'updatePosition(quantity)';
    if (this.policy.quantityWrite === 'delta') {
      await session.query('UPDATE monitoring.positions SET quantity = quantity + $1, updated_at = NOW() WHERE id = $2', [n, id], label);
      return;
    }
    const readQuantity = row.quantity;
    if (session === this.sql) {
      await this.updatePosition(id, { quantity: readQuantity + n }, label, row.version);
      return;
    }
    await this.writeUpdate(session, id, { quantity: readQuantity + n }, label);
  }

  /** The rows the synchroniser's close pass reconciles (the policy's reconcileStatuses). */
  async listOpenPositions(exchange: string): Promise<readonly PositionRow[]> {
    const r = await this.sql.query(
      `SELECT ${SELECT_COLUMNS} FROM monitoring.positions
       WHERE exchange = $1 AND status = ANY($2::text[]) ORDER BY id`,
      [exchange, this.policy.reconcileStatuses],
      'listOpenPositions',
    );
    return r.rows.map(toPositionRow);
  }

  async getPosition(id: number): Promise<PositionRow | null> {
    const r = await this.sql.query(`SELECT ${SELECT_COLUMNS} FROM monitoring.positions WHERE id = $1`, [id], 'getPosition');
    const row = r.rows[0];
    return row ? toPositionRow(row) : null;
  }

  /** Marks a position closed, keeping the row as history; on `session` (a transaction's) when given. */
  async closePosition(id: number, reason: string, session?: SqlSession): Promise<void> {
    const fields: PositionUpdate = { status: 'closed', exit_reason: reason, closed_at: 'now' };
    if (session) await this.writeUpdate(session, id, fields, 'closePosition');
    else await this.updatePosition(id, fields, 'closePosition');
  }

  private async writeUpdate(
    session: SqlSession,
    id: number,
    fields: PositionUpdate,
    label: string,
    expectedVersion?: number | null,
  ): Promise<number> {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [column, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      if (column === 'closed_at') {
        sets.push('closed_at = NOW()');
        continue;
      }
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    }
    sets.push('updated_at = NOW()');
    values.push(id);
    let where = `id = $${values.length}`;
    if (expectedVersion !== undefined) {
      sets.push('version = version + 1');
      values.push(expectedVersion);
      where += ` AND version IS NOT DISTINCT FROM $${values.length}`;
    }
    const r = await session.query(`UPDATE monitoring.positions SET ${sets.join(', ')} WHERE ${where}`, values, label);
    return r.rowCount;
  }
}
