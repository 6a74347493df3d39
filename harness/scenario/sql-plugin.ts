// The plugin of generic scenarios: one variant (`default`) whose template is the scenario's own
// schema, no services, and after every run the built-in checks, the SQL steps' declarations, the
// scenario's async check on read-only SQL, and the final state (reports show the tables the
// scenario's setup and actors touched, or those it declares).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SQL_STEPS_CHECK, checkBuiltins, type Violation } from '../check/index.ts';
import { finalStateSql, isConnectionFault, type SqlFile, type TableInfo } from '../db/index.ts';
import { HarnessError } from '../errors/index.ts';
import { loadSqlCatalog, tablesNamed, type SqlCatalog } from '../footprint/index.ts';
import { isSqlActor, sqlStepMismatches, type TraceStep } from '../sched/index.ts';
import { actorEndings } from './actor-endings.ts';
import { shownPath } from './scenario-files.ts';
import { assertActors, type CheckFailure, type CheckResult, type Scenario, type SchemaSource } from './define-scenario.ts';
import type { FinalTable, InspectContext, PluginCell, Queryable, Row, ScenarioPlugin, SqlFn, Variant } from './scenario-plugin.ts';

export const DEFAULT_VARIANT = 'default';

/** Rows of each table a report shows. */
const FINAL_ROWS_SHOWN = 20;
/** A final-state signature longer than this is kept as a hash. */
const SIGNATURE_MAX = 400;

export const SQL_PLUGIN: ScenarioPlugin<Scenario, null> = {
  name: 'sql',
  variants(scenario) {
    return [
      {
        id: DEFAULT_VARIANT,
        sqlFiles: scenario.schema.map((s, i) => schemaFile(scenario.name, s, i)),
        env: null,
        origin: '',
        title: 'the scenario as written',
        claimed: null,
      } satisfies Variant<null>,
    ];
  },
  expectation(scenario) {
    return scenario.expect;
  },
  actorCount(scenario) {
    return Array.isArray(scenario.actors) ? scenario.actors.length : 0;
  },
  openCell() {
    return Promise.resolve(sqlCell());
  },
};

/** A cell of generic scenarios: it notes the SQL of the scenario's setup, to know the tables it touched. */
function sqlCell(): PluginCell<Scenario> {
  const setupSql = new Set<string>();
  let catalog: Promise<SqlCatalog> | undefined;
  // The same few statements run every run: each is read once.
  const namedBy = new Map<string, ReadonlySet<string> | null>();
  const tablesOf = (texts: Iterable<string>, c: SqlCatalog): Set<string> | null => {
    const out = new Set<string>();
    for (const text of texts) {
      let named = namedBy.get(text);
      if (named === undefined) namedBy.set(text, (named = tablesNamed(c, [text])));
      if (named === null) return null;
      for (const t of named) out.add(t);
    }
    return out;
  };
  return {
    actors(scenario) {
      const actors = typeof scenario.actors === 'function' ? scenario.actors() : scenario.actors;
      assertActors(actors, `scenario '${scenario.name}'`);
      return actors;
    },
    async prepare(scenario, sql) {
      const noted: SqlFn = <R extends Row = Row>(text: string, values?: readonly unknown[]) => {
        setupSql.add(text);
        return sql<R>(text, values);
      };
      if (scenario.setup) await userCode(scenario, 'setup', () => scenario.setup?.({ sql: noted }));
    },
    async inspect(scenario, ctx) {
      const { run, actors, observer } = ctx;
      const endings = actorEndings(actors, run.actors);
      const violations: Violation[] = checkBuiltins(scenario.checks, run.outcome, endings);
      actors.forEach((spec, i) => {
        const outcome = run.actors[i];
        if (!isSqlActor(spec) || !outcome) return;
        for (const message of sqlStepMismatches(spec, i, outcome, run.trace)) violations.push({ invariant: SQL_STEPS_CHECK, message, rows: [] });
      });
      if (scenario.check) {
        const check = scenario.check.bind(scenario);
        const results = Object.fromEntries(endings.map((e) => [e.name, e.status === 'ok' ? e.value : e.partial]));
        const byName = Object.fromEntries(endings.map((e) => [e.name, e]));
        const found = await readOnly(observer, (sql) =>
          userCode(scenario, 'check', () => check({ sql, results, actors: byName, trace: run.trace, outcome: run.outcome }), true),
        );
        violations.push(...found.map((f) => ({ invariant: `scenario:${f.check ?? scenario.name}` as const, message: f.message, rows: [] })));
      }
      const state = await readFinalState(observer, ctx);
      const signature = scenario.state ? JSON.stringify((await readOnly(observer, (sql) => userCode(scenario, 'state', () => scenario.state?.({ sql })))) ?? null) : JSON.stringify(state);
      if (scenario.teardown) await userCode(scenario, 'teardown', () => scenario.teardown?.({ sql: sqlOn(observer) }));
      let shown: ReadonlySet<string> | null = null;
      if (!scenario.tables) {
        catalog ??= loadSqlCatalog(observer);
        shown = tablesOf([...setupSql, ...sqlTexts(run.trace)], await catalog);
      }
      return { violations, finalTables: shownTables(state, ctx.tables, scenario.tables ?? shown), signature: compactSignature(signature) };
    },
    close() {
      return Promise.resolve();
    },
  };
}

/** A scenario's SQL as a file of the template: text as is, a URL read from disk. */
function schemaFile(scenario: string, source: SchemaSource, index: number): SqlFile {
  if (typeof source === 'string') return { name: `${scenario} schema${index > 0 ? ` #${index + 1}` : ''}`, sql: source };
  const path = fileURLToPath(source);
  return { name: shownPath(path, process.cwd()), sql: readSchemaFile(path, `scenario '${scenario}'`) };
}

/** Reads a schema file; a missing one is the mistake of whoever named it. */
export function readSchemaFile(path: string, owner: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new HarnessError('E_BAD_SCENARIO', `${owner}: cannot read schema file ${path}: ${(e as Error).message}`);
  }
}

/** SQL on a pg client, as setup, teardown and checks use it. */
export function sqlOn(client: Queryable): SqlFn {
  return async <R extends Row = Row>(text: string, values?: readonly unknown[]) => {
    const r = await client.query<R>(text, values ? [...values] : undefined);
    return { rows: r.rows, rowCount: r.rowCount ?? r.rows.length };
  };
}

/** Runs `fn` with SQL in a READ ONLY transaction that is rolled back afterwards. */
async function readOnly<T>(client: Queryable, fn: (sql: SqlFn) => Promise<T>): Promise<T> {
  await client.query('BEGIN TRANSACTION READ ONLY');
  try {
    return await fn(sqlOn(client));
  } finally {
    await client.query('ROLLBACK');
  }
}

/**
 * Runs the scenario's own code; anything it throws becomes E_SCENARIO_CODE naming the scenario
 * and the hook. For a check (`failures`), an assertion error is a failed check instead.
 */
async function userCode(scenario: Scenario, hook: string, fn: () => unknown, failures: true): Promise<CheckFailure[]>;
async function userCode(scenario: Scenario, hook: string, fn: () => unknown): Promise<unknown>;
async function userCode(scenario: Scenario, hook: string, fn: () => unknown, failures = false): Promise<unknown> {
  let value: unknown;
  try {
    value = await fn();
  } catch (e) {
    if (failures && isAssertionError(e)) return [{ message: (e as Error).message }];
    // A session killed under the hook is the infrastructure's fault: retried like any other.
    if (isConnectionFault(e)) throw e;
    throw new HarnessError('E_SCENARIO_CODE', `the ${hook} of scenario '${scenario.name}' threw: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return failures ? checkFailures(value as CheckResult, scenario, hook) : value;
}

function isAssertionError(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AssertionError' || (e as { code?: unknown }).code === 'ERR_ASSERTION');
}

function checkFailures(r: CheckResult, scenario: Scenario, hook: string): CheckFailure[] {
  if (r === undefined || r === null) return [];
  const list = (Array.isArray(r) ? r : [r]) as readonly unknown[];
  return list.map((x) => {
    if (typeof x === 'string') return { message: x };
    if (typeof x === 'object' && x !== null && typeof (x as CheckFailure).message === 'string') return x as CheckFailure;
    throw new HarnessError('E_SCENARIO_CODE', `the ${hook} of scenario '${scenario.name}' returned ${JSON.stringify(x)}; return nothing, a message, or a list of messages or { check, message }`);
  });
}

type FinalState = Readonly<Record<string, readonly Row[]>>;

async function readFinalState(observer: Queryable, ctx: InspectContext): Promise<FinalState> {
  const text = finalStateSql(ctx.tables);
  if (!text) return {};
  const r = await observer.query<{ state: FinalState | null }>(text);
  return r.rows[0]?.state ?? {};
}

/**
 * The tables a report shows: `shown` names them (`schema.table`, or a bare table name for a
 * declared one); null shows every table (some statement may have touched any).
 */
function shownTables(state: FinalState, tables: readonly TableInfo[], shown: Iterable<string> | null): FinalTable[] {
  const wanted = shown === null ? null : new Set(shown);
  const keep = new Set(
    tables
      .filter((t) => {
        if (wanted === null) return true;
        const qualified = unquoted(t.name);
        return wanted.has(qualified) || wanted.has(qualified.slice(qualified.indexOf('.') + 1));
      })
      .map((t) => t.name),
  );
  return Object.entries(state)
    .filter(([name]) => keep.has(name))
    .map(([name, rows]) => ({ name, rows: rows.slice(0, FINAL_ROWS_SHOWN), truncated: rows.length > FINAL_ROWS_SHOWN }));
}

/** The SQL the actors sent in a run. */
function sqlTexts(trace: readonly TraceStep[]): string[] {
  return trace.filter((s) => s.kind === 'sql').map((s) => s.detail);
}

/** `"My Schema".t` → `My Schema.t`: a TableInfo name (quoted where needed) as the catalog writes it. */
function unquoted(name: string): string {
  return name.replace(/"((?:[^"]|"")*)"/g, (_, inner: string) => inner.replace(/""/g, '"'));
}

function compactSignature(text: string): string {
  if (text.length <= SIGNATURE_MAX) return text;
  return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)} (${text.length} characters of state)`;
}
