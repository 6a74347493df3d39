// Runs one scenario under one variant (the bot: one layer set): a database cloned from the
// variant's template, the plugin's services for the cell, a scheduler, and the strategy's runs,
// each judged by the scenario's plugin. Between runs every table is emptied, every sequence restarted.
import type { Clock } from '../bot/index.ts';
import type { Violation } from '../check/index.ts';
import { describeSchemaTables, isShuttingDown, type HarnessDatabase, type HarnessDatabases, type SchemaTables } from '../db/index.ts';
import { HarnessError } from '../errors/index.ts';
import { Scheduler, formatReplayTarget, type ActorOutcome, type ActorSpec, type RunOutcome, type ScheduleRun } from '../sched/index.ts';
import { actorEndings, endingsSummary, sqlOn, type PluginCell, type RunInspection, type ScenarioBase, type Variant } from '../scenario/index.ts';
import type { CellResult, Counterexample, Coverage, DistinctOutcome } from './result-model.ts';
import { STRATEGIES, type StrategyName, type StrategyOptions } from './strategy-registry.ts';

export interface CellOptions {
  readonly strategy: StrategyName;
  readonly strategyOptions: StrategyOptions;
  readonly hangTimeoutMs?: number;
  /** Called after every run with the count so far (for progress lines). */
  readonly onRun?: (runs: number, violating: number) => void;
  /** The command that replays a `<scenario>@<variant>:<schedule>` string (default: `npm run scenarios -- --replay`). */
  readonly replayCommand?: (replay: string) => string;
}

export interface CellTask {
  readonly scenario: ScenarioBase;
  readonly variant: Variant;
  readonly template: HarnessDatabase;
}

/** A cell's database, scheduler and plugin services, ready for runs. */
export class CellHarness<C extends PluginCell = PluginCell> {
  private constructor(
    readonly db: HarnessDatabase,
    readonly scheduler: Scheduler,
    /** The plugin's services (the bot: its mock exchange). */
    readonly cell: C,
    private readonly schema: SchemaTables,
    private readonly dbs: HarnessDatabases,
  ) {}

  /** Clones `template`, opens the plugin's services on the scheduler's clock, connects the scheduler. */
  static async open<C extends PluginCell>(dbs: HarnessDatabases, template: HarnessDatabase, openCell: (clock: Clock) => Promise<C>, hangTimeoutMs?: number): Promise<CellHarness<C>> {
    const db = await dbs.clone(template);
    let scheduler: Scheduler | undefined;
    let cell: C | undefined;
    try {
      cell = await openCell({ now: () => scheduler?.ambientClock.now() ?? 0, sleep: (ms) => scheduler?.ambientClock.sleep(ms) ?? Promise.resolve() });
      const services = cell;
      scheduler = await Scheduler.connect({ databaseUrl: db.url, exchangeClient: (name) => services.exchangeClient(name), ...(hangTimeoutMs ? { hangTimeoutMs } : {}) });
      const schema = await describeSchemaTables(scheduler.observer);
      return new CellHarness(db, scheduler, cell, schema, dbs);
    } catch (e) {
      await scheduler?.close();
      await cell?.close();
      await dbs.drop(db).catch(() => undefined);
      throw e;
    }
  }

  actors(scenario: ScenarioBase): readonly ActorSpec[] {
    return this.cell.actors(scenario);
  }

  /** Empties every table and restarts every sequence, then runs the scenario's setup. */
  async prepare(scenario: ScenarioBase): Promise<void> {
    if (this.schema.resetSql) await this.scheduler.observer.query(this.schema.resetSql);
    await this.cell.prepare(scenario, sqlOn(this.scheduler.observer));
  }

  /** What the run broke and left, as the scenario's plugin judges it. */
  inspect(scenario: ScenarioBase, run: ScheduleRun, actors: readonly ActorSpec[]): Promise<RunInspection> {
    return this.cell.inspect(scenario, { run, actors, observer: this.scheduler.observer, tables: this.schema.tables });
  }

  async close(): Promise<void> {
    await this.scheduler.close();
    await this.cell.close();
    await this.dbs.drop(this.db).catch(() => undefined);
  }
}

export function replayCommand(replay: string): string {
  return `npm run scenarios -- --replay '${replay}'`;
}

/** Runs every schedule the strategy gives for one scenario × variant. */
export async function runCell(dbs: HarnessDatabases, task: CellTask, options: CellOptions): Promise<CellResult> {
  const started = Date.now();
  const { scenario, variant } = task;
  const plugin = scenario.plugin;
  const expectation = plugin.expectation(scenario, variant.id);
  const sample = options.strategy === 'exhaustive' ? scenario.sample : undefined;
  const strategyName: StrategyName = sample ? sample.strategy : options.strategy;
  const bounded = options.strategy === 'exhaustive' && scenario.preemptionBound !== undefined && options.strategyOptions.preemptionBound === undefined;
  const strategyOptions = sample
    ? { ...options.strategyOptions, budget: Math.min(options.strategyOptions.budget, sample.runs) }
    : bounded
      ? { ...options.strategyOptions, preemptionBound: scenario.preemptionBound }
      : options.strategyOptions;
  const strategy = STRATEGIES[strategyName].create(strategyOptions);
  let harness: CellHarness;
  try {
    harness = await CellHarness.open(dbs, task.template, (clock) => plugin.openCell(variant, clock), options.hangTimeoutMs);
  } catch (e) {
    if (e instanceof HarnessError && e.code !== 'E_MIGRATION') throw e;
    return failedCell(task, expectation, (e as Error).message, started);
  }
  const outcomes: Partial<Record<RunOutcome, number>> = {};
  const byInvariant: Record<string, number> = {};
  const distinct = new Map<string, DistinctOutcome>();
  let schedules = 0;
  let violating = 0;
  let counterexample: Counterexample | null = null;
  let error: string | undefined;
  try {
    const actors = harness.actors(scenario);
    const names = actors.map((a) => a.name);
    let runIndex = 0;
    for (;;) {
      if (strategy) {
        if (!strategy.beginRun()) break;
      } else if (runIndex >= strategyOptions.budget) break;
      await harness.prepare(scenario);
      const run = strategy ? await harness.scheduler.run(actors, strategy) : await harness.scheduler.runRealtime(actors);
      strategy?.endRun(run.schedule.choices.length);
      runIndex++;
      outcomes[run.outcome] = (outcomes[run.outcome] ?? 0) + 1;
      if (run.outcome === 'abandoned') continue;
      schedules++;
      const inspection = await harness.inspect(scenario, run, actors);
      const { violations } = inspection;
      const outcome = distinctOutcome(run, actors, inspection);
      distinct.set(JSON.stringify(outcome), outcome);
      if (violations.length > 0) {
        violating++;
        for (const v of new Set(violations.map((x) => x.invariant))) byInvariant[v] = (byInvariant[v] ?? 0) + 1;
        if (!counterexample) counterexample = toCounterexample(scenario.name, variant.id, run, [...violations], inspection, schedules - 1, names, strategy !== null, options.replayCommand ?? replayCommand);
      }
      options.onRun?.(schedules, violating);
    }
  } catch (e) {
    // A scenario whose setup or check throws is reported against itself; the other cells go on.
    if (isShuttingDown()) throw e;
    error = e instanceof Error ? e.message : String(e);
  } finally {
    await harness.close();
  }
  const stats = strategy ? strategy.stats() : { strategy: 'realtime', runs: schedules };
  const coverage: Coverage = {
    kind: strategyName === 'exhaustive' ? 'exhaustive' : strategyName === 'replay' ? 'replay' : 'sampled',
    complete: error === undefined && strategyName === 'exhaustive' && stats.complete === true,
    ...(strategyOptions.preemptionBound === undefined ? {} : { preemptionBound: strategyOptions.preemptionBound }),
    stats,
  };
  const measured = violating > 0 || error !== undefined ? 'violates' : 'holds';
  return {
    scenario: scenario.name,
    layers: variant.id,
    expectation,
    measured,
    agrees: error === undefined && measured === expectation,
    schedules,
    violating,
    outcomes,
    violationsByInvariant: byInvariant,
    coverage,
    claimedEffectiveness: variant.claimedEffectiveness,
    measuredEffectiveness: schedules > 0 ? Math.round(1000 * (1 - violating / schedules)) / 10 : null,
    counterexample,
    elapsedMs: Date.now() - started,
    ...(error === undefined ? {} : { error }),
    distinctOutcomes: [...distinct.values()].sort(compareOutcomes),
  };
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

function failedCell(task: CellTask, expectation: CellResult['expectation'], error: string, started: number): CellResult {
  return {
    scenario: task.scenario.name,
    layers: task.variant.id,
    expectation,
    measured: 'violates',
    agrees: expectation === 'violates',
    schedules: 0,
    violating: 0,
    outcomes: {},
    violationsByInvariant: {},
    coverage: { kind: 'sampled', complete: false, stats: { strategy: 'none', runs: 0 } },
    claimedEffectiveness: task.variant.claimedEffectiveness,
    measuredEffectiveness: null,
    counterexample: null,
    elapsedMs: Date.now() - started,
    error,
  };
}
