// The scheduled SqlClient: every statement (BEGIN, COMMIT and ROLLBACK included) waits at a gate
// *before it is sent*, so the scheduler decides the order in which PostgreSQL sees them.
import { runInTransaction, type SqlClient, type SqlResult, type SqlRow, type SqlSession } from '../bot/index.ts';
import type { ActorSession } from './actor-session.ts';
import type { StepKind } from './strategy.ts';
import { compactSql, rowsPreview } from './trace.ts';

export type Gate = (kind: StepKind, label: string, detail: string) => Promise<void>;
export type StepDone = (result: string, error?: unknown, rows?: string) => void;

export class GatedSqlClient implements SqlClient {
  constructor(
    private readonly session: ActorSession,
    private readonly gate: Gate,
    private readonly done: StepDone,
    /** Called once the statement is on the wire: only then can it wait on a lock. */
    private readonly sent: () => void,
  ) {}

  async query<R extends SqlRow = SqlRow>(text: string, values?: readonly unknown[], label?: string): Promise<SqlResult<R>> {
    await this.gate('sql', label ?? compactSql(text), text);
    let r;
    try {
      const p = this.session.send(text, values);
      this.sent();
      r = await p;
    } catch (e) {
      this.done('', e);
      throw e;
    }
    const rowCount = r.rowCount ?? 0;
    this.done(r.command === 'SELECT' || r.rows.length > 0 ? `rows=${r.rows.length}` : rowCount > 0 ? `rows=${rowCount}` : 'ok', undefined, rowsPreview(r.rows));
    return { rows: r.rows as R[], rowCount };
  }

  transaction<T>(label: string, fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    return runInTransaction(this, label, fn);
  }
}
