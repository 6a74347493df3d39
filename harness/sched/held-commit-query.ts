// A statement sent outside a transaction block with its commit held back, so the run-time
// cross-check can read the locks it took: they are released when its transaction commits.
import pg from 'pg';

/** What of pg's connection this query writes with (pg's own Connection, untyped in @types/pg). */
interface WireConnection {
  execute(options: { portal?: string; rows?: number }): void;
  flush(): void;
  sync(): void;
}

/** pg's Query methods this one builds on (present on pg.Query.prototype since pg 8). */
interface QueryInternals {
  handleCommandComplete(msg: unknown, connection: WireConnection): void;
  handleError(error: unknown, connection: WireConnection): void;
}

const base = pg.Query.prototype as unknown as QueryInternals;

/**
 * One statement in the extended protocol whose `Execute` is followed by `Flush` instead of `Sync`:
 * PostgreSQL answers it and keeps the implicit transaction it ran in open, locks held, until the
 * `Sync`. `beforeCommit` runs in between; then the `Sync` commits as it would have at once. The
 * statement's text, snapshot, errors and result are those of the same statement sent alone —
 * what changes is only when its commit is asked for, while every other session waits at the
 * harness's gates.
 */
export class HeldCommitQuery extends pg.Query {
  /** Set by pg from the query's configuration: the portal Execute runs. */
  declare portal: string | undefined;
  /** The Execute went out (with the Parse, Bind, Describe before it): a Sync is owed. */
  private executed = false;
  private synced = false;

  constructor(
    text: string,
    values: readonly unknown[] | undefined,
    private readonly beforeCommit: () => Promise<void>,
    callback: (error: Error | undefined, result: pg.QueryResult) => void,
  ) {
    super({ text, ...(values ? { values: [...values] } : {}), queryMode: 'extended' } as pg.QueryConfig, callback as never);
  }

  // pg calls this to send Execute and, for a whole statement, Sync: here Flush instead.
  _getRows(connection: WireConnection, rows: number | undefined): void {
    connection.execute({ ...(this.portal !== undefined ? { portal: this.portal } : {}), ...(rows !== undefined ? { rows } : {}) });
    connection.flush();
    this.executed = true;
  }

  handleCommandComplete(msg: unknown, connection: WireConnection): void {
    base.handleCommandComplete.call(this, msg, connection);
    this.commit(connection);
  }

  handleEmptyQuery(connection: WireConnection): void {
    this.commit(connection);
  }

  // After an error PostgreSQL skips every message up to the Sync, then answers ReadyForQuery.
  handleError(error: unknown, connection: WireConnection): void {
    this.sync(connection);
    base.handleError.call(this, error, connection);
  }

  private commit(connection: WireConnection): void {
    // The check's failure is the engine's to record; the statement commits either way.
    void this.beforeCommit()
      .catch(() => undefined)
      .finally(() => this.sync(connection));
  }

  private sync(connection: WireConnection): void {
    if (!this.executed || this.synced) return;
    this.synced = true;
    connection.sync();
  }
}
