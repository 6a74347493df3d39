// The SQL part of a scenario's counterexample: the schedule is replayed with every actor's SQL
// client (and the scenario's setup) recorded, parameters included, so each statement can be
// written out as plain SQL in the order the trace released it. A program's statements are read
// from the trace its wire gate wrote (SQL with its values). Service calls and sleeps are not
// SQL: they are listed, to be named in the exported spec's header.
import { runInTransaction, type SqlClient, type SqlResult, type SqlRow, type SqlSession } from '../ports/index.ts';
import type { Violation } from '../check/index.ts';
import type { SqlFile, StartedPostgres } from '../db/index.ts';
import { unknownName } from '../errors/index.ts';
import { replayCommand, runReplay } from '../run/index.ts';
import type { FinalTable, ScenarioBase } from '../scenario/index.ts';
import { formatReplayTarget, inlineParameters, type Schedule, type TraceStep } from '../sched/index.ts';

/** One SQL statement an actor sent, parameters inlined. */
export interface CapturedStatement {
  readonly actor: number;
  readonly label: string;
  readonly sql: string;
  /** `ok`, `rows=N` or `ERR <SQLSTATE>` in the original run. */
  readonly result: string;
}

export interface ScenarioSqlCapture {
  /** `<scenario>@<variant>:<schedule>`. */
  readonly replay: string;
  readonly command: string;
  /** One per session of the spec: an actor, or a lane (a connection) of a program. */
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
  /** The tables the run left (the columns a report shows), which the spec's teardown prints. */
  readonly tables: readonly FinalTable[];
}

export interface CaptureOptions {
  /** The configuration's schema, applied before the variant's files. */
  readonly baseSchema?: readonly SqlFile[];
  readonly pluginOptions?: Readonly<Record<string, unknown>>;
  /** The command that replays a `<scenario>@<variant>:<schedule>` string. */
  readonly replayCommand?: (replay: string) => string;
}

/** Replays `schedule` of `scenario` under its variant `variantId`, recording every statement. */
export async function captureScenarioSql(server: StartedPostgres, scenario: ScenarioBase, variantId: string, schedule: Schedule, options: CaptureOptions = {}): Promise<ScenarioSqlCapture> {
  const variant = scenario.plugin.variants(scenario, [variantId]).find((v) => v.id === variantId);
  if (!variant) throw unknownName('E_UNKNOWN_LAYER', `variant of scenario '${scenario.name}'`, variantId, scenario.plugin.variants(scenario, undefined).map((v) => v.id));
  const setup: string[] = [];
  const recorded: { text: string; values: readonly unknown[] | undefined }[][] = [];
  const r = await runReplay(server, scenario, variantId, schedule, {
    ...(options.baseSchema ? { baseSchema: options.baseSchema } : {}),
    ...(options.pluginOptions ? { pluginOptions: options.pluginOptions } : {}),
    instrumentSetup: (sql) => (text, values) => {
      setup.push(inlineParameters(text, values));
      return sql(text, values);
    },
    instrument: (actors) =>
      actors.map((a, i) => {
        const mine: { text: string; values: readonly unknown[] | undefined }[] = [];
        recorded[i] = mine;
        return a.lanes ? a : { ...a, run: (ports) => a.run({ ...ports, sql: recordingClient(ports.sql, mine) }) };
      }),
  });
  const replay = formatReplayTarget({ scenario: scenario.name, layers: variantId, schedule });
  // A program's lanes are sessions of their own; the recorded statements of in-process actors are by actor.
  const lanes = r.run.lanes;
  const byLane = lanes ? lanes.map((l, i) => (isLaneOfProgram(l.name) ? laneStatements(r.run.trace, i) : (recorded[l.actor] ?? []))) : recorded;
  return {
    replay,
    command: (options.replayCommand ?? replayCommand)(replay),
    actorNames: lanes ? lanes.map((l) => l.name) : r.actorNames,
    schema: [...(options.baseSchema ?? []), ...variant.sqlFiles],
    setup,
    violations: r.violations,
    tables: r.finalTables,
    ...orderStatements(r.run.trace, byLane),
  };
}

/** A lane of a program is named `<actor>/<lane>`; an in-process actor's only lane is named after it. */
function isLaneOfProgram(name: string): boolean {
  return name.includes('/');
}

/** What a program's lane ran, from its trace: each SQL step that executed something (its SQL with the values written in). */
function laneStatements(trace: readonly TraceStep[], lane: number): { text: string; values: readonly unknown[] | undefined }[] {
  return trace.filter((t) => t.actor === lane && t.kind === 'sql').map((t) => ({ text: t.label.startsWith('prepare: ') ? '' : t.detail, values: undefined }));
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
    // A program's step that only prepared or described a statement runs nothing a spec needs.
    if (!q || q.text.trim() === '') continue;
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
