// In-process figures of the bench: schedules per second of a strategy on one cell (as runCell runs
// them: prepare, run, check), memory over many schedules, and each exhaustive search's own stats.
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { HarnessDatabase, HarnessDatabases } from '../../harness/db/index.ts';
import type { ExchangeTransport } from '../exchange/index.ts';
import type { LayerSet } from '../layers/index.ts';
import { botVariant, openBotCell } from '../plugin/index.ts';
import { CellHarness, cellStrategy, runCell, type StrategyOptions } from '../../harness/run/index.ts';
import type { Strategy, StrategyStats } from '../../harness/sched/index.ts';
import type { Scenario, ScenarioEnv } from '../scenarios/index.ts';
import { cpuSince, sampleCpu } from './process-cpu.ts';

export interface Throughput {
  /** Runs the strategy asked for, abandoned ones included. */
  readonly runs: number;
  /** Runs that completed a schedule (not abandoned as redundant). */
  readonly schedules: number;
  readonly seconds: number;
  readonly schedulesPerSecond: number;
  /** CPU per schedule: this Node process, and the PostgreSQL server (undefined where unknown). */
  readonly nodeCpuMsPerSchedule: number;
  readonly postgresCpuMsPerSchedule: number | null;
}

export interface BenchCell {
  readonly dbs: HarnessDatabases;
  readonly template: HarnessDatabase;
  readonly scenario: Scenario;
  readonly layerSet: LayerSet;
}

function envOf(cell: BenchCell): ScenarioEnv {
  return { policy: cell.layerSet.policy, layerSet: cell.layerSet };
}

/**
 * `runs` runs of a fresh strategy from `make` (made again when its search ends), each prepared,
 * run and checked as runCell does it. `onRun` sees the harness after every run.
 */
export async function throughput(
  cell: BenchCell,
  make: () => Strategy,
  runs: number,
  transport: ExchangeTransport = 'direct',
  onRun?: (done: number) => void,
): Promise<Throughput> {
  const h = await CellHarness.open(cell.dbs, cell.template, (clock) => openBotCell(cell.layerSet, clock, transport));
  const env = envOf(cell);
  const actors = cell.scenario.actors(env);
  const names = actors.map((a) => a.name);
  let strategy = make();
  let done = 0;
  let schedules = 0;
  const cpu = sampleCpu();
  const started = performance.now();
  try {
    while (done < runs) {
      if (!strategy.beginRun()) {
        strategy = make();
        if (!strategy.beginRun()) throw new Error('a fresh strategy has nothing to run');
      }
      await h.prepare(cell.scenario);
      const run = await h.scheduler.run(actors, strategy);
      strategy.endRun(run.schedule.choices.length);
      done++;
      if (run.outcome !== 'abandoned') {
        schedules++;
        await h.inspect(cell.scenario, run, actors, { reset: true });
      }
      onRun?.(done);
    }
  } finally {
    await h.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const used = cpuSince(cpu);
  return {
    runs: done,
    schedules,
    seconds: round(seconds, 3),
    schedulesPerSecond: Math.round(schedules / seconds),
    nodeCpuMsPerSchedule: round(used.self / schedules, 3),
    postgresCpuMsPerSchedule: used.postgres === undefined ? null : round(used.postgres / schedules, 3),
  };
}

export interface MemoryFigures {
  readonly schedules: number;
  readonly rssMiB: { readonly before: number; readonly after: number };
  /** After a full garbage collection: what the run really keeps. */
  readonly heapUsedMiB: { readonly before: number; readonly after: number };
  readonly schedulesPerSecond: number;
}

/** RSS and live heap before and after `schedules` random schedules of one cell. */
export async function memoryOver(cell: BenchCell, make: () => Strategy, schedules: number, onProgress?: (done: number) => void): Promise<MemoryFigures> {
  const collect = garbageCollector();
  collect();
  const before = process.memoryUsage();
  const t = await throughput(cell, make, schedules, 'direct', (done) => {
    if (done % 1000 === 0) onProgress?.(done);
  });
  collect();
  const after = process.memoryUsage();
  return {
    schedules: t.runs,
    rssMiB: { before: mib(before.rss), after: mib(after.rss) },
    heapUsedMiB: { before: mib(before.heapUsed), after: mib(after.heapUsed) },
    schedulesPerSecond: t.schedulesPerSecond,
  };
}

export interface ExhaustiveCellStats {
  readonly scenario: string;
  readonly layers: string;
  /** The strategy's own figures, as it reports them (runs, abandoned, pruned, complete, ...). */
  readonly stats: StrategyStats;
  readonly schedules: number;
  readonly violating: number;
  readonly complete: boolean;
  readonly seconds: number;
}

/** Every scenario searched exhaustively (not sampled) on `layerSet`, through runCell at `budget`. */
export async function exhaustiveStats(
  dbs: HarnessDatabases,
  template: HarnessDatabase,
  scenarios: readonly Scenario[],
  layerSet: LayerSet,
  options: StrategyOptions,
): Promise<ExhaustiveCellStats[]> {
  const out: ExhaustiveCellStats[] = [];
  for (const scenario of scenarios) {
    if (cellStrategy(scenario, 'exhaustive', options).strategyName !== 'exhaustive') continue;
    const cell = await runCell(dbs, { scenario, variant: botVariant(layerSet), template }, { strategy: 'exhaustive', strategyOptions: options });
    out.push({
      scenario: scenario.name,
      layers: layerSet.id,
      stats: cell.coverage.stats,
      schedules: cell.schedules,
      violating: cell.violating,
      complete: cell.coverage.complete,
      seconds: round(cell.elapsedMs / 1000, 2),
    });
  }
  return out;
}

/** `global.gc` without starting Node with --expose-gc. */
function garbageCollector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  return typeof gc === 'function' ? () => (gc as () => void)() : () => undefined;
}

function mib(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
