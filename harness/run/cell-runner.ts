// Runs one scenario under one variant (the bot: one layer set): a database cloned from the
// variant's template, the plugin's services for the cell, a scheduler, and the strategy's runs,
// each judged by the scenario's plugin. Between runs every table is emptied, every sequence restarted.
import type pg from 'pg';
import type { Clock } from '../ports/index.ts';
import type { Violation } from '../check/index.ts';
import { HarnessError } from '../errors/index.ts';
import { describeFault, describeSchemaTables, isConnectionFault, type HarnessDatabase, type HarnessDatabases, type SchemaTables } from '../db/index.ts';
import { ResumedStrategy, Scheduler, SimulateStrategy, formatReplayTarget, type ActorOutcome, type ActorSpec, type RunOutcome, type ScheduleRun, type Strategy } from '../sched/index.ts';
import { DEFAULT_TIMING_MODEL, actorEndings, endingsSummary, sqlOn, type Expectation, type PluginCell, type RunInspection, type ScenarioBase, type Variant } from '../scenario/index.ts';
import { judgeCell } from './cell-verdict.ts';
import { countedActors, oddsOf, type OddsOptions } from './odds.ts';
import type { CellResult, Counterexample, Coverage, DistinctOutcome, FaultRecord, Odds } from './result-model.ts';
import { STRATEGIES, type StrategyName, type StrategyOptions } from './strategy-registry.ts';

export interface CellOptions {
  readonly strategy: StrategyName;
  readonly strategyOptions: StrategyOptions;
  readonly hangTimeoutMs?: number;
  /** How long to wait for the server after a connection died (default 30 s). */
  readonly reconnectTimeoutMs?: number;
  /** Each plugin's options by plugin name (its flags, parsed), handed to its cells. */
  readonly pluginOptions?: Readonly<Record<string, unknown>>;
  /** Called after every run with the count so far (for progress lines). */
  readonly onRun?: (runs: number, violating: number) => void;
  /** The command that replays a `<scenario>@<variant>:<schedule>` string (default: `npm run scenarios -- --replay`). */
  readonly replayCommand?: (replay: string) => string;
  /** After the strategy's runs, estimate production odds with simulated runs (the `simulate` strategy). */
  readonly odds?: OddsOptions;
}

export interface CellTask {
  readonly scenario: ScenarioBase;
  readonly variant: Variant;
  readonly template: HarnessDatabase;
}

/** Opens a plugin's services for a cell, on the scheduler's clock. */
export type CellOpener<C extends PluginCell> = (clock: Clock) => Promise<C>;

export interface CellHarnessOptions {
  readonly hangTimeoutMs?: number;
  readonly reconnectTimeoutMs?: number;
}

/** Attempts of one run (or one setup or check) after a connection fault, before the cell gives up. */
export const MAX_FAULT_RETRIES = 3;
/** Faults listed per cell in reports; the count in `outcomes` covers all of them. */
const FAULTS_KEPT = 20;

/** Errors that end one cell as an `error` cell while the other cells go on. */
const CELL_FAULT_CODES: ReadonlySet<string> = new Set(['E_CONNECTION_LOST', 'E_FAULT_NOT_REPRODUCED', 'E_HANG']);
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
  ) {}

  /** Clones `template`, opens the plugin's services on the scheduler's clock, connects the scheduler. */
  static async open<C extends PluginCell>(dbs: HarnessDatabases, template: HarnessDatabase, openCell: CellOpener<C>, options: CellHarnessOptions = {}): Promise<CellHarness<C>> {
    const db = await dbs.clone(template);
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
      const harness = new CellHarness(db, scheduler, cell, schema, dbs, options.hangTimeoutMs ?? 5000);
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

  /** Empties every table and restarts every sequence, then runs the scenario's setup. */
  async prepare(scenario: ScenarioBase): Promise<void> {
    await this.onObserver('setup', `the reset and setup of ${scenario.name}`, async (observer) => {
      if (!this.databaseEmpty) {
        const { sql, truncates } = this.nextReset();
        if (sql) await observer.query(sql);
        this.noteReset(truncates);
      }
      this.databaseEmpty = false;
      // Truncated tables have no dead rows; a VACUUM would only change the planner's statistics,
      // and with them which pages SERIALIZABLE locks.
      if (this.lastResetTruncated) this.preparedSinceVacuum = 0;
      else if (++this.preparedSinceVacuum >= VACUUM_EVERY_RUNS) await this.vacuum();
      await this.cell.prepare(scenario, sqlOn(observer));
    });
  }

  /** The first reset of the cell truncates: the template's files may hold what its migrations did. */
  private truncated = false;
  /** Some run of this cell ran at SERIALIZABLE: from then on every reset truncates. */
  private serializableCell = false;
  private lastResetTruncated = false;

  /**
   * How to empty the database: truncated before the first run, and before every run of a cell
   * that runs at SERIALIZABLE (see Scheduler.ranSerializable), so they all start from the same
   * physical layout — also after a run that stopped before its first SERIALIZABLE statement.
   */
  private nextReset(): { sql: string; truncates: boolean } {
    if (this.scheduler.ranSerializable) this.serializableCell = true;
    const truncates = !this.truncated || this.serializableCell;
    return { sql: truncates ? this.schema.truncateSql : this.schema.resetSql, truncates };
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

/** `text` then the reset in one simple-query round trip; the rows of `text`. */
async function queryThenReset<R>(client: pg.Client, text: string, resetSql: string): Promise<{ rows: R[] }> {
  if (!resetSql) return client.query(text) as unknown as Promise<{ rows: R[] }>;
  const results = (await client.query(`${text};\n${resetSql}`)) as unknown as { rows: R[] }[];
  const first = results[0];
  if (!first) throw new Error('the state query returned no result');
  return first;
}

export function replayCommand(replay: string): string {
  return `npm run scenarios -- --replay '${replay}'`;
}

/**
 * The strategy a cell of `scenario` runs when `requested` is asked for: exhaustive search samples
 * a scenario that declares `sample`, and takes its declared preemption bound unless one is given
 * or the cell is expected to hold: a bound finds bugs fast, but only the whole search proves.
 */
export function cellStrategy(
  scenario: ScenarioBase,
  requested: StrategyName,
  options: StrategyOptions,
  expectation: Expectation = 'violates',
): { strategyName: StrategyName; strategyOptions: StrategyOptions } {
  const sample = requested === 'exhaustive' ? scenario.sample : undefined;
  if (sample) return { strategyName: sample.strategy, strategyOptions: { ...options, budget: Math.min(options.budget, sample.runs) } };
  const bounded = requested === 'exhaustive' && scenario.preemptionBound !== undefined && options.preemptionBound === undefined && expectation !== 'holds';
  return { strategyName: requested, strategyOptions: bounded ? { ...options, preemptionBound: scenario.preemptionBound } : options };
}

/** Runs every schedule the strategy gives for one scenario × variant. */
export async function runCell(dbs: HarnessDatabases, task: CellTask, options: CellOptions): Promise<CellResult> {
  const started = Date.now();
  const { scenario, variant } = task;
  const plugin = scenario.plugin;
  const expectation = plugin.expectation(scenario, variant.id);
  const { strategyName, strategyOptions: chosen } = cellStrategy(scenario, options.strategy, options.strategyOptions, expectation);
  const hooks = plugin.simulation;
  const simulating = strategyName === 'simulate';
  const timing = chosen.timing ?? DEFAULT_TIMING_MODEL;
  const strategyOptions = simulating && hooks ? { ...chosen, periodic: (name: string) => hooks.periodicActor(name) } : chosen;
  const strategy = STRATEGIES[strategyName].create(strategyOptions);
  // A simulation runs the variant as the timing model has it (the bot: its settlement sleep).
  const cellVariant = simulating && hooks ? hooks.simulatedVariant(variant, timing) : variant;
  const pluginOptions = options.pluginOptions?.[plugin.name];
  const openHarness = (v: Variant) =>
    CellHarness.open(dbs, task.template, (clock) => plugin.openCell(v, { clock, realtime: !strategy, options: pluginOptions }), {
      ...(options.hangTimeoutMs ? { hangTimeoutMs: options.hangTimeoutMs } : {}),
      ...(options.reconnectTimeoutMs ? { reconnectTimeoutMs: options.reconnectTimeoutMs } : {}),
    });
  let harness: CellHarness;
  try {
    harness = await openHarness(cellVariant);
  } catch (e) {
    if (e instanceof HarnessError && e.code !== 'E_MIGRATION') throw e;
    return failedCell(task, (e as Error).message, started);
  }
  const outcomes: Partial<Record<RunOutcome, number>> = {};
  const byInvariant: Record<string, number> = {};
  const faults: FaultRecord[] = [];
  const distinct = new Map<string, DistinctOutcome>();
  let schedules = 0;
  let violating = 0;
  let counterexample: Counterexample | null = null;
  let cellFault: string | undefined;
  let codeError: string | undefined;
  let serverLost = false;
  let odds: Odds | undefined;
  const recordFault = (phase: FaultRecord['phase'], session: string, code: string | null, message: string) => {
    if (faults.length < FAULTS_KEPT) faults.push({ run: schedules, phase, session, code, message });
  };
  harness.onFault = (phase, session, e) => {
    const code = (e as { code?: unknown } | null)?.code;
    recordFault(phase, session, typeof code === 'string' ? code : null, describeFault(e));
  };
  try {
    const actors = harness.actors(scenario);
    const names = actors.map((a) => a.name);
    let runIndex = 0;
    for (;;) {
      if (strategy) {
        if (!strategy.beginRun()) break;
      } else if (runIndex >= strategyOptions.budget) break;
      const run = await runRetryingFaults(harness, scenario, actors, strategy, (r) => {
        outcomes['connection-lost'] = (outcomes['connection-lost'] ?? 0) + 1;
        recordFault('run', r.fault?.session ?? 'unknown', r.fault?.code ?? null, r.fault?.message ?? 'connection lost');
      });
      strategy?.endRun(run.schedule.choices.length);
      runIndex++;
      outcomes[run.outcome] = (outcomes[run.outcome] ?? 0) + 1;
      if (run.outcome === 'abandoned') continue;
      schedules++;
      const inspection = await harness.inspect(scenario, run, actors, { reset: true });
      const outcome = distinctOutcome(run, actors, inspection);
      distinct.set(JSON.stringify(outcome), outcome);
      if (inspection.violations.length > 0) {
        violating++;
        for (const v of new Set(inspection.violations.map((x) => x.invariant))) byInvariant[v] = (byInvariant[v] ?? 0) + 1;
        counterexample ??= toCounterexample(scenario.name, variant.id, run, [...inspection.violations], inspection, schedules - 1, names, strategy !== null, options.replayCommand ?? replayCommand);
      }
      options.onRun?.(schedules, violating);
    }
    const counted = countedActors(scenario, names);
    if (simulating) odds = oddsOf(violating, schedules, counted, strategyOptions.seed);
    // Odds need a timing story (the plugin's simulation hooks) and a flow to count per run.
    else if (options.odds && strategy !== null && hooks && counted > 0) {
      const oddsOptions = options.odds;
      const oddsVariant = hooks.simulatedVariant(variant, oddsOptions.timing);
      try {
        // The same variant runs on this cell's harness; one the simulation changes gets its own.
        if (oddsVariant === variant) odds = await estimateOdds(harness, scenario, oddsOptions);
        else {
          const simulated = await openHarness(oddsVariant);
          simulated.onFault = harness.onFault;
          try {
            odds = await estimateOdds(simulated, scenario, oddsOptions);
          } finally {
            await simulated.close();
          }
        }
      } catch (e) {
        // The search's verdict stands; a fault in the odds pass costs the cell its odds only.
        if (!(e instanceof HarnessError) || !CELL_FAULT_CODES.has(e.code)) throw e;
        recordFault('run', 'odds pass', e.code, `the odds pass stopped: ${e.message}`);
      }
    }
  } catch (e) {
    if (e instanceof HarnessError && e.code === 'E_DB_UNREACHABLE') serverLost = true;
    // A scenario whose setup or check throws is reported against itself; the other cells go on.
    if (e instanceof HarnessError && e.code === 'E_SCENARIO_CODE') codeError = e.message;
    // A fault that retries could not get past ends this cell; the other cells go on.
    else if (!(e instanceof HarnessError) || !CELL_FAULT_CODES.has(e.code)) throw e;
    else cellFault = `${e.code}: ${e.message} (stopped after ${schedules} schedules)`;
  } finally {
    await harness.close(!serverLost);
  }
  const stats = strategy ? strategy.stats() : { strategy: 'realtime', runs: schedules };
  const coverage: Coverage = {
    kind: strategyName === 'exhaustive' ? 'exhaustive' : strategyName === 'replay' ? 'replay' : 'sampled',
    complete: codeError === undefined && strategyName === 'exhaustive' && stats.complete === true,
    ...(strategyOptions.preemptionBound === undefined ? {} : { preemptionBound: strategyOptions.preemptionBound }),
    stats,
  };
  const measured = violating > 0 ? 'violates' : 'holds';
  // The scenario itself declares that its cells are sampled or bounded (not the user's flags).
  const declaredPartial =
    (options.strategy === 'exhaustive' && scenario.sample !== undefined) ||
    (scenario.preemptionBound !== undefined && strategyOptions.preemptionBound === scenario.preemptionBound);
  const error = cellFault ?? codeError;
  return {
    scenario: scenario.name,
    layers: variant.id,
    expectation,
    measured,
    // A cell stopped by a fault, or whose own code threw, proves nothing either way.
    ...judgeCell({ expectation, violating, schedules, coverage, declaredPartial, ...(error === undefined ? {} : { error }) }),
    schedules,
    violating,
    outcomes,
    violationsByInvariant: byInvariant,
    coverage,
    claimedEffectiveness: variant.claimedEffectiveness,
    measuredEffectiveness: schedules > 0 ? Math.round(1000 * (1 - violating / schedules)) / 10 : null,
    counterexample,
    elapsedMs: Date.now() - started,
    ...(faults.length > 0 ? { faults } : {}),
    ...(error === undefined ? {} : { error }),
    ...(cellFault === undefined ? {} : { incomplete: 'fault' as const }),
    distinctOutcomes: [...distinct.values()].sort(compareOutcomes),
    ...(odds ? { odds } : {}),
  };
}

/** Simulated runs of the scenario (the `simulate` strategy over the timing model) on an open harness. */
async function estimateOdds(harness: CellHarness, scenario: ScenarioBase, o: OddsOptions): Promise<Odds> {
  const hooks = scenario.plugin.simulation;
  const actors = harness.actors(scenario);
  const strategy = new SimulateStrategy(o.seed, o.runs, o.timing, (name) => hooks?.periodicActor(name) ?? false);
  let runs = 0;
  let violating = 0;
  while (strategy.beginRun()) {
    const run = await runRetryingFaults(harness, scenario, actors, strategy, () => undefined);
    strategy.endRun();
    if (run.outcome === 'abandoned') continue;
    runs++;
    const { violations } = await harness.inspect(scenario, run, actors, { reset: true });
    if (violations.length > 0) violating++;
  }
  return oddsOf(violating, runs, countedActors(scenario, actors.map((a) => a.name)), o.seed);
}

/**
 * One run of the strategy, run again from scratch (at most MAX_FAULT_RETRIES times) while a
 * session's connection dies under it. The strategy sees one run: the retry replays the choices
 * it already made and asks it only for the steps it has not answered.
 */
async function runRetryingFaults(
  harness: CellHarness,
  scenario: ScenarioBase,
  actors: readonly ActorSpec[],
  strategy: Strategy | null,
  onLost: (run: ScheduleRun) => void,
): Promise<ScheduleRun> {
  let answered: readonly number[] = [];
  for (let attempt = 0; ; attempt++) {
    await harness.prepare(scenario);
    const run = strategy
      ? await harness.scheduler.run(actors, answered.length > 0 ? new ResumedStrategy(strategy, answered) : strategy)
      : await harness.scheduler.runRealtime(actors);
    if (run.outcome !== 'connection-lost') return run;
    onLost(run);
    if (attempt >= MAX_FAULT_RETRIES) {
      throw new HarnessError(
        'E_CONNECTION_LOST',
        `a run lost a session's connection ${attempt + 1} times in a row (last: ${run.fault?.session ?? 'a session'}, ${run.fault?.message ?? 'connection lost'}); the server or the network is unstable`,
      );
    }
    // An attempt that failed earlier than the last one replays a shorter prefix: keep the longest.
    if (run.schedule.choices.length > answered.length) answered = run.schedule.choices;
  }
}

/** What tells this run's outcome apart from others: the checks it broke, the endings, the state. */
function distinctOutcome(run: ScheduleRun, actors: readonly ActorSpec[], inspection: RunInspection): DistinctOutcome {
  return {
    violated: [...new Set(inspection.violations.map((v) => v.invariant))].sort(),
    run: run.outcome,
    actors: endingsSummary(actorEndings(actors, run.actors)),
    state: inspection.signature,
  };
}

function compareOutcomes(a: DistinctOutcome, b: DistinctOutcome): number {
  const ka = JSON.stringify(a);
  const kb = JSON.stringify(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function toCounterexample(
  scenario: string,
  variant: string,
  run: ScheduleRun,
  violations: Violation[],
  inspection: RunInspection,
  index: number,
  names: readonly string[],
  replayable: boolean,
  command: (replay: string) => string,
): Counterexample {
  const replay = formatReplayTarget({ scenario, layers: variant, schedule: run.schedule });
  return {
    replay,
    command: replayable ? command(replay) : '(realtime runs are not replayable; use a controlled strategy)',
    schedule: run.schedule.toString(),
    foundAtRun: index,
    outcome: run.outcome,
    violations,
    actors: run.actors.map((outcome, i) => ({ name: names[i] ?? `actor-${i}`, outcome: compactOutcome(outcome) })),
    trace: run.trace,
    finalRows: inspection.finalRows,
    ...(inspection.finalTables.length > 0 ? { finalTables: inspection.finalTables } : {}),
  };
}

/** Actor results can be large objects; reports keep a JSON-safe summary. */
function compactOutcome(o: ActorOutcome): ActorOutcome {
  const safe = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null)) as unknown;
  if (o.status === 'ok') return { status: 'ok', value: safe(o.value) };
  return o.partial === undefined ? o : { ...o, partial: safe(o.partial) };
}

const NOT_RUN: Coverage = { kind: 'sampled', complete: false, stats: { strategy: 'none', runs: 0 } };

/** A cell that could not run (its migration failed, or see `incomplete`): no figures. */
export function failedCell(task: Pick<CellTask, 'scenario' | 'variant'>, error: string, started = Date.now()): CellResult {
  const expectation = task.scenario.plugin.expectation(task.scenario, task.variant.id);
  return {
    scenario: task.scenario.name,
    layers: task.variant.id,
    expectation,
    measured: 'violates',
    ...judgeCell({ expectation, violating: 0, schedules: 0, coverage: NOT_RUN, declaredPartial: false, error }),
    schedules: 0,
    violating: 0,
    outcomes: {},
    violationsByInvariant: {},
    coverage: NOT_RUN,
    claimedEffectiveness: task.variant.claimedEffectiveness,
    measuredEffectiveness: null,
    counterexample: null,
    elapsedMs: Date.now() - started,
    error,
  };
}
