// Property-based race search: fast-check draws a workload and a schedule, the engine runs them
// on the real database, the property is that the claimed invariants hold. A failure shrinks,
// by fast-check's own shrinking of both arrays, to a minimal workload and schedule.
import fc from 'fast-check';
import type { Violation } from '../../harness/check/index.ts';
import { HarnessDatabases, type StartedPostgres } from '../../harness/db/index.ts';
import type { ExchangeTransport } from '../exchange/index.ts';
import type { LayerSet } from '../layers/index.ts';
import { CellHarness, replayCommand } from '../../harness/run/index.ts';
import { ExhaustiveStrategy, SegmentStrategy, formatReplayTarget } from '../../harness/sched/index.ts';
import { openBotCell, type BotCell, type ScenarioEnv } from '../plugin/index.ts';
import { segmentsArbitrary, workloadArbitrary, workloadScenario, type Flow } from './workload.ts';

export interface PropertyCounterexample {
  readonly workload: readonly Flow[];
  readonly flows: number;
  readonly replay: string;
  readonly command: string;
  readonly violations: readonly Violation[];
}

export interface PropertyResult {
  readonly layers: string;
  readonly runs: number;
  readonly seed: number;
  readonly passed: boolean;
  readonly counterexample: PropertyCounterexample | null;
  readonly shrinks: number;
  /** The property threw instead of returning (a harness fault, not a violation). */
  readonly error?: string;
}

export interface PropertyOptions {
  readonly server: StartedPostgres;
  readonly layerSet: LayerSet;
  readonly runs: number;
  readonly seed: number;
  /** How actors reach the mock exchange (default direct). */
  readonly exchange?: ExchangeTransport;
  readonly onRun?: (n: number) => void;
}

export async function runProperty(o: PropertyOptions): Promise<PropertyResult> {
  const dbs = await HarnessDatabases.open(o.server);
  const template = await dbs.createTemplate(o.layerSet.id, o.layerSet.sqlFiles);
  const harness = await CellHarness.open(dbs, template, (clock) => openBotCell(o.layerSet, clock, o.exchange ?? 'direct'));
  const env = harness.cell.env;
  let last: PropertyCounterexample | null = null;
  let n = 0;
  try {
    const property = fc.asyncProperty(workloadArbitrary, segmentsArbitrary, async (workload, segments) => {
      const scenario = workloadScenario(workload);
      const actors = scenario.actors(env);
      await harness.prepare(scenario);
      const strategy = new SegmentStrategy(segments);
      strategy.beginRun();
      const run = await harness.scheduler.run(actors, strategy);
      o.onRun?.(++n);
      const { violations } = await harness.inspect(scenario, run, actors);
      if (violations.length === 0) return true;
      // The recorded schedule (actor per step) replays exactly, whatever the choices were.
      const replay = formatReplayTarget({ scenario: scenario.name, layers: o.layerSet.id, schedule: run.schedule });
      last = { workload, flows: workload.length, replay, command: replayCommand(replay), violations: [...violations] };
      return false;
    });
    const details = await fc.check(property, { numRuns: o.runs, seed: o.seed, endOnFailure: false });
    // Shrinking only ever replaces `last` with a smaller failing case, so it ends as the shrunk one.
    // fast-check cannot drop a flow whose removal renumbers the actors the segments pick; an
    // exhaustive search over each smaller workload finishes the job.
    if (details.failed && last) last = await minimizeFlows(harness, env, o.layerSet.id, last);
    return {
      layers: o.layerSet.id,
      runs: details.numRuns,
      seed: o.seed,
      passed: !details.failed,
      counterexample: details.failed ? last : null,
      shrinks: details.numShrinks,
      ...(details.failed && last === null && details.errorInstance ? { error: String(details.errorInstance instanceof Error ? (details.errorInstance.stack ?? details.errorInstance.message) : details.errorInstance) } : {}),
    };
  } finally {
    await harness.close();
    await dbs.close();
  }
}

/** Budget of the exhaustive search for a workload with one flow less (POR keeps it small). */
const MINIMIZE_BUDGET = 400;

async function minimizeFlows(harness: CellHarness<BotCell>, env: ScenarioEnv, layers: string, found: PropertyCounterexample): Promise<PropertyCounterexample> {
  let best = found;
  for (let shrunk = true; shrunk && best.workload.length > 1; ) {
    shrunk = false;
    for (let i = 0; i < best.workload.length; i++) {
      const smaller = best.workload.filter((_, j) => j !== i);
      const cx = await searchExhaustively(harness, env, layers, smaller);
      if (cx) {
        best = cx;
        shrunk = true;
        break;
      }
    }
  }
  return best;
}

async function searchExhaustively(harness: CellHarness<BotCell>, env: ScenarioEnv, layers: string, workload: readonly Flow[]): Promise<PropertyCounterexample | null> {
  const scenario = workloadScenario(workload);
  const actors = scenario.actors(env);
  const strategy = new ExhaustiveStrategy({ budget: MINIMIZE_BUDGET });
  while (strategy.beginRun()) {
    await harness.prepare(scenario);
    const run = await harness.scheduler.run(actors, strategy);
    strategy.endRun(run.schedule.choices.length);
    if (run.outcome === 'abandoned') continue;
    const { violations } = await harness.inspect(scenario, run, actors);
    if (violations.length > 0) {
      const replay = formatReplayTarget({ scenario: scenario.name, layers, schedule: run.schedule });
      return { workload, flows: workload.length, replay, command: replayCommand(replay), violations: [...violations] };
    }
  }
  return null;
}
