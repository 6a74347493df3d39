// What the sessions of one spec run have done so far, shared by the session actors (which write
// it as their queries finish) and the strategy that plays the isolation tester (which reads it at
// each decision: the engine has settled by then, so every finished query is recorded).
import type { RawNotice, RawNotification, RawQueryResult } from '../sched/index.ts';
import type { QueryOutput } from './isolation-transcript.ts';

/** One query of a session: its setup, one of its steps, or its teardown. */
export interface SessionQuery {
  readonly kind: 'setup' | 'step' | 'teardown';
  /** Step name (for steps), else the session name. */
  readonly name: string;
  readonly output: readonly QueryOutput[];
  readonly notifications: readonly RawNotification[];
  /** The SQLSTATE of the error that ended it, if any. */
  readonly sqlState: string | null;
}

export class SpecRunLog {
  /** Per session, its finished queries in order. */
  readonly finished: SessionQuery[][];
  /** Per session, the notices received, in order. */
  readonly notices: RawNotice[][];
  /** Per session, its backend pid once known (to name the sender of a NOTIFY). */
  readonly pids: (number | null)[];

  constructor(sessions: number) {
    this.finished = Array.from({ length: sessions }, () => []);
    this.notices = Array.from({ length: sessions }, () => []);
    this.pids = Array.from({ length: sessions }, () => null);
  }

  noticeFrom(session: number, n: RawNotice): void {
    this.notices[session]?.push(n);
  }

  queryFinished(session: number, kind: SessionQuery['kind'], name: string, r: RawQueryResult): void {
    this.pids[session] = r.backendPid;
    this.finished[session]?.push({ kind, name, output: queryOutput(r), notifications: r.notifications, sqlState: r.error?.sqlState ?? null });
  }

  /** How many queries of `session` have finished. */
  finishedCount(session: number): number {
    return this.finished[session]?.length ?? 0;
  }
}

/** What the isolation tester prints of a query: every row set, then the error if one ended it. */
export function queryOutput(r: RawQueryResult): QueryOutput[] {
  const out: QueryOutput[] = [];
  for (const res of r.results) if (res.kind === 'rows') out.push({ kind: 'result-set', result: { fields: res.fields, rows: res.rows } });
  if (r.error) out.push({ kind: 'error', severity: r.error.severity, message: r.error.message });
  return out;
}
