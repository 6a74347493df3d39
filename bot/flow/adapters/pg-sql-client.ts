// Production adapter of SqlClient over a pg Pool: autocommit statements on any pooled
// connection, a transaction on one checked-out connection (asyncpg's pool.acquire()).
import type pg from 'pg';
import { runInTransaction, type SqlClient, type SqlResult, type SqlRow, type SqlSession } from '../../../harness/ports/index.ts';

/** The part of pg's Pool this adapter needs (kysely's trick: declare it, don't import it). */
export interface PgPoolLike {
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  connect(): Promise<pg.PoolClient>;
}

function sessionOf(conn: { query(text: string, values?: unknown[]): Promise<pg.QueryResult> }): SqlSession {
  return {
    async query<R extends SqlRow = SqlRow>(text: string, values?: readonly unknown[]): Promise<SqlResult<R>> {
      const r = await conn.query(text, values ? [...values] : undefined);
      return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
    },
  };
}

export class PgSqlClient implements SqlClient {
  private readonly autocommit: SqlSession;
  constructor(private readonly pool: PgPoolLike) {
    this.autocommit = sessionOf(pool);
  }

  query<R extends SqlRow = SqlRow>(text: string, values?: readonly unknown[]): Promise<SqlResult<R>> {
    return this.autocommit.query<R>(text, values);
  }

  async withConnection<T>(fn: (conn: SqlSession) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await fn(sessionOf(client));
    } finally {
      client.release();
    }
  }

  async transaction<T>(label: string, fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await runInTransaction(sessionOf(client), label, fn);
    } finally {
      client.release();
    }
  }
}
