// A statement sent outside a transaction block with the read of its locks pipelined before its
// commit, so the run-time cross-check sees them: they are released when the transaction commits.
import pg from 'pg';
import type { LockRow } from './actor-session.ts';
import { RELATION_LOCKS_SQL } from './relation-locks.ts';

/** What of pg's connection this query writes with (pg's own Connection, untyped in @types/pg). */
interface WireConnection {
  execute(options: { portal?: string; rows?: number }): void;
  parse(options: { text: string; name?: string }): void;
  bind(options: { portal?: string; statement?: string }): void;
  sync(): void;
}

/** pg's Query methods this one builds on (present on pg.Query.prototype since pg 8). */
interface QueryInternals {
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: WireConnection): void;
  handleError(error: unknown, connection: WireConnection): void;
  handleReadyForQuery(connection: WireConnection): void;
}

const base = pg.Query.prototype as unknown as QueryInternals;

const OWN_LOCKS_SQL = `${RELATION_LOCKS_SQL} WHERE l.pid = pg_backend_pid()`;
/**
 * The read is a prepared statement of the session: planning its joins costs about a millisecond,
 * ten times running it. (The reset between runs deallocates it; it is prepared again.)
 */
export const OWN_LOCKS_STATEMENT = 'prh_own_locks';

/**
 * One statement in the extended protocol, followed in the same pipeline — before the `Sync` that
 * commits its implicit transaction — by a read of the relation locks its backend holds then.
 * PostgreSQL runs the two in order in that one transaction: the statement's text, snapshot,
 * errors and result are those it has sent alone (a failed statement skips the read), and no round
 * trip is added. `locks` hears the rows (null: the read failed; nothing when the statement did).
 */
export class HeldCommitQuery extends pg.Query {
  /** Set by pg from the query's configuration: the portal Execute runs. */
  declare portal: string | undefined;
  /** The statement's CommandComplete has come: what follows is the read of its locks. */
  private reading = false;
  // Not `rows`: pg's Query keeps its portal's row limit under that name.
  private readonly lockRows: LockRow[] = [];
  private readFailed = false;
  /** The read's CommandComplete has come: an error now is the commit's. */
  private read = false;

  constructor(
    text: string,
    values: readonly unknown[] | undefined,
    private readonly locks: (rows: readonly LockRow[] | null) => void,
    /** The name of the read as a prepared statement of the session (OWN_LOCKS_STATEMENT, numbered). */
    private readonly statement: string,
    /** It is prepared on this session already (else it is prepared in this pipeline). */
    private readonly prepared: boolean,
    callback: (error: Error | undefined, result: pg.QueryResult) => void,
  ) {
    super({ text, ...(values ? { values: [...values] } : {}), queryMode: 'extended' } as pg.QueryConfig, callback as never);
  }

  // pg calls this to send Execute and Sync: the read of the locks goes between them.
  _getRows(connection: WireConnection, rows: number | undefined): void {
    connection.execute({ ...(this.portal !== undefined ? { portal: this.portal } : {}), ...(rows !== undefined ? { rows } : {}) });
    if (!this.prepared) connection.parse({ text: OWN_LOCKS_SQL, name: this.statement });
    connection.bind({ portal: '', statement: this.statement });
    connection.execute({ portal: '' });
    connection.sync();
  }

  handleDataRow(msg: unknown): void {
    if (!this.reading) return base.handleDataRow.call(this, msg);
    const [qualified, kind, mode] = (msg as { fields: (string | null)[] }).fields;
    this.lockRows.push({ qualified: qualified ?? '', kind: kind ?? '', mode: mode ?? '' });
  }

  handleCommandComplete(msg: unknown, connection: WireConnection): void {
    if (this.reading) {
      this.read = true;
      return;
    }
    base.handleCommandComplete.call(this, msg, connection);
    this.reading = true;
  }

  handleEmptyQuery(): void {
    this.reading = true;
  }

  handleError(error: unknown, connection: WireConnection): void {
    // After the read, the error is the commit's (a deferred constraint): the statement's own.
    if (this.read) {
      this.locks(this.lockRows);
      this.reading = false;
      base.handleError.call(this, error, connection);
      return;
    }
    // The statement succeeded and only the read failed: the statement's answer stands. pg has let
    // go of this query by now (its ReadyForQuery will find none), so the answer is given here.
    if (this.reading) {
      this.readFailed = true;
      this.handleReadyForQuery(connection);
      return;
    }
    base.handleError.call(this, error, connection);
  }

  handleReadyForQuery(connection: WireConnection): void {
    if (this.reading) this.locks(this.readFailed ? null : this.lockRows);
    base.handleReadyForQuery.call(this, connection);
  }
}
