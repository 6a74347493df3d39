// A spec session as a SQL-only actor on its own PostgreSQL session: its setup, the steps a
// permutation gives it (in order), its teardown — each one gated step, sent whole as one simple
// query like the isolation tester's PQsendQuery. A failed step does not end the session.
import type { SqlRow } from '../ports/index.ts';
import { SQL_ACTOR_ROW_CAP, type ActorPorts, type SqlActorResult, type SqlActorSpec, type SqlStepRecord } from '../sched/index.ts';
import type { IsolationSpec, SpecStep } from './spec-model.ts';
import type { SpecRunLog } from './spec-run-log.ts';

/** The gates a session actor takes, in order. */
export type SessionGate = 'setup' | 'step' | 'teardown';

export interface SessionActorPlan {
  readonly session: number;
  readonly gates: readonly SessionGate[];
  readonly steps: readonly SpecStep[];
}

/** One actor per session; `steps[i]` are the steps session i runs, in the order it runs them. */
export function sessionActors(spec: IsolationSpec, steps: readonly (readonly SpecStep[])[], log: SpecRunLog): { actors: SqlActorSpec[]; plans: SessionActorPlan[] } {
  const actors: SqlActorSpec[] = [];
  const plans: SessionActorPlan[] = [];
  spec.sessions.forEach((session, i) => {
    const mine = steps[i] ?? [];
    const queries = [
      ...(session.setup !== null ? [{ kind: 'setup' as const, name: session.name, sql: session.setup, label: `${session.name} setup` }] : []),
      ...mine.map((s) => ({ kind: 'step' as const, name: s.name, sql: s.sql, label: s.name })),
      ...(session.teardown !== null ? [{ kind: 'teardown' as const, name: session.name, sql: session.teardown, label: `${session.name} teardown` }] : []),
    ];
    plans.push({ session: i, gates: queries.map((q) => q.kind), steps: mine });
    actors.push({
      name: session.name,
      sqlSteps: queries.map((q) => ({ sql: q.sql, name: q.label })),
      run: async ({ rawSql }: ActorPorts): Promise<SqlActorResult> => {
        const records: SqlStepRecord[] = [];
        for (const [k, q] of queries.entries()) {
          const r = await rawSql.queryRaw(q.sql, q.label, (n) => log.noticeFrom(i, n));
          log.queryFinished(i, q.kind, q.name, r);
          if (r.error) {
            records.push({ step: k, sql: q.sql, status: 'error', sqlState: r.error.sqlState, message: r.error.message });
            continue;
          }
          const last = [...r.results].reverse().find((x) => x.kind === 'rows');
          const rows: SqlRow[] = last?.kind === 'rows' ? last.rows.slice(0, SQL_ACTOR_ROW_CAP).map((row) => Object.fromEntries(last.fields.map((f, j) => [f, row[j] ?? null]))) : [];
          const count = last?.kind === 'rows' ? last.rows.length : 0;
          records.push({ step: k, sql: q.sql, status: 'ok', rows, rowCount: count, truncated: count > SQL_ACTOR_ROW_CAP });
        }
        return { steps: records };
      },
    });
  });
  return { actors, plans };
}
