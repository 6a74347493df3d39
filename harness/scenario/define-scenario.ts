// The public API for racing your own code: a scenario brings its schema, a per-run setup and
// teardown, its actors (functions over scheduled ports, or lists of SQL steps) and async checks
// with read-only SQL. Nothing of the trading bot applies unless a scenario asks for it.
import type { ActorEnding, BuiltinCheckId } from '../check/index.ts';
import { BUILTIN_CHECK_IDS } from '../check/index.ts';
import { HarnessError } from '../errors/index.ts';
import { assertSqlStatePattern, type ActorSpec, type RunOutcome, type TraceStep } from '../sched/index.ts';
import { SQL_PLUGIN } from './sql-plugin.ts';
import type { Expectation, ScenarioBase, ScenarioPlugin, SqlFn } from './scenario-plugin.ts';

/** SQL text, or the URL of a `.sql` file (e.g. `new URL('./schema.sql', import.meta.url)`). */
export type SchemaSource = string | URL;

/** What setup and teardown get: SQL on the observer session, before (after) every run. */
export interface SetupContext {
  readonly sql: SqlFn;
}

/** What a check gets after every run. */
export interface CheckContext {
  /** Read-only SQL (a READ ONLY transaction, rolled back after the check). */
  readonly sql: SqlFn;
  /** Each actor's result by name: what it returned, or what it had done before it failed. */
  readonly results: Readonly<Record<string, unknown>>;
  /** How each actor ended: `ok`, `aborted` (an allowed error), `error` (with its SQLSTATE), `unfinished`. */
  readonly actors: Readonly<Record<string, ActorEnding>>;
  readonly trace: readonly TraceStep[];
  /** How the run ended: `completed`, `deadlock`, `hang`, `step-limit`. */
  readonly outcome: RunOutcome;
}

/** A failed check: a message, optionally named (reported as `scenario:<check>`). */
export interface CheckFailure {
  readonly check?: string;
  readonly message: string;
}

/** Nothing (or an empty list) when the check holds; else what is wrong. */
export type CheckResult = void | undefined | null | string | CheckFailure | readonly (string | CheckFailure)[];

export interface ScenarioDefinition {
  /** kebab-case: used by `--scenario`, replay strings and the expected-outcomes file. */
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  /** Applied once to the scenario's template database. Every table is emptied before each run: insert data in `setup`. */
  readonly schema?: SchemaSource | readonly SchemaSource[];
  setup?(ctx: SetupContext): unknown;
  teardown?(ctx: SetupContext): unknown;
  /** The racing actors (a function if they keep state: it is called once per cell). */
  readonly actors: readonly ActorSpec[] | (() => readonly ActorSpec[]);
  /** Your own check, after every run. It may also throw an assertion error (node:assert, expect). */
  check?(ctx: CheckContext): CheckResult | Promise<CheckResult>;
  /** Built-in checks to run (default: all of them). */
  readonly checks?: readonly BuiltinCheckId[];
  /** The final state that tells outcomes apart (default: every table's rows, date/time columns left out). */
  state?(ctx: SetupContext): unknown;
  /**
   * The tables reports show after a run (`account` or `public.account`); default: those the
   * scenario's setup and actors read or write (every table when a statement calls a function of yours).
   */
  readonly tables?: readonly string[];
  /** What the checks should do: `holds` (default) or `violates` (a known bug). */
  readonly expect?: Expectation;
  readonly preemptionBound?: number;
  readonly sample?: { readonly strategy: 'pct' | 'random'; readonly runs: number };
}

/** A generic scenario, ready to run. */
export interface Scenario extends ScenarioBase {
  readonly description: string;
  readonly schema: readonly SchemaSource[];
  setup?(ctx: SetupContext): unknown;
  teardown?(ctx: SetupContext): unknown;
  readonly actors: readonly ActorSpec[] | (() => readonly ActorSpec[]);
  check?(ctx: CheckContext): CheckResult | Promise<CheckResult>;
  readonly checks: readonly BuiltinCheckId[];
  state?(ctx: SetupContext): unknown;
  readonly tables?: readonly string[];
  readonly expect: Expectation;
  readonly plugin: ScenarioPlugin<Scenario>;
}

/** Validates and freezes a scenario; every mistake is an E_BAD_SCENARIO naming the scenario. */
export function defineScenario(d: ScenarioDefinition): Scenario {
  assertScenarioName(d.name);
  const where = `scenario '${d.name}'`;
  const bad = (m: string) => new HarnessError('E_BAD_SCENARIO', `${where}: ${m}`);
  if (Array.isArray(d.actors)) assertActors(d.actors, where);
  else if (typeof d.actors !== 'function') throw bad('actors must be a list of actors (or a function returning one)');
  for (const c of d.checks ?? []) {
    if (!(BUILTIN_CHECK_IDS as readonly string[]).includes(c)) throw bad(`unknown built-in check '${c}'; valid: ${BUILTIN_CHECK_IDS.join(', ')}`);
  }
  const schema = d.schema === undefined ? [] : Array.isArray(d.schema) ? d.schema : [d.schema as SchemaSource];
  for (const s of schema) if (typeof s !== 'string' && !(s instanceof URL)) throw bad('schema must be SQL text or the URL of a .sql file');
  if (d.expect !== undefined && d.expect !== 'holds' && d.expect !== 'violates') throw bad(`expect must be 'holds' or 'violates', got '${String(d.expect)}'`);
  if (d.sample && !['pct', 'random'].includes(d.sample.strategy)) throw bad(`sample.strategy must be pct or random`);
  if (d.tables !== undefined && (!Array.isArray(d.tables) || d.tables.some((t) => typeof t !== 'string' || t === ''))) throw bad('tables must be a list of table names');
  return Object.freeze({
    ...d,
    title: d.title ?? d.name,
    description: d.description ?? '',
    schema,
    checks: d.checks ?? BUILTIN_CHECK_IDS,
    expect: d.expect ?? 'holds',
    plugin: SQL_PLUGIN,
  });
}

/** Throws E_BAD_SCENARIO unless `name` is kebab-case. */
export function assertScenarioName(name: unknown): void {
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw new HarnessError('E_BAD_SCENARIO', `scenario name '${String(name)}' must be kebab-case (a-z, 0-9, -)`);
  }
}

/** Actors need distinct names and a run function; their allowed errors must be SQLSTATEs. */
export function assertActors(actors: readonly ActorSpec[], where: string): void {
  if (actors.length === 0) throw new HarnessError('E_BAD_SCENARIO', `${where}: no actors`);
  const seen = new Set<string>();
  for (const a of actors) {
    if (typeof a?.name !== 'string' || a.name === '') throw new HarnessError('E_BAD_SCENARIO', `${where}: every actor needs a name`);
    if (seen.has(a.name)) throw new HarnessError('E_BAD_SCENARIO', `${where}: two actors named '${a.name}'`);
    seen.add(a.name);
    if (typeof a.run !== 'function') throw new HarnessError('E_BAD_SCENARIO', `${where}: actor '${a.name}' has no run function (use sqlActor for a list of SQL steps)`);
    for (const code of a.allowedErrors ?? []) assertSqlStatePattern(code, `${where}, actor '${a.name}' (allowedErrors)`);
  }
}
