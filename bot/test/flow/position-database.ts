// One real PostgreSQL database per bot test file, reached through a pg Pool and PgSqlClient as the
// bot reaches it in production, plus read-only views of its rows for assertions.
import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { PgSqlClient, isOpenStatus, toPositionRow, type PositionRow, type PositionStatus } from '../../flow/index.ts';
import type { SqlFile } from '../../../harness/db/index.ts';
import { RESET_SQL } from '../../flow/index.ts';
import { botDatabase } from '../support/bot-database.ts';

/** A row as the bot reads it (the repository's own mapping), plus whether closed_at is set. */
export type StoredPosition = PositionRow & { readonly closed: boolean };

export interface StatusChange {
  readonly positionId: number;
  readonly from: PositionStatus | null;
  readonly to: PositionStatus;
}

export interface PositionDatabase {
  readonly pool: pg.Pool;
  /** The bot's SqlClient: the production adapter over the pool. */
  readonly sql: PgSqlClient;
  /** A connection of the test's own, outside the pool. */
  readonly client: pg.Client;
  readonly url: string;
  /** Empties the tables and restarts the ids (the harness's RESET_SQL). */
  reset(): Promise<void>;
  /** Rows of (symbol, exchange), or all rows, by id. */
  rows(symbol?: string, exchange?: string): Promise<readonly StoredPosition[]>;
  /** Rows of (symbol, exchange) in an open status. */
  openRows(symbol: string, exchange: string): Promise<readonly StoredPosition[]>;
  /** The status history the trigger recorded, in statement order. */
  history(positionId?: number): Promise<readonly StatusChange[]>;
  close(): Promise<void>;
}

/** A fresh marked database with the schema and `migrations`, and a pool on it. */
export async function positionDatabase(migrations: readonly SqlFile[] = []): Promise<PositionDatabase> {
  const fresh = await botDatabase(migrations);
  const pool = new pg.Pool({ connectionString: fresh.db.url, max: 8 });
  // An idle pooled connection ended by the server (the database is dropped) must not crash the suite.
  pool.on('error', () => undefined);
  const rows = async (symbol?: string, exchange?: string): Promise<readonly StoredPosition[]> => {
    const r = await fresh.client.query(
      `SELECT id, symbol, exchange, side, quantity::float8 AS quantity, entry_price::float8 AS entry_price, status,
              exchange_order_id, stop_loss_price::float8 AS stop_loss_price, has_stop_loss, exit_reason,
              closed_at IS NOT NULL AS closed
       FROM monitoring.positions
       WHERE ($1::text IS NULL OR symbol = $1) AND ($2::text IS NULL OR exchange = $2)
       ORDER BY id`,
      [symbol ?? null, exchange ?? null],
    );
    return r.rows.map((row: Record<string, unknown>) => ({ ...toPositionRow(row), closed: row['closed'] === true }));
  };
  return {
    pool,
    sql: new PgSqlClient(pool),
    client: fresh.client,
    url: fresh.db.url,
    async reset() {
      await fresh.client.query(RESET_SQL);
    },
    rows,
    async openRows(symbol, exchange) {
      return (await rows(symbol, exchange)).filter((row) => isOpenStatus(row.status));
    },
    async history(positionId) {
      const r = await fresh.client.query(
        `SELECT position_id, old_status, new_status FROM monitoring.position_history
         WHERE $1::int IS NULL OR position_id = $1 ORDER BY seq`,
        [positionId ?? null],
      );
      return r.rows.map((row: Record<string, unknown>) => ({
        positionId: Number(row['position_id']),
        from: row['old_status'] == null ? null : (String(row['old_status']) as PositionStatus),
        to: String(row['new_status']) as PositionStatus,
      }));
    },
    async close() {
      await pool.end();
      await fresh.close();
    },
  };
}

/**
 * The database of one describe block: created before its tests, emptied before each, dropped
 * after them. Returns a handle usable from the block's own hooks and tests.
 */
export function usePositionDatabase(migrations: readonly SqlFile[] = []): PositionDatabase {
  let current: PositionDatabase | undefined;
  beforeAll(async () => {
    current = await positionDatabase(migrations);
  });
  afterAll(async () => {
    await current?.close();
  });
  beforeEach(async () => {
    await current?.reset();
  });
  return new Proxy({} as PositionDatabase, {
    get(_target, key) {
      if (!current) throw new Error('the position database exists only inside the tests and hooks of its describe block');
      return Reflect.get(current, key);
    },
  });
}
