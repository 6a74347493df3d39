// The SQL part of a scenario's counterexample: the schedule is replayed with every actor's SQL
// client (and the scenario's setup) recorded, parameters included, so each statement can be
// written out as plain SQL in the order the trace released it. Exchange calls and sleeps are not
// SQL: they are listed, to be named in the exported spec's header.
import { runInTransaction, type SqlClient, type SqlResult, type SqlRow, type SqlSession } from '../ports/index.ts';
import type { Violation } from '../check/index.ts';
import type { SqlFile, StartedPostgres } from '../db/index.ts';
import type { LayerSet } from '../../bot/layers/index.ts';
import { replayCommand, runReplay } from '../run/index.ts';
import { formatReplayTarget, inlineParameters, type Schedule, type TraceStep } from '../sched/index.ts';
import type { Scenario } from '../../bot/scenarios/index.ts';

/** One SQL statement an actor sent, parameters inlined. */
export interface CapturedStatement {
  readonly actor: number;
  readonly label: string;
  readonly sql: string;
  /** `ok`, `rows=N` or `ERR <SQLSTATE>` in the original run. */
  readonly result: string;
}

export interface ScenarioSqlCapture {
  /** `<scenario>@<layers>:<schedule>`. */
  readonly replay: string;
  readonly command: string;
  readonly actorNames: readonly string[];
  /** Schema and migration files the scenario's database starts from. */
  readonly schema: readonly SqlFile[];
  /** What the scenario's setup ran before the actors, parameters inlined. */
  readonly setup: readonly string[];
  /** Every statement the actors sent, in the order the schedule released them. */
  readonly statements: readonly CapturedStatement[];
  /** Steps that are not SQL (service calls, sleeps), per actor, in order. */
  readonly leftOut: readonly { readonly actor: number; readonly what: string }[];
  readonly violations: readonly Violation[];
}

/** Replays `schedule` of `scenario` under `layerSet`, recording every statement. */
export async function captureScenarioSql(server: StartedPostgres, scenario: Scenario, layerSet: LayerSet, schedule: Schedule): Promise<ScenarioSqlCapture> {
  const setup: string[] = [];
  const recorded: { text: string; values: readonly unknown[] | undefined }[][] = [];
  const recordingScenario: Scenario = scenario.setup
    ? {
        ...scenario,
        setup: (ctx) =>
          scenario.setup?.({
            ...ctx,
            sql: (text, values) => {
              setup.push(inlineParameters(text, values));
              return ctx.sql(text, values);
            },
          }) ?? Promise.resolve(),
      }
    : scenario;
  const r = await runReplay(server, recordingScenario, layerSet.id, schedule, {
    instrument: (actors) =>
      actors.map((a, i) => {
        const mine: { text: string; values: readonly unknown[] | undefined }[] = [];
        recorded[i] = mine;
        return { ...a, run: (ports) => a.run({ ...ports, sql: recordingClient(ports.sql, mine) }) };
      }),
  });
  const replay = formatReplayTarget({ scenario: scenario.name, layers: layerSet.id, schedule });
  return { replay, command: replayCommand(replay), actorNames: r.actorNames, schema: layerSet.sqlFiles, setup, violations: r.violations, ...orderStatements(r.run.trace, recorded) };
}

/** The k-th SQL step an actor released in the trace is the k-th statement it sent. */
function orderStatements(trace: readonly TraceStep[], recorded: readonly (readonly { text: string; values: readonly unknown[] | undefined }[])[]): Pick<ScenarioSqlCapture, 'statements' | 'leftOut'> {
  const next = recorded.map(() => 0);
  const statements: CapturedStatement[] = [];
  const leftOut: { actor: number; what: string }[] = [];
  for (const t of trace) {
    if (t.kind !== 'sql') {
      if (t.kind === 'service') leftOut.push({ actor: t.actor, what: `service call ${t.label}` });
      else if (t.kind === 'sleep') leftOut.push({ actor: t.actor, what: `${t.label} (${t.detail})` });
      continue;
    }
    const k = next[t.actor] ?? 0;
    next[t.actor] = k + 1;
    const q = recorded[t.actor]?.[k];
    if (!q) continue;
    statements.push({ actor: t.actor, label: t.label, sql: inlineParameters(q.text, q.values), result: t.result });
  }
  return { statements, leftOut };
}

/** A SqlClient that notes each statement before passing it on (transactions included). */
function recordingClient(inner: SqlClient, into: { text: string; values: readonly unknown[] | undefined }[]): SqlClient {
  const client: SqlClient = {
    query<R extends SqlRow = SqlRow>(text: string, values?: readonly unknown[], label?: string): Promise<SqlResult<R>> {
      into.push({ text, values });
      return inner.query<R>(text, values, label);
    },
    transaction<T>(label: string, fn: (tx: SqlSession) => Promise<T>): Promise<T> {
      return runInTransaction(client, label, fn);
    },
  };
  return client;
}
