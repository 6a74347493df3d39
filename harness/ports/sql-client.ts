// The engine's port to PostgreSQL: a session that runs statements, and a client that can also run
// a transaction on one session. Adapters: pg (production code), the scheduler's gate (raced runs).

/** One row as PostgreSQL returns it. */
export type SqlRow = Record<string, unknown>;

export interface SqlResult<R extends SqlRow = SqlRow> {
  readonly rows: readonly R[];
  readonly rowCount: number;
}

/** One PostgreSQL session. `label` names the step for traces (e.g. `createPosition`). */
export interface SqlSession {
  query<R extends SqlRow = SqlRow>(text: string, values?: readonly unknown[], label?: string): Promise<SqlResult<R>>;
}

/** What an actor holds: autocommit statements plus transactions on one session. */
export interface SqlClient extends SqlSession {
  transaction<T>(label: string, fn: (tx: SqlSession) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` on one connection of its own, held until `fn` ends (asyncpg's `pool.acquire()`),
   * for session state such as a session-level advisory lock. A client that is a single session
   * (the scheduler's, one per actor) has none: it is that connection.
   */
  withConnection?<T>(fn: (conn: SqlSession) => Promise<T>): Promise<T>;
}

/** An error PostgreSQL raised, with its SQLSTATE kept (23505, 40P01, ...). */
export interface SqlStateError extends Error {
  readonly code: string;
}

/** True when `e` carries a five-character SQLSTATE, as pg's DatabaseError does. */
export function isSqlStateError(e: unknown): e is SqlStateError {
  const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * Runs `fn` between BEGIN and COMMIT on `session`, ROLLBACK on any error. BEGIN, COMMIT and
 * ROLLBACK go through `session.query` so a scheduler sees each as a step of its own.
 */
export async function runInTransaction<T>(session: SqlSession, label: string, fn: (tx: SqlSession) => Promise<T>): Promise<T> {
  await session.query('BEGIN', [], `${label}:BEGIN`);
  let result: T;
  try {
    result = await fn(session);
  } catch (e) {
    try {
      await session.query('ROLLBACK', [], `${label}:ROLLBACK`);
    } catch {
      // The connection may be gone; the original error is the one worth reporting.
    }
    throw e;
  }
  await session.query('COMMIT', [], `${label}:COMMIT`);
  return result;
}
