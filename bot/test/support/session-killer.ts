// Fault injection for tests: a scenario wrapped so that, at fixed counts of SQL statements its
// actors issue, a side connection terminates a chosen session first (pg_terminate_backend, as an
// operator would). Triggered by the run's own progress, never by wall-clock time.
import pg from 'pg';
import type { SqlClient, SqlResult, SqlRow, SqlSession } from '../../../harness/ports/index.ts';
import type { ActorPorts } from '../../../harness/sched/index.ts';
import type { Scenario } from '../../scenarios/index.ts';

/** `self`: the issuing actor's own session; `observer`: the observer of a cell; `other`: another actor's. */
export type KillTarget = 'self' | 'observer' | 'other';

/** A kill, or any other fault to cause at that point (stopping the server, say). */
export type PlannedFault = KillTarget | { readonly run: () => Promise<void> };

export interface SessionKiller {
  /** `scenario`, with a fault before the statements numbered in `plan` (1-based, over all its actors and runs). */
  wrap(scenario: Scenario, plan: ReadonlyMap<number, PlannedFault>): Scenario;
  /** Statements a wrapped scenario's actors have issued so far. */
  statementsOf(wrapped: Scenario): number;
  /** Sessions terminated so far, by target. */
  readonly killed: Record<KillTarget, number>;
  close(): Promise<void>;
}

/** `adminUrl`: a server's maintenance database, for the side connection that kills. */
export async function sessionKiller(adminUrl: string): Promise<SessionKiller> {
  const side = new pg.Client({ connectionString: adminUrl, application_name: 'prh-test-killer' });
  side.on('error', () => undefined);
  await side.connect();
  const killed: Record<KillTarget, number> = { self: 0, observer: 0, other: 0 };

  /**
   * A session of the cell whose actor issued the statement (its database): with several cells
   * running at once, a kill must not hit another cell's session, idle between its runs or not.
   */
  const kill = async (target: KillTarget, actor: number, database: string): Promise<void> => {
    const name = target === 'observer' ? 'prh-observer' : target === 'self' ? `prh-actor-${actor}` : null;
    const r = await side.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = $2 AND ${name ? 'application_name = $1' : "application_name LIKE 'prh-actor-%' AND application_name <> $1"}
        ORDER BY pid LIMIT 1`,
      [name ?? `prh-actor-${actor}`, database],
    );
    const pid = r.rows[0]?.pid;
    if (pid === undefined) return;
    await side.query('SELECT pg_terminate_backend($1)', [pid]);
    killed[target]++;
  };

  /** Counts the statements of one wrapped scenario. */
  interface Counter {
    statements: number;
  }
  const cause = async (fault: PlannedFault, actor: number, database: string): Promise<void> => {
    if (typeof fault === 'string') await kill(fault, actor, database);
    else await fault.run();
  };
  const counters = new WeakMap<Scenario, Counter>();
  const wrapSql = (inner: SqlClient, actor: number, database: string, plan: ReadonlyMap<number, PlannedFault>, counter: Counter): SqlClient => {
    const client: SqlClient = {
      async query<R extends SqlRow = SqlRow>(text: string, values?: readonly unknown[], label?: string): Promise<SqlResult<R>> {
        const target = plan.get(++counter.statements);
        if (target) await cause(target, actor, database);
        return inner.query<R>(text, values, label);
      },
      transaction<T>(label: string, fn: (tx: SqlSession) => Promise<T>): Promise<T> {
        // The bot's transactions go through `query` of the client they are given.
        return inner.transaction(label, (tx) => fn(wrapSession(tx)));
      },
    };
    const wrapSession = (tx: SqlSession): SqlSession => ({
      async query<R extends SqlRow = SqlRow>(text: string, values?: readonly unknown[], label?: string): Promise<SqlResult<R>> {
        const target = plan.get(++counter.statements);
        if (target) await cause(target, actor, database);
        return tx.query<R>(text, values, label);
      },
    });
    return client;
  };

  return {
    killed,
    statementsOf: (wrapped) => counters.get(wrapped)?.statements ?? 0,
    wrap(scenario, plan) {
      const counter: Counter = { statements: 0 };
      const wrapped: Scenario = {
        ...scenario,
        actors: (env) =>
          scenario.actors(env).map((spec) => ({
            ...spec,
            run: (ports: ActorPorts) => spec.run({ ...ports, sql: wrapSql(ports.sql, ports.actor, databaseOf(ports.databaseUrl), plan, counter) }),
          })),
      };
      counters.set(wrapped, counter);
      return wrapped;
    },
    async close() {
      await side.end();
    },
  };
}

/** The database a connection string names. */
function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}
