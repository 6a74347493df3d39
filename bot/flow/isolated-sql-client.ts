// The `serializable` policy as a SqlClient decorator: every transaction of the bot (an autocommit
// statement is one too) runs at SERIALIZABLE and is retried on 40001/40P01 a bounded number of times.
import type { Isolation } from './bot-policy.ts';
import { isSqlStateError, type SqlClient, type SqlResult, type SqlRow, type SqlSession } from '../../harness/ports/index.ts';

/** SQLSTATEs after which PostgreSQL's documentation says to retry the whole transaction. */
const RETRYABLE: ReadonlySet<string> = new Set(['40001', '40P01']);

/** `sql` itself at READ COMMITTED; a retrying SERIALIZABLE client otherwise. */
export function withIsolation(sql: SqlClient, isolation: Isolation): SqlClient {
  return isolation.level === 'serializable' ? new SerializableSqlClient(sql, isolation.attempts) : sql;
}

class SerializableSqlClient implements SqlClient {
  constructor(
    private readonly sql: SqlClient,
    private readonly attempts: number,
  ) {}

  withConnection<T>(fn: (conn: SqlSession) => Promise<T>): Promise<T> {
    return this.sql.withConnection ? this.sql.withConnection(fn) : fn(this.sql);
  }

  query<R extends SqlRow = SqlRow>(text: string, values?: readonly unknown[], label?: string): Promise<SqlResult<R>> {
    // A session-level statement outside any transaction would run at the session's default level.
    return this.transaction(label ?? 'autocommit', (tx) => tx.query<R>(text, values, label));
  }

  /** Each attempt is BEGIN ISOLATION LEVEL SERIALIZABLE … COMMIT; its statements are steps like any other. */
  async transaction<T>(label: string, fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const tag = attempt === 1 ? label : `${label} (attempt ${attempt})`;
      try {
        await this.sql.query('BEGIN ISOLATION LEVEL SERIALIZABLE', [], `${tag}:BEGIN`);
        let result: T;
        try {
          result = await fn(this.sql);
        } catch (e) {
          await this.sql.query('ROLLBACK', [], `${tag}:ROLLBACK`).catch(() => undefined);
          throw e;
        }
        await this.sql.query('COMMIT', [], `${tag}:COMMIT`);
        return result;
      } catch (e) {
        // A serialization failure at COMMIT leaves no transaction open; anything else is the caller's.
        if (attempt >= this.attempts || !isSqlStateError(e) || !RETRYABLE.has(e.code)) throw e;
      }
    }
  }
}
