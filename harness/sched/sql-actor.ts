// SQL-only actors: an actor given as a list of SQL steps instead of a function, for races that
// are pure SQL (as in PostgreSQL's isolation tester). Each step may say what it must do (block,
// fail with a SQLSTATE, return these rows); the actor's result records what every step did.
import type { SqlRow } from '../ports/index.ts';
import { HarnessError } from '../errors/index.ts';
import { ActorFailure } from './actor-failure.ts';
import { RunEndedError, type ActorSpec } from './actor.ts';
import { assertSqlStatePattern, matchesSqlState } from './sql-state.ts';
import { compactSql, sqlStateOf, type ActorOutcome, type TraceStep } from './trace.ts';

export interface SqlStep {
  readonly sql: string;
  readonly params?: readonly unknown[];
  /** Short name shown in traces (default: the SQL itself). */
  readonly name?: string;
  /** true: must wait on another actor's lock; false: must not. Checked on every run. */
  readonly blocks?: boolean;
  /** Must fail with this SQLSTATE (`40001`) or class (`40`). The actor goes on after it. */
  readonly fails?: string;
  /** Must return exactly these rows, in this order; values compare as text (`100` = `'100'`). */
  readonly returns?: readonly SqlRow[];
}

export interface SqlActorOptions {
  /** SQLSTATEs or classes this actor may end with (e.g. `40001`, `40P01`): it is then aborted, not wrong. */
  readonly allowedErrors?: readonly string[];
}

/** What one step did. Rows are kept up to SQL_ACTOR_ROW_CAP; `truncated` says more came back. */
export type SqlStepRecord =
  | {
      readonly step: number;
      readonly sql: string;
      readonly status: 'ok';
      readonly rows: readonly SqlRow[];
      readonly rowCount: number;
      readonly truncated: boolean;
    }
  | { readonly step: number; readonly sql: string; readonly status: 'error'; readonly sqlState: string | null; readonly message: string };

/** A SQL actor's result: one record per step it ran, in order. */
export interface SqlActorResult {
  readonly steps: readonly SqlStepRecord[];
}

/** An ActorSpec that runs SQL steps; the steps are kept so checks can compare them with the run. */
export interface SqlActorSpec extends ActorSpec {
  readonly sqlSteps: readonly SqlStep[];
}

/** Rows a step record keeps (and `returns` compares). */
export const SQL_ACTOR_ROW_CAP = 100;

/**
 * An actor that runs `steps` in order on its session. Like the isolation tester it goes on after
 * a failed step (a later COMMIT of an aborted transaction rolls back). It ends `ok` with a
 * SqlActorResult, or, when a step failed without declaring `fails`, with that step's error and
 * the result so far as its partial result.
 */
export function sqlActor(name: string, steps: readonly (string | SqlStep)[], options: SqlActorOptions = {}): SqlActorSpec {
  const sqlSteps = steps.map((s) => (typeof s === 'string' ? { sql: s } : s));
  if (sqlSteps.length === 0) throw new HarnessError('E_BAD_SCENARIO', `SQL actor '${name}' has no steps`);
  sqlSteps.forEach((s, i) => {
    if (typeof s.sql !== 'string' || s.sql.trim() === '') throw new HarnessError('E_BAD_SCENARIO', `SQL actor '${name}', step ${i + 1}: empty SQL`);
    if (s.fails !== undefined) assertSqlStatePattern(s.fails, `SQL actor '${name}', step ${i + 1} (fails)`);
  });
  for (const code of options.allowedErrors ?? []) assertSqlStatePattern(code, `SQL actor '${name}' (allowedErrors)`);
  return {
    name,
    sqlSteps,
    ...(options.allowedErrors ? { allowedErrors: options.allowedErrors } : {}),
    run: async ({ sql }) => {
      const records: SqlStepRecord[] = [];
      let firstUnexpected: unknown;
      for (const [i, s] of sqlSteps.entries()) {
        try {
          const r = await sql.query(s.sql, s.params, s.name ?? compactSql(s.sql));
          records.push({ step: i, sql: s.sql, status: 'ok', rows: r.rows.slice(0, SQL_ACTOR_ROW_CAP).map(jsonSafeRow), rowCount: r.rows.length || r.rowCount, truncated: r.rows.length > SQL_ACTOR_ROW_CAP });
        } catch (e) {
          // The run ended under this actor: stop here, keeping what it did.
          if (e instanceof RunEndedError) throw new ActorFailure(e, { steps: records } satisfies SqlActorResult);
          const sqlState = sqlStateOf(e);
          records.push({ step: i, sql: s.sql, status: 'error', sqlState, message: e instanceof Error ? e.message : String(e) });
          if (firstUnexpected === undefined && !(s.fails !== undefined && matchesSqlState(sqlState, s.fails))) firstUnexpected = e;
        }
      }
      const result: SqlActorResult = { steps: records };
      if (firstUnexpected !== undefined) throw new ActorFailure(firstUnexpected, result);
      return result;
    },
  };
}

export function isSqlActor(spec: ActorSpec): spec is SqlActorSpec {
  return Array.isArray((spec as Partial<SqlActorSpec>).sqlSteps);
}

/** The step records of a SQL actor's outcome (its value, or what it had done before failing). */
export function sqlActorRecords(outcome: ActorOutcome): readonly SqlStepRecord[] {
  const v = outcome.status === 'ok' ? outcome.value : outcome.partial;
  const steps = (v as Partial<SqlActorResult> | null | undefined)?.steps;
  return Array.isArray(steps) ? steps : [];
}

/**
 * Where a run's SQL actor did not do what its steps declare (`blocks`, `fails`, `returns`), one
 * message each. `actor` is its index in the run; the trace says which of its steps waited.
 */
export function sqlStepMismatches(spec: SqlActorSpec, actor: number, outcome: ActorOutcome, trace: readonly TraceStep[]): string[] {
  const records = sqlActorRecords(outcome);
  // A SQL actor takes only SQL steps, one trace step per statement, in order.
  const traced = trace.filter((t) => t.actor === actor && t.kind === 'sql');
  const out: string[] = [];
  spec.sqlSteps.forEach((s, i) => {
    const where = `${spec.name} step ${i + 1} (${s.name ?? compactSql(s.sql)})`;
    const rec = records[i];
    if (!rec) {
      if (s.blocks !== undefined || s.fails !== undefined || s.returns !== undefined) out.push(`${where}: never ran`);
      return;
    }
    const t = traced[i];
    if (s.blocks !== undefined && t) {
      const waited = t.waitedOn.length > 0;
      if (waited !== s.blocks) out.push(`${where}: ${s.blocks ? 'must wait on a lock but did not' : `must not wait on a lock but waited on actor ${t.waitedOn.join(', ')}`}`);
    }
    if (s.fails !== undefined) {
      if (rec.status === 'ok') out.push(`${where}: must fail with ${s.fails} but succeeded`);
      else if (!matchesSqlState(rec.sqlState, s.fails)) out.push(`${where}: must fail with ${s.fails} but failed with ${rec.sqlState ?? 'no SQLSTATE'}: ${rec.message}`);
    }
    if (s.returns !== undefined) {
      if (rec.status === 'error') out.push(`${where}: must return ${s.returns.length} row(s) but failed with ${rec.sqlState ?? 'an error'}: ${rec.message}`);
      else if (!sameRows(rec.rows, s.returns)) out.push(`${where}: must return ${JSON.stringify(s.returns.map(textRow))} but returned ${JSON.stringify(rec.rows.map(textRow))}`);
    }
  });
  return out;
}

function sameRows(actual: readonly SqlRow[], expected: readonly SqlRow[]): boolean {
  if (actual.length !== expected.length) return false;
  return actual.every((row, i) => JSON.stringify(textRow(row)) === JSON.stringify(textRow(expected[i] ?? {})));
}

/** A row with every value as text (null stays null), its columns sorted: how rows compare. */
function textRow(row: SqlRow): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const k of Object.keys(row).sort()) out[k] = textOf(row[k]);
  return out;
}

function textOf(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Rows as pg returns them may hold Dates and Buffers; records keep JSON-safe values. */
function jsonSafeRow(row: SqlRow): SqlRow {
  const out: SqlRow = {};
  for (const [k, v] of Object.entries(row)) {
    out[k] = v instanceof Date ? v.toISOString() : Buffer.isBuffer(v) ? `\\x${v.toString('hex')}` : typeof v === 'bigint' ? v.toString() : v;
  }
  return out;
}
