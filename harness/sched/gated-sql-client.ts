// The scheduled SqlClient: every statement (BEGIN, COMMIT and ROLLBACK included) waits at a gate
// *before it is sent*, so the scheduler decides the order in which PostgreSQL sees them.
import type pg from 'pg';
import { runInTransaction, type SqlClient, type SqlResult, type SqlRow, type SqlSession } from '../ports/index.ts';
import type { ActorSession, LocksHeard } from './actor-session.ts';
import type { RawNotice, RawQueryResult, RawSqlClient } from './raw-query.ts';
import type { StepKind } from './strategy.ts';
import { compactSql, rowsPreview } from './trace.ts';

/** What an empty query string returns. */
const EMPTY_RESULT = { command: '', rowCount: null, oid: 0, fields: [], rows: [] } as unknown as pg.QueryResult;

export type Gate = (kind: StepKind, label: string, detail: string, values?: readonly unknown[]) => Promise<void>;
export type StepDone = (result: string, error?: unknown, rows?: string) => void;

export class GatedSqlClient implements SqlClient, RawSqlClient {
  constructor(
    private readonly session: ActorSession,
    private readonly gate: Gate,
    private readonly done: StepDone,
    /** Called once the statement is on the wire: only then can it wait on a lock. */
    private readonly sent: () => void,
    /** Runs after the statement returned and before its step ends (the engine asks the server what it changed). */
    private readonly after: () => Promise<void> = async () => undefined,
    /**
     * Runs once the gate opened, before the statement is sent (the cross-check of a transaction
     * about to end); for a statement outside a transaction block, it may return what hears the
     * locks the statement holds before it commits (the cross-check of its own locks).
     */
    private readonly before: () => Promise<LocksHeard | undefined> = async () => undefined,
  ) {}

  async query<R extends SqlRow = SqlRow>(text: string, values?: readonly unknown[], label?: string): Promise<SqlResult<R>> {
    await this.gate('sql', label ?? compactSql(text), text, values);
    const locks = await this.before();
    let r;
    try {
      const p = this.session.send(text, values, locks);
      this.sent();
      r = await p;
    } catch (e) {
      await this.after();
      this.done('', e);
      throw e;
    }
    await this.after();
    // Several statements in one text (`UPDATE ...; SELECT ...`) come back as one result each:
    // the step's result is the last one's, as psql shows it (its footprint covers them all).
    if (Array.isArray(r)) r = (r as pg.QueryResult[])[(r as pg.QueryResult[]).length - 1] ?? EMPTY_RESULT;
    const rowCount = r.rowCount ?? 0;
    this.done(r.command === 'SELECT' || r.rows.length > 0 ? `rows=${r.rows.length}` : rowCount > 0 ? `rows=${rowCount}` : 'ok', undefined, rowsPreview(r.rows));
    return { rows: r.rows as R[], rowCount };
  }

  /** One gated step whose answer comes back whole (see raw-query.ts); a failed statement resolves. */
  async queryRaw(text: string, label: string, onNotice?: (notice: RawNotice) => void): Promise<RawQueryResult> {
    await this.gate('sql', label, text);
    await this.before();
    let r: RawQueryResult;
    try {
      r = await this.session.sendRaw(text, onNotice, this.sent);
    } catch (e) {
      await this.after();
      this.done('', e);
      throw e;
    }
    await this.after();
    const last = r.results[r.results.length - 1];
    if (r.error) this.done('', { code: r.error.sqlState ?? 'ERROR', message: r.error.message });
    else this.done(last?.kind === 'rows' ? `rows=${last.rows.length}` : 'ok');
    return r;
  }

  transaction<T>(label: string, fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    return runInTransaction(this, label, fn);
  }
}
