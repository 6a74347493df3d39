// Runs one scenario under one variant: the cell's harness, the strategy's runs, each judged by
// the scenario's plugin, then the optional odds pass; faults are retried and recorded.
import { HarnessError } from '../errors/index.ts';
import { describeFault, type HarnessDatabase, type HarnessDatabases } from '../db/index.ts';
import type { RunOutcome } from '../sched/index.ts';
import type { ScenarioBase, Variant } from '../scenario/index.ts';
import { CellHarness } from './cell-harness.ts';
import { cellStrategy } from './cell-strategy.ts';
import { judgeCell } from './cell-verdict.ts';
import { compareOutcomes, distinctOutcome, replayCommand, toCounterexample } from './counterexample.ts';
import { CELL_FAULT_CODES, openRetryingFaults, runRetryingFaults } from './fault-retry.ts';
import { countedActors, oddsOf, type OddsOptions } from './odds.ts';
import { estimateOdds } from './odds-pass.ts';
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

/** Faults listed per cell in reports; the count in `outcomes` covers all of them. */
const FAULTS_KEPT = 20;

/** Runs every schedule the strategy gives for one scenario × variant. */
export async function runCell(dbs: HarnessDatabases, task: CellTask, options: CellOptions): Promise<CellResult> {
  const started = Date.now();
  const { scenario, variant } = task;
  const plugin = scenario.plugin;
  const expectation = plugin.expectation(scenario, variant.id);
  const { strategyName, strategyOptions: chosen } = cellStrategy(scenario, options.strategy, options.strategyOptions, expectation);
  const hooks = plugin.simulation;
  const simulating = strategyName === 'simulate';
  const pluginOptions = options.pluginOptions?.[plugin.name];
  // The plugin's options give the timing of its simulated runs (the bot: its timing model's flags).
  const strategyOptions = simulating && hooks ? { ...chosen, timing: hooks.timing(pluginOptions), periodic: (name: string) => hooks.periodicActor(name) } : chosen;
  const strategy = STRATEGIES[strategyName].create(strategyOptions);
  // A simulation runs the variant as the timing model has it (the bot: its settlement sleep).
  const cellVariant = simulating && hooks ? hooks.simulatedVariant(variant, pluginOptions) : variant;
  const openHarness = (v: Variant) =>
    CellHarness.open(dbs, task.template, (clock) => plugin.openCell(v, { clock, realtime: !strategy, options: pluginOptions }), {
      ...(options.hangTimeoutMs ? { hangTimeoutMs: options.hangTimeoutMs } : {}),
      ...(options.reconnectTimeoutMs ? { reconnectTimeoutMs: options.reconnectTimeoutMs } : {}),
    });
  let harness: CellHarness;
  try {
    harness = await openRetryingFaults(() => openHarness(cellVariant));
  } catch (e) {
    // A session killed while the cell opened is a fault of the infrastructure, not of the scenario.
    if (e instanceof HarnessError && CELL_FAULT_CODES.has(e.code)) return { ...failedCell(task, `${e.code}: ${e.message}`, started), incomplete: 'fault' };
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
  let footprintMiss: string | undefined;
  let sessionMiss: string | undefined;
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
      for (const miss of run.footprintMisses ?? []) {
        const who = names[run.lanes?.[miss.actor]?.actor ?? miss.actor] ?? `actor ${miss.actor}`;
        if (miss.kind === 'session') sessionMiss ??= `${who}'s session began a run with ${miss.touched}`;
        else if (miss.kind === 'timing') sessionMiss ??= `${who} ${miss.touched}`;
        else footprintMiss ??= `PostgreSQL shows that ${who}'s ${miss.statement} ${miss.touched}, beyond its footprint`;
      }
      if (run.outcome === 'abandoned') continue;
      schedules++;
      const inspection = await harness.inspect(scenario, run, actors, { reset: true });
      // DDL the run committed stays in the catalog, which no reset restores.
      if (harness.schemaChangedBy !== undefined) sessionMiss ??= `a run changed the schema (${harness.schemaChangedBy}), which is not reset between runs: the runs after it did not start like the first`;
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
      const oddsVariant = hooks.simulatedVariant(variant, pluginOptions);
      const timing = hooks.timing(pluginOptions);
      try {
        // The same variant runs on this cell's harness; one the simulation changes gets its own.
        if (oddsVariant === variant) odds = await estimateOdds(harness, scenario, oddsOptions, timing);
        else {
          const simulated = await openHarness(oddsVariant);
          simulated.onFault = harness.onFault;
          try {
            odds = await estimateOdds(simulated, scenario, oddsOptions, timing);
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
  // A fault after a violation stops the search but not the verdict: the counterexample stands.
  const incomplete = cellFault !== undefined && violating === 0;
  const error = incomplete ? cellFault : codeError;
  return {
    scenario: scenario.name,
    variant: variant.id,
    expectation,
    measured,
    // A cell stopped by a fault, or whose own code threw, proves nothing either way.
    ...judgeCell({
      expectation,
      violating,
      schedules,
      coverage,
      declaredPartial,
      ...(codeError === undefined ? {} : { error: codeError }),
      ...(cellFault === undefined ? {} : { stoppedBy: cellFault }),
      ...(footprintMiss === undefined ? {} : { footprintMiss }),
      ...(sessionMiss === undefined ? {} : { sessionMiss }),
    }),
    schedules,
    violating,
    outcomes,
    violationsByInvariant: byInvariant,
    coverage,
    cleanShare: schedules > 0 ? Math.round(1000 * (1 - violating / schedules)) / 10 : null,
    counterexample,
    elapsedMs: Date.now() - started,
    ...(faults.length > 0 ? { faults } : {}),
    ...(error === undefined ? {} : { error }),
    ...(incomplete ? { incomplete: 'fault' as const } : {}),
    distinctOutcomes: [...distinct.values()].sort(compareOutcomes),
    ...(odds ? { odds } : {}),
  };
}

const NOT_RUN: Coverage = { kind: 'sampled', complete: false, stats: { strategy: 'none', runs: 0 } };

/** A cell that could not run (its migration failed, or see `incomplete`): no figures. */
export function failedCell(task: Pick<CellTask, 'scenario' | 'variant'>, error: string, started = Date.now()): CellResult {
  const expectation = task.scenario.plugin.expectation(task.scenario, task.variant.id);
  return {
    scenario: task.scenario.name,
    variant: task.variant.id,
    expectation,
    measured: 'violates',
    ...judgeCell({ expectation, violating: 0, schedules: 0, coverage: NOT_RUN, declaredPartial: false, error }),
    schedules: 0,
    violating: 0,
    outcomes: {},
    violationsByInvariant: {},
    coverage: NOT_RUN,
    cleanShare: null,
    counterexample: null,
    elapsedMs: Date.now() - started,
    error,
  };
}
