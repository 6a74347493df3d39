// A cell's database, scheduler and plugin services, ready for runs: a database cloned from the
// variant's template, emptied (every table, every sequence) before each run, and the observer
// session's work (reset, setup, checks) retried on a fresh session after a connection fault.
import type pg from 'pg';
import type { Clock } from '../ports/index.ts';
import { HarnessError } from '../errors/index.ts';
import { DDL_SEEN_SQL, describeFault, describeSchemaTables, installDdlWatch, isConnectionFault, type HarnessDatabase, type HarnessDatabases, type SchemaTables } from '../db/index.ts';
import { DEFAULT_HANG_TIMEOUT_MS, Scheduler, type ActorSpec, type ScheduleRun } from '../sched/index.ts';
import { sqlOn, type PluginCell, type RunInspection, type ScenarioBase, type SqlFn } from '../scenario/index.ts';
import { MAX_FAULT_RETRIES } from './fault-retry.ts';
import type { FaultRecord } from './result-model.ts';

/** Opens a plugin's services for a cell, on the scheduler's clock. */
export type CellOpener<C extends PluginCell> = (clock: Clock) => Promise<C>;

export interface CellHarnessOptions {
  readonly hangTimeoutMs?: number;
  readonly reconnectTimeoutMs?: number;
  /**
   * Run on the template itself instead of a copy of it: for a single run (a replay), where a copy
   * costs a CREATE DATABASE and keeps nothing apart. The template is the cell's to drop then.
   */
  readonly onTemplate?: boolean;
}

/** Runs between two vacuums of a cell's tables (see CellHarness.vacuum). */
const VACUUM_EVERY_RUNS = 200;

/** A cell's database, scheduler and plugin services, ready for runs. */
export class CellHarness<C extends PluginCell = PluginCell> {
  /** Told of every connection fault met in setup or checks (each is retried on a new session). */
  onFault: (phase: FaultRecord['phase'], session: string, error: unknown) => void = () => undefined;

  private constructor(
    readonly db: HarnessDatabase,
    readonly scheduler: Scheduler,
    /** The plugin's services (the bot: its mock exchange). */
    readonly cell: C,
    private readonly schema: SchemaTables,
    private readonly dbs: HarnessDatabases,
    private readonly hangTimeoutMs: number,
    /** The cell's database notes the DDL its runs commit (db/ddl-watch.ts): each reset reads it. */
    private readonly watchesDdl: boolean,
  ) {}

  /**
   * The DDL a run committed (`CREATE INDEX, CREATE RULE`), first seen: the catalog is not reset
   * between runs, so the runs after it did not start like the first. Undefined while none was.
   */
  schemaChangedBy: string | undefined;

  /** Clones `template`, opens the plugin's services on the scheduler's clock, connects the scheduler. */
  static async open<C extends PluginCell>(dbs: HarnessDatabases, template: HarnessDatabase, openCell: CellOpener<C>, options: CellHarnessOptions = {}): Promise<CellHarness<C>> {
    const db = options.onTemplate ? template : await dbs.clone(template);
    let scheduler: Scheduler | undefined;
    let cell: C | undefined;
    try {
      const clock: Clock = { now: () => scheduler?.ambientClock.now() ?? 0, sleep: (ms) => scheduler?.ambientClock.sleep(ms) ?? Promise.resolve() };
      cell = await openCell(clock);
      const services = cell;
      scheduler = await Scheduler.connect({
        databaseUrl: db.url,
        services: (name) => services.service?.(name),
        ...(options.hangTimeoutMs ? { hangTimeoutMs: options.hangTimeoutMs } : {}),
        ...(options.reconnectTimeoutMs ? { reconnectTimeoutMs: options.reconnectTimeoutMs } : {}),
      });
      const schema = await describeSchemaTables(scheduler.observer);
      const watchesDdl = await installDdlWatch(scheduler.observer);
      const harness = new CellHarness(db, scheduler, cell, schema, dbs, options.hangTimeoutMs ?? DEFAULT_HANG_TIMEOUT_MS, watchesDdl);
      scheduler.onObserverReplaced = (e) => harness.onFault('run', 'observer', e);
      return harness;
    } catch (e) {
      await scheduler?.close();
      await cell?.close();
      await dbs.drop(db).catch(() => undefined);
      throw e;
    }
  }

  /** The last inspection emptied the database and nothing ran since: prepare need not empty it again. */
  private databaseEmpty = false;
  private preparedSinceVacuum = 0;
  /** `VACUUM` of every table of the cell's database ('' when it has none), found at the first vacuum. */
  private vacuumSql: string | undefined;

  actors(scenario: ScenarioBase): readonly ActorSpec[] {
    return this.cell.actors(scenario);
  }

  /**
   * Empties every table and restarts every sequence, then runs the scenario's setup (its SQL
   * through `instrumentSetup`, when given: an export records it).
   */
  async prepare(scenario: ScenarioBase, instrumentSetup?: (sql: SqlFn) => SqlFn): Promise<void> {
    await this.onObserver('setup', `the reset and setup of ${scenario.name}`, async (observer) => {
      if (!this.databaseEmpty) {
        const { sql, truncates } = this.nextReset();
        const results = sql ? await observer.query(sql) : null;
        this.noteReset(truncates);
        this.noteDdl(results);
        await this.emptied(observer, leftOverOf(results), truncates);
      }
      this.databaseEmpty = false;
      // Truncated tables have no dead rows; a VACUUM would only change the planner's statistics,
      // and with them which pages SERIALIZABLE locks.
      if (this.lastResetTruncated) this.preparedSinceVacuum = 0;
      else if (++this.preparedSinceVacuum >= VACUUM_EVERY_RUNS) await this.vacuum();
      const sql = sqlOn(observer);
      await this.cell.prepare(scenario, instrumentSetup ? instrumentSetup(sql) : sql);
    });
  }

  /** The first reset of the cell truncates: the template's files may hold what its migrations did. */
  private truncated = false;
  /** Some run of this cell ran at SERIALIZABLE: from then on every reset truncates. */
  private serializableCell = false;
  private lastResetTruncated = false;
  /** A DELETE left a row behind (a rule, a policy, a trigger that skips it): every reset truncates from then on. */
  private deleteLeavesRows = false;

  /**
   * How to empty the database: truncated before the first run, and before every run of a cell
   * that runs at SERIALIZABLE (see Scheduler.ranSerializable), so they all start from the same
   * physical layout — also after a run that stopped before its first SERIALIZABLE statement.
   */
  private nextReset(): { sql: string; truncates: boolean } {
    if (this.scheduler.ranSerializable) this.serializableCell = true;
    const truncates = !this.truncated || this.serializableCell || this.deleteLeavesRows;
    const sql = truncates ? this.schema.truncateSql : this.schema.resetSql;
    return { sql: this.watchesDdl ? `${sql}${sql ? ';\n' : ''}${DDL_SEEN_SQL}` : sql, truncates };
  }

  /**
   * After a reset: `left` is the table it left a row in (SchemaTables.leftOverSql), or null. A
   * DELETE that left one is done again as TRUNCATE, as is every reset of the cell after it; rows
   * a TRUNCATE leaves are an error: run N would not start like run 1.
   */
  private async emptied(observer: pg.Client, left: string | null, truncates: boolean): Promise<void> {
    let still = left;
    if (still !== null && !truncates) {
      this.deleteLeavesRows = true;
      still = leftOverOf(await observer.query(this.schema.truncateSql));
      this.noteReset(true);
    }
    if (still !== null) {
      throw new HarnessError('E_BAD_SCENARIO', `the reset between runs could not empty ${still}: a row is still there after TRUNCATE, so no run would start like the first. Check what the schema attaches to it, or empty it in the scenario's setup`);
    }
  }

  /** What a reset read of the DDL noted since the last one (see schemaChangedBy). */
  private noteDdl(results: unknown): void {
    const ddl = valueOf(results, 'ddl');
    if (typeof ddl === 'string') this.schemaChangedBy ??= ddl;
  }

  /** After a reset succeeded (one a fault interrupted is done again, and decided again). */
  private noteReset(truncates: boolean): void {
    this.lastResetTruncated = truncates;
    if (truncates) this.truncated = true;
  }

  /**
   * DELETE leaves dead rows, and without vacuum new rows never reuse their space: every scan of a
   * long cell would read more pages than the last. Emptied tables vacuum in a few milliseconds.
   */
  private async vacuum(): Promise<void> {
    this.preparedSinceVacuum = 0;
    if (this.vacuumSql === undefined) {
      const r = await this.scheduler.observer.query<{ name: string }>(
        "SELECT format('%I.%I', schemaname, relname) AS name FROM pg_stat_user_tables ORDER BY 1",
      );
      this.vacuumSql = r.rows.length === 0 ? '' : `VACUUM ${r.rows.map((t) => t.name).join(', ')}`;
    }
    if (this.vacuumSql !== '') await this.scheduler.observer.query(this.vacuumSql);
  }

  /**
   * What the run broke and left, as the scenario's plugin judges it. With `reset`, a plugin may
   * empty the database in the round trip of its last read (the next prepare then skips that step).
   */
  async inspect(scenario: ScenarioBase, run: ScheduleRun, actors: readonly ActorSpec[], options: { readonly reset?: boolean } = {}): Promise<RunInspection> {
    // Reading the state again on a new session is safe: the run's effects are committed or gone.
    return this.onObserver('check', `the checks of ${scenario.name}`, async (observer) => {
      let emptied = false;
      const readAndReset = async <R>(text: string): Promise<{ rows: R[] }> => {
        const { sql, truncates } = this.nextReset();
        const r = await queryThenReset<R>(observer, text, sql);
        this.noteReset(truncates);
        this.noteDdl(r.results);
        await this.emptied(observer, leftOverOf(r.results), truncates);
        emptied = true;
        return r;
      };
      const inspection = await this.cell.inspect(scenario, { run, actors, observer, tables: this.schema.tables, ...(options.reset ? { readAndReset } : {}) });
      this.databaseEmpty = emptied;
      return inspection;
    });
  }

  /** `dropDatabase` false when the server is gone: dropping would only wait for it again. */
  async close(dropDatabase = true): Promise<void> {
    await this.scheduler.close();
    await this.cell.close();
    if (dropDatabase) await this.dbs.drop(this.db).catch(() => undefined);
  }

  /**
   * Work on the observer session under the hang limit; a connection fault replaces the session
   * and does the work again (it is idempotent: a reset and setup, or reading the state).
   */
  private async onObserver<T>(phase: FaultRecord['phase'], what: string, work: (observer: pg.Client) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      await this.scheduler.reconnectObserver();
      try {
        return await this.withinHangLimit(what, work(this.scheduler.observer));
      } catch (e) {
        if (!isConnectionFault(e)) throw e;
        this.onFault(phase, 'observer', e);
        if (attempt >= MAX_FAULT_RETRIES) {
          throw new HarnessError('E_CONNECTION_LOST', `the observer session's connection died ${attempt + 1} times during ${what} (last: ${describeFault(e)}); the server or the network is unstable`, { cause: e });
        }
        await this.scheduler.reconnectObserver(true);
      }
    }
  }

  private async withinHangLimit<T>(what: string, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'hang'>((resolve) => {
      timer = setTimeout(() => resolve('hang'), this.hangTimeoutMs);
    });
    try {
      const r = await Promise.race([work, limit]);
      if (r !== 'hang') return r;
    } finally {
      clearTimeout(timer);
    }
    // The session is stuck in a statement: replace it, ending its backend (and the wait) too.
    work.catch(() => undefined);
    await this.scheduler.reconnectObserver(true);
    throw new HarnessError(
      'E_HANG',
      `${what} did not finish within the hang limit (${this.hangTimeoutMs} ms): a session outside the run holds a lock it needs, or the setup waits for something that never comes. Check the scenario's setup, or raise --hang-timeout`,
    );
  }
}

/** `text` then the reset in one simple-query round trip; the rows of `text`, and the reset's results. */
async function queryThenReset<R>(client: pg.Client, text: string, resetSql: string): Promise<{ rows: R[]; results: unknown }> {
  if (!resetSql) return { rows: ((await client.query(text)) as unknown as { rows: R[] }).rows, results: null };
  const results = (await client.query(`${text};\n${resetSql}`)) as unknown as { rows: R[] }[];
  const first = results[0];
  if (!first) throw new Error('the state query returned no result');
  return { rows: first.rows, results: results.slice(1) };
}

/** The table a reset left a row in (SchemaTables.leftOverSql), or null when every table is empty. */
function leftOverOf(results: unknown): string | null {
  const value = valueOf(results, 'left_over');
  return typeof value === 'string' ? value : null;
}

/** The column `name` of the last of a query's results that has it. */
function valueOf(result: unknown, name: string): unknown {
  const results = (Array.isArray(result) ? result : [result]) as ({ rows?: Record<string, unknown>[] } | null)[];
  for (let i = results.length - 1; i >= 0; i--) {
    const row = results[i]?.rows?.[0];
    if (row && name in row) return row[name];
  }
  return undefined;
}
