// Runs one scenario under one layer set: a database cloned from the set's template, a mock
// exchange of its own, a scheduler, and the strategy's runs, each checked against the invariants.
import { checkInvariants, observeState, type ActorEnd, type Violation } from '../check/index.ts';
import { HarnessError } from '../errors/index.ts';
import { RESET_SQL, type HarnessDatabase, type HarnessDatabases } from '../db/index.ts';
import { MockExchange, serveMockExchange } from '../exchange/index.ts';
import type { LayerSet } from '../fixes/index.ts';
import { Scheduler, formatReplayTarget, type ActorOutcome, type RunOutcome, type ScheduleRun, type Strategy } from '../sched/index.ts';
import { expectationFor, type Scenario, type ScenarioEnv } from '../../scenarios/index.ts';
import { estimateOdds, oddsOf, signalCount, simulatedEnv, type OddsOptions } from './odds.ts';
import type { CellResult, Counterexample, Coverage, Odds } from './result-model.ts';
import { STRATEGIES, type StrategyName, type StrategyOptions } from './strategy-registry.ts';

export interface CellOptions {
  readonly strategy: StrategyName;
  readonly strategyOptions: StrategyOptions;
  readonly hangTimeoutMs?: number;
  /** Called after every run with the count so far (for progress lines). */
  readonly onRun?: (runs: number, violating: number) => void;
  /** After the strategy's runs, estimate production odds with this many simulated runs. */
  readonly odds?: OddsOptions;
}

export interface CellTask {
  readonly scenario: Scenario;
  readonly layerSet: LayerSet;
  readonly template: HarnessDatabase;
}

export const PRICES = { APTUSDT: 10, ETHUSDT: 2000, RACEUSDT: 1, STRESSUSDT: 1, SOLUSDT: 150, BTCUSDT: 60000, XRPUSDT: 0.5, DOGEUSDT: 0.1, ADAUSDT: 0.4, LINKUSDT: 15 };

/** A scenario's database, exchange and scheduler, ready for runs. */
export class CellHarness {
  private constructor(
    readonly db: HarnessDatabase,
    readonly scheduler: Scheduler,
    readonly exchange: MockExchange,
    private readonly closeExchange: () => void,
    private readonly dbs: HarnessDatabases,
  ) {}

  static async open(dbs: HarnessDatabases, template: HarnessDatabase, hangTimeoutMs?: number): Promise<CellHarness> {
    const db = await dbs.clone(template);
    let scheduler: Scheduler | undefined;
    const exchange = new MockExchange({ prices: PRICES, clock: { now: () => scheduler?.ambientClock.now() ?? 0, sleep: (ms) => scheduler?.ambientClock.sleep(ms) ?? Promise.resolve() } });
    const served = serveMockExchange(exchange);
    try {
      scheduler = await Scheduler.connect({ databaseUrl: db.url, exchangeClient: (name) => served.client(name), ...(hangTimeoutMs ? { hangTimeoutMs } : {}) });
    } catch (e) {
      served.close();
      await dbs.drop(db).catch(() => undefined);
      throw e;
    }
    return new CellHarness(db, scheduler, exchange, () => served.close(), dbs);
  }

  /** Empties the database and the exchange, then runs the scenario's setup. */
  async prepare(scenario: Scenario, env: ScenarioEnv): Promise<void> {
    await this.scheduler.observer.query(RESET_SQL);
    this.exchange.reset();
    if (scenario.setup) {
      const observer = this.scheduler.observer;
      await scenario.setup({ ...env, exchange: this.exchange, sql: async (text, values) => observer.query(text, values ? [...values] : undefined) });
    }
  }

  /** Checks the invariants after a run. */
  async check(scenario: Scenario, run: ScheduleRun, names: readonly string[]): Promise<{ violations: Violation[]; finalRows: Awaited<ReturnType<typeof observeState>>['rows'] }> {
    const ends: ActorEnd[] = run.actors.map((a, i) => actorEnd(names[i] ?? `actor-${i}`, a));
    const state = await observeState(this.scheduler.observer, this.exchange, ends, run.outcome === 'completed' || run.outcome === 'deadlock');
    const violations = checkInvariants(state, scenario.invariants);
    if (scenario.check) violations.push(...scenario.check(state, run.actors.map((a) => (a.status === 'ok' ? a.value : undefined))));
    if (run.outcome === 'hang' || run.outcome === 'step-limit') {
      violations.push({ invariant: 'scenario:liveness', message: `run ended as ${run.outcome}`, rows: [] });
    }
    return { violations, finalRows: state.rows };
  }

  async close(): Promise<void> {
    await this.scheduler.close();
    this.closeExchange();
    await this.dbs.drop(this.db).catch(() => undefined);
  }
}

function actorEnd(name: string, a: ActorOutcome): ActorEnd {
  if (a.status === 'ok') return { name, status: 'ok', sqlState: null, code: null, message: null };
  if (a.status === 'error') return { name, status: 'error', sqlState: a.sqlState, code: a.code, message: a.message };
  return { name, status: 'unfinished', sqlState: null, code: null, message: a.state };
}

export function replayCommand(replay: string): string {
  return `npm run scenarios -- --replay '${replay}'`;
}

/** Runs every schedule the strategy gives for one scenario × layer set. */
export async function runCell(dbs: HarnessDatabases, task: CellTask, options: CellOptions): Promise<CellResult> {
  const started = Date.now();
  const { scenario, layerSet } = task;
  const layerEnv: ScenarioEnv = { policy: layerSet.policy, layerSet };
  const timing = options.strategy === 'simulate' ? options.strategyOptions.timing : undefined;
  const env: ScenarioEnv = timing ? simulatedEnv(layerEnv, timing) : layerEnv;
  const expectation = expectationFor(scenario, layerSet.id);
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
    harness = await CellHarness.open(dbs, task.template, options.hangTimeoutMs);
  } catch (e) {
    if (e instanceof HarnessError && e.code !== 'E_MIGRATION') throw e;
    return failedCell(task, expectation, (e as Error).message, started);
  }
  const outcomes: Partial<Record<RunOutcome, number>> = {};
  const byInvariant: Record<string, number> = {};
  let schedules = 0;
  let violating = 0;
  let counterexample: Counterexample | null = null;
  let odds: Odds | undefined;
  try {
    const actors = scenario.actors(env);
    const names = actors.map((a) => a.name);
    let runIndex = 0;
    for (;;) {
      if (strategy) {
        if (!strategy.beginRun()) break;
      } else if (runIndex >= strategyOptions.budget) break;
      await harness.prepare(scenario, env);
      const run = strategy ? await harness.scheduler.run(actors, strategy) : await harness.scheduler.runRealtime(actors);
      strategy?.endRun(run.schedule.choices.length);
      runIndex++;
      outcomes[run.outcome] = (outcomes[run.outcome] ?? 0) + 1;
      if (run.outcome === 'abandoned') continue;
      schedules++;
      const { violations, finalRows } = await harness.check(scenario, run, names);
      if (violations.length > 0) {
        violating++;
        for (const v of new Set(violations.map((x) => x.invariant))) byInvariant[v] = (byInvariant[v] ?? 0) + 1;
        if (!counterexample) counterexample = toCounterexample(scenario.name, layerSet.id, run, violations, finalRows, schedules - 1, names, strategy !== null);
      }
      options.onRun?.(schedules, violating);
    }
    if (options.odds && !timing) odds = await estimateOdds(harness, scenario, layerEnv, options.odds);
  } finally {
    await harness.close();
  }
  if (timing) odds = oddsOf(violating, schedules, signalCount(scenario.actors(env).map((a) => a.name)), options.strategyOptions.seed);
  const stats = strategy ? strategy.stats() : { strategy: 'realtime', runs: schedules };
  const coverage: Coverage = {
    kind: strategyName === 'exhaustive' ? 'exhaustive' : strategyName === 'replay' ? 'replay' : 'sampled',
    complete: strategyName === 'exhaustive' && stats.complete === true,
    ...(strategyOptions.preemptionBound === undefined ? {} : { preemptionBound: strategyOptions.preemptionBound }),
    stats,
  };
  const measured = violating > 0 ? 'violates' : 'holds';
  return {
    scenario: scenario.name,
    layers: layerSet.id,
    expectation,
    measured,
    agrees: measured === expectation,
    schedules,
    violating,
    outcomes,
    violationsByInvariant: byInvariant,
    coverage,
    claimedEffectiveness: layerSet.claimedEffectiveness,
    measuredEffectiveness: schedules > 0 ? Math.round(1000 * (1 - violating / schedules)) / 10 : null,
    counterexample,
    elapsedMs: Date.now() - started,
    ...(odds ? { odds } : {}),
  };
}

function toCounterexample(
  scenario: string,
  layers: string,
  run: ScheduleRun,
  violations: Violation[],
  finalRows: Counterexample['finalRows'],
  index: number,
  names: readonly string[],
  replayable: boolean,
): Counterexample {
  const replay = formatReplayTarget({ scenario, layers, schedule: run.schedule });
  return {
    replay,
    command: replayable ? replayCommand(replay) : '(realtime runs are not replayable; use a controlled strategy)',
    schedule: run.schedule.toString(),
    foundAtRun: index,
    outcome: run.outcome,
    violations,
    actors: run.actors.map((outcome, i) => ({ name: names[i] ?? `actor-${i}`, outcome: compactOutcome(outcome) })),
    trace: run.trace,
    finalRows,
  };
}

/** Actor results can be large objects; reports keep a JSON-safe summary. */
function compactOutcome(o: ActorOutcome): ActorOutcome {
  if (o.status !== 'ok') return o;
  return { status: 'ok', value: JSON.parse(JSON.stringify(o.value ?? null)) as unknown };
}

function failedCell(task: CellTask, expectation: CellResult['expectation'], error: string, started: number): CellResult {
  return {
    scenario: task.scenario.name,
    layers: task.layerSet.id,
    expectation,
    measured: 'violates',
    agrees: expectation === 'violates',
    schedules: 0,
    violating: 0,
    outcomes: {},
    violationsByInvariant: {},
    coverage: { kind: 'sampled', complete: false, stats: { strategy: 'none', runs: 0 } },
    claimedEffectiveness: task.layerSet.claimedEffectiveness,
    measuredEffectiveness: null,
    counterexample: null,
    elapsedMs: Date.now() - started,
    error,
  };
}
