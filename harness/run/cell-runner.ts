// Runs one scenario under one layer set: a database cloned from the set's template, a mock
// exchange of its own, a scheduler, and the strategy's runs, each checked against the invariants.
import type pg from 'pg';
import { checkInvariants, observeState, type ActorEnd, type Violation } from '../check/index.ts';
import { HarnessError } from '../errors/index.ts';
import { RESET_SQL, describeFault, isConnectionFault, type HarnessDatabase, type HarnessDatabases } from '../db/index.ts';
import { MockExchange, connectMockExchange, type ExchangeTransport } from '../exchange/index.ts';
import type { LayerSet } from '../fixes/index.ts';
import { ResumedStrategy, Scheduler, formatReplayTarget, type ActorOutcome, type RunOutcome, type ScheduleRun, type Strategy } from '../sched/index.ts';
import { expectationFor, type Scenario, type ScenarioEnv } from '../../scenarios/index.ts';
import { judgeCell } from './cell-verdict.ts';
import type { CellResult, Counterexample, Coverage, FaultRecord } from './result-model.ts';
import { STRATEGIES, type StrategyName, type StrategyOptions } from './strategy-registry.ts';

export interface CellOptions {
  readonly strategy: StrategyName;
  readonly strategyOptions: StrategyOptions;
  readonly hangTimeoutMs?: number;
  /** How long to wait for the server after a connection died (default 30 s). */
  readonly reconnectTimeoutMs?: number;
  /** How actors reach the mock exchange; default `direct`, except `http` for `realtime`. */
  readonly exchange?: ExchangeTransport;
  /** Called after every run with the count so far (for progress lines). */
  readonly onRun?: (runs: number, violating: number) => void;
}

export interface CellTask {
  readonly scenario: Scenario;
  readonly layerSet: LayerSet;
  readonly template: HarnessDatabase;
}

/** Attempts of one run (or one setup or check) after a connection fault, before the cell gives up. */
export const MAX_FAULT_RETRIES = 3;
/** Faults listed per cell in reports; the count in `outcomes` covers all of them. */
const FAULTS_KEPT = 20;

/** Errors that end one cell as an `error` cell while the other cells go on. */
const CELL_FAULT_CODES: ReadonlySet<string> = new Set(['E_CONNECTION_LOST', 'E_FAULT_NOT_REPRODUCED', 'E_HANG']);
/** Runs between two vacuums of a cell's tables (see CellHarness.vacuum). */
const VACUUM_EVERY_RUNS = 200;

export const PRICES = { APTUSDT: 10, ETHUSDT: 2000, RACEUSDT: 1, STRESSUSDT: 1, SOLUSDT: 150, BTCUSDT: 60000, XRPUSDT: 0.5, DOGEUSDT: 0.1, ADAUSDT: 0.4, LINKUSDT: 15 };

/** A scenario's database, exchange and scheduler, ready for runs. */
export class CellHarness {
  /** Told of every connection fault met in setup or checks (each is retried on a new session). */
  onFault: (phase: FaultRecord['phase'], session: string, error: unknown) => void = () => undefined;

  private constructor(
    readonly db: HarnessDatabase,
    readonly scheduler: Scheduler,
    readonly exchange: MockExchange,
    private readonly closeExchange: () => void,
    private readonly dbs: HarnessDatabases,
    private readonly hangTimeoutMs: number,
  ) {}

  /** `transport`: how actors reach the mock exchange (the msw HTTP path is the reference). */
  static async open(
    dbs: HarnessDatabases,
    template: HarnessDatabase,
    hangTimeoutMs?: number,
    reconnectTimeoutMs?: number,
    transport: ExchangeTransport = 'direct',
  ): Promise<CellHarness> {
    const db = await dbs.clone(template);
    let scheduler: Scheduler | undefined;
    const exchange = new MockExchange({ prices: PRICES, clock: { now: () => scheduler?.ambientClock.now() ?? 0, sleep: (ms) => scheduler?.ambientClock.sleep(ms) ?? Promise.resolve() } });
    const served = connectMockExchange(exchange, transport);
    try {
      scheduler = await Scheduler.connect({
        databaseUrl: db.url,
        exchangeClient: (name) => served.client(name),
        ...(hangTimeoutMs ? { hangTimeoutMs } : {}),
        ...(reconnectTimeoutMs ? { reconnectTimeoutMs } : {}),
      });
    } catch (e) {
      served.close();
      await dbs.drop(db).catch(() => undefined);
      throw e;
    }
    return new CellHarness(db, scheduler, exchange, () => served.close(), dbs, hangTimeoutMs ?? 5000);
  }

  /** The last check emptied the database and nothing ran since: prepare need not empty it again. */
  private databaseEmpty = false;
  private preparedSinceVacuum = 0;
  /** `VACUUM` of every table of the cell's database ('' when it has none), found at the first vacuum. */
  private vacuumSql: string | undefined;

  /** Empties the database and the exchange, then runs the scenario's setup. */
  async prepare(scenario: Scenario, env: ScenarioEnv): Promise<void> {
    await this.onObserver('setup', `the reset and setup of ${scenario.name}`, async (observer) => {
      if (!this.databaseEmpty) await observer.query(RESET_SQL);
      this.databaseEmpty = false;
      if (++this.preparedSinceVacuum >= VACUUM_EVERY_RUNS) await this.vacuum();
      this.exchange.reset();
      if (scenario.setup) {
        await scenario.setup({ ...env, exchange: this.exchange, sql: async (text, values) => observer.query(text, values ? [...values] : undefined) });
      }
    });
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
   * Checks the invariants after a run. With `reset`, the same round trip that reads the state also
   * empties the database for the next run (whose prepare then skips that step).
   */
  async check(scenario: Scenario, run: ScheduleRun, names: readonly string[], options: { readonly reset?: boolean } = {}): Promise<{ violations: Violation[]; finalRows: Awaited<ReturnType<typeof observeState>>['rows'] }> {
    const ends: ActorEnd[] = run.actors.map((a, i) => actorEnd(names[i] ?? `actor-${i}`, a));
    // Reading the state again on a new session is safe: the run's effects are committed or gone,
    // and the reset that may share its round trip is one implicit transaction with the read.
    const state = await this.onObserver('check', `the invariant checks of ${scenario.name}`, (observer) => {
      const db = options.reset ? { query: <R,>(text: string) => queryThenReset<R>(observer, text) } : observer;
      return observeState(db, this.exchange, ends, run.outcome === 'completed' || run.outcome === 'deadlock');
    });
    if (options.reset) this.databaseEmpty = true;
    const violations = checkInvariants(state, scenario.invariants);
    if (scenario.check) violations.push(...scenario.check(state, run.actors.map((a) => (a.status === 'ok' ? a.value : undefined))));
    if (run.outcome === 'hang' || run.outcome === 'step-limit') {
      violations.push({ invariant: 'scenario:liveness', message: `run ended as ${run.outcome}`, rows: [] });
    }
    return { violations, finalRows: state.rows };
  }

  /** `dropDatabase` false when the server is gone: dropping would only wait for it again. */
  async close(dropDatabase = true): Promise<void> {
    await this.scheduler.close();
    this.closeExchange();
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

/** `text` then RESET_SQL in one simple-query round trip; the rows of `text`. */
async function queryThenReset<R>(client: Scheduler['observer'], text: string): Promise<{ rows: R[] }> {
  const results = (await client.query(`${text};\n${RESET_SQL}`)) as unknown as { rows: R[] }[];
  const first = results[0];
  if (!first) throw new Error('the state query returned no result');
  return first;
}

function actorEnd(name: string, a: ActorOutcome): ActorEnd {
  if (a.status === 'ok') return { name, status: 'ok', sqlState: null, code: null, message: null };
  if (a.status === 'error') return { name, status: 'error', sqlState: a.sqlState, code: a.code, message: a.message };
  return { name, status: 'unfinished', sqlState: null, code: null, message: a.state };
}

export function replayCommand(replay: string): string {
  return `npm run scenarios -- --replay '${replay}'`;
}

/**
 * The strategy a cell of `scenario` runs when `requested` is asked for: exhaustive search samples
 * a scenario that declares `sample` and takes its declared preemption bound unless one is given.
 */
export function cellStrategy(scenario: Scenario, requested: StrategyName, options: StrategyOptions): { strategyName: StrategyName; strategyOptions: StrategyOptions } {
  const sample = requested === 'exhaustive' ? scenario.sample : undefined;
  if (sample) return { strategyName: sample.strategy, strategyOptions: { ...options, budget: Math.min(options.budget, sample.runs) } };
  const bounded = requested === 'exhaustive' && scenario.preemptionBound !== undefined && options.preemptionBound === undefined;
  return { strategyName: requested, strategyOptions: bounded ? { ...options, preemptionBound: scenario.preemptionBound } : options };
}

/** Runs every schedule the strategy gives for one scenario × layer set. */
export async function runCell(dbs: HarnessDatabases, task: CellTask, options: CellOptions): Promise<CellResult> {
  const started = Date.now();
  const { scenario, layerSet } = task;
  const env: ScenarioEnv = { policy: layerSet.policy, layerSet };
  const expectation = expectationFor(scenario, layerSet.id);
  const { strategyName, strategyOptions } = cellStrategy(scenario, options.strategy, options.strategyOptions);
  const strategy = STRATEGIES[strategyName].create(strategyOptions);
  let harness: CellHarness;
  try {
    const transport = options.exchange ?? (strategy ? 'direct' : 'http');
    harness = await CellHarness.open(dbs, task.template, options.hangTimeoutMs, options.reconnectTimeoutMs, transport);
  } catch (e) {
    if (e instanceof HarnessError && e.code !== 'E_MIGRATION') throw e;
    return failedCell(task, (e as Error).message, started);
  }
  const outcomes: Partial<Record<RunOutcome, number>> = {};
  const byInvariant: Record<string, number> = {};
  const faults: FaultRecord[] = [];
  let schedules = 0;
  let violating = 0;
  let counterexample: Counterexample | null = null;
  let cellFault: string | undefined;
  let serverLost = false;
  const recordFault = (phase: FaultRecord['phase'], session: string, code: string | null, message: string) => {
    if (faults.length < FAULTS_KEPT) faults.push({ run: schedules, phase, session, code, message });
  };
  harness.onFault = (phase, session, e) => {
    const code = (e as { code?: unknown } | null)?.code;
    recordFault(phase, session, typeof code === 'string' ? code : null, describeFault(e));
  };
  try {
    const actors = scenario.actors(env);
    const names = actors.map((a) => a.name);
    let runIndex = 0;
    for (;;) {
      if (strategy) {
        if (!strategy.beginRun()) break;
      } else if (runIndex >= strategyOptions.budget) break;
      const run = await runRetryingFaults(harness, scenario, env, actors, strategy, (r) => {
        outcomes['connection-lost'] = (outcomes['connection-lost'] ?? 0) + 1;
        recordFault('run', r.fault?.session ?? 'unknown', r.fault?.code ?? null, r.fault?.message ?? 'connection lost');
      });
      strategy?.endRun(run.schedule.choices.length);
      runIndex++;
      outcomes[run.outcome] = (outcomes[run.outcome] ?? 0) + 1;
      if (run.outcome === 'abandoned') continue;
      schedules++;
      const { violations, finalRows } = await harness.check(scenario, run, names, { reset: true });
      if (violations.length > 0) {
        violating++;
        for (const v of new Set(violations.map((x) => x.invariant))) byInvariant[v] = (byInvariant[v] ?? 0) + 1;
        if (!counterexample) counterexample = toCounterexample(scenario.name, layerSet.id, run, violations, finalRows, schedules - 1, names, strategy !== null);
      }
      options.onRun?.(schedules, violating);
    }
  } catch (e) {
    if (e instanceof HarnessError && e.code === 'E_DB_UNREACHABLE') serverLost = true;
    // A fault that retries could not get past ends this cell; the other cells go on.
    if (!(e instanceof HarnessError) || !CELL_FAULT_CODES.has(e.code)) throw e;
    cellFault = `${e.code}: ${e.message} (stopped after ${schedules} schedules)`;
  } finally {
    await harness.close(!serverLost);
  }
  const stats = strategy ? strategy.stats() : { strategy: 'realtime', runs: schedules };
  const coverage: Coverage = {
    kind: strategyName === 'exhaustive' ? 'exhaustive' : strategyName === 'replay' ? 'replay' : 'sampled',
    complete: strategyName === 'exhaustive' && stats.complete === true,
    ...(strategyOptions.preemptionBound === undefined ? {} : { preemptionBound: strategyOptions.preemptionBound }),
    stats,
  };
  const measured = violating > 0 ? 'violates' : 'holds';
  // The scenario itself declares that its cells are sampled or bounded (not the user's flags).
  const declaredPartial =
    (options.strategy === 'exhaustive' && scenario.sample !== undefined) ||
    (scenario.preemptionBound !== undefined && strategyOptions.preemptionBound === scenario.preemptionBound);
  return {
    scenario: scenario.name,
    layers: layerSet.id,
    expectation,
    measured,
    // A cell stopped by a fault proves nothing either way.
    ...judgeCell({ expectation, violating, schedules, coverage, declaredPartial, ...(cellFault === undefined ? {} : { error: cellFault }) }),
    schedules,
    violating,
    outcomes,
    violationsByInvariant: byInvariant,
    coverage,
    claimedEffectiveness: layerSet.claimedEffectiveness,
    measuredEffectiveness: schedules > 0 ? Math.round(1000 * (1 - violating / schedules)) / 10 : null,
    counterexample,
    elapsedMs: Date.now() - started,
    ...(faults.length > 0 ? { faults } : {}),
    ...(cellFault === undefined ? {} : { error: cellFault, incomplete: 'fault' as const }),
  };
}

/**
 * One run of the strategy, run again from scratch (at most MAX_FAULT_RETRIES times) while a
 * session's connection dies under it. The strategy sees one run: the retry replays the choices
 * it already made and asks it only for the steps it has not answered.
 */
async function runRetryingFaults(
  harness: CellHarness,
  scenario: Scenario,
  env: ScenarioEnv,
  actors: ReturnType<Scenario['actors']>,
  strategy: Strategy | null,
  onLost: (run: ScheduleRun) => void,
): Promise<ScheduleRun> {
  let answered: readonly number[] = [];
  for (let attempt = 0; ; attempt++) {
    await harness.prepare(scenario, env);
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

const NOT_RUN: Coverage = { kind: 'sampled', complete: false, stats: { strategy: 'none', runs: 0 } };

/** A cell that could not run (its migration failed, or see `incomplete`): no figures. */
export function failedCell(task: Pick<CellTask, 'scenario' | 'layerSet'>, error: string, started = Date.now()): CellResult {
  const expectation = expectationFor(task.scenario, task.layerSet.id);
  return {
    scenario: task.scenario.name,
    layers: task.layerSet.id,
    expectation,
    measured: 'violates',
    ...judgeCell({ expectation, violating: 0, schedules: 0, coverage: NOT_RUN, declaredPartial: false, error }),
    schedules: 0,
    violating: 0,
    outcomes: {},
    violationsByInvariant: {},
    coverage: NOT_RUN,
    claimedEffectiveness: task.layerSet.claimedEffectiveness,
    measuredEffectiveness: null,
    counterexample: null,
    elapsedMs: Date.now() - started,
    error,
  };
}
