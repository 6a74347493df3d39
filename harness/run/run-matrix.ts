// Scenarios × their variants (the bot: layer sets) × one strategy → one RunResult. Each distinct
// template (configuration schema + variant's SQL) is built once; the cells go into one shared queue (longest expected first) that `workers` lanes take
// from, in this process or in worker processes. Whatever fails, the result holds every cell that
// finished and marks the others: a dead worker's cell goes back to the queue, a lost server
// stops the run with what it has.
import { createHash } from 'node:crypto';
import { describeFault, HarnessDatabases, isConnectionFault, type HarnessDatabase, type SqlFile, type StartedPostgres } from '../db/index.ts';
import { HarnessError } from '../errors/index.ts';
import { reportWords, type ReportWords, type ScenarioBase, type Variant } from '../scenario/index.ts';
import { failedCell, runCell, type CellOptions } from './cell-runner.ts';
import { MAX_FAULT_RETRIES } from './fault-retry.ts';
import { CellQueue, expectedCost, type CellHistory, type QueuedCell } from './cell-queue.ts';
import { withOddsAgainstBaseline, type OddsOptions } from './odds.ts';
import { projectTitle } from './project-title.ts';
import { RESULT_SCHEMA_VERSION, type CellResult, type RunFailure, type RunResult, type VariantInfo } from './result-model.ts';
import { timingDescription } from './timing-description.ts';
import type { StrategyName, StrategyOptions } from './strategy-registry.ts';

export type ProgressEvent =
  | { readonly kind: 'cell-start'; readonly scenario: string; readonly layers: string; readonly index: number; readonly total: number }
  | { readonly kind: 'cell-progress'; readonly scenario: string; readonly layers: string; readonly runs: number; readonly violating: number }
  | { readonly kind: 'cell-done'; readonly cell: CellResult; readonly index: number; readonly total: number }
  /** A worker died (its cell went back to the queue, or was given up): one line for the log. */
  | { readonly kind: 'worker-lost'; readonly message: string };

/** One cell as a lane receives it. */
export interface CellWork {
  readonly scenario: ScenarioBase;
  readonly variant: Variant;
  readonly template: HarnessDatabase;
}

/** Where cells run, one at a time: this process, or a worker process. */
export interface CellLane {
  /** The worker process's pid, if the lane is one: its databases are dropped if it dies. */
  readonly pid?: number;
  /** Runs one cell; rejects with E_WORKER_DIED when the lane's worker died under it. */
  run(work: CellWork, onRun: (runs: number, violating: number) => void): Promise<CellResult>;
  close(): Promise<void>;
}

/** Starts lane number `lane` (0-based); called again to replace a lane whose worker died. */
export type LaneFactory = (lane: number) => Promise<CellLane>;

export interface MatrixOptions {
  /** What the reports are titled after (a configuration's `title`; default: the package name of the working directory). */
  readonly title?: string;
  readonly scenarios: readonly ScenarioBase[];
  /** Variant ids to run (`--layers`); undefined: each plugin's default (the bot: its default layer sets). */
  readonly layers?: readonly string[];
  /** SQL applied to every template first (the configuration's schema). */
  readonly baseSchema?: readonly SqlFile[];
  readonly strategy: StrategyName;
  readonly strategyOptions: StrategyOptions;
  readonly workers: number;
  readonly server: StartedPostgres;
  readonly hangTimeoutMs?: number;
  readonly reconnectTimeoutMs?: number;
  /** Each plugin's options by plugin name (see CellOptions.pluginOptions). */
  readonly pluginOptions?: Readonly<Record<string, unknown>>;
  /** Run only cells whose index ≡ k−1 (mod n), for `--shard k/n`. */
  readonly shard?: { readonly k: number; readonly n: number };
  /** Elapsed ms per cell of an earlier run: the queue runs the longest first. */
  readonly history?: CellHistory;
  /** Where cells run (default: lanes in this process, all on one event loop). */
  readonly lanes?: LaneFactory;
  readonly onProgress?: (e: ProgressEvent) => void;
  /** How a counterexample is replayed where this runs (see CellOptions.replayCommand). */
  readonly replayCommand?: (replay: string) => string;
  /** Estimate each cell's production odds after its runs (simulate strategy). */
  readonly odds?: OddsOptions;
}

/** Every cell of the matrix, in order: each scenario under each of its variants. */
export function matrixTasks(scenarios: readonly ScenarioBase[], layers: readonly string[] | undefined): { scenario: ScenarioBase; variant: Variant }[] {
  return scenarios.flatMap((scenario) => scenario.plugin.variants(scenario, layers).map((variant) => ({ scenario, variant })));
}

/** A lane that fails to start this many times in a row gives up (its cells go to the others). */
const LANE_START_ATTEMPTS = 3;

export async function runMatrix(o: MatrixOptions): Promise<RunResult> {
  const startedAt = new Date();
  const dbs = await HarnessDatabases.open(o.server);
  if (o.reconnectTimeoutMs) dbs.reconnectTimeoutMs = o.reconnectTimeoutMs;
  const cellOptions: Omit<CellOptions, 'onRun'> = {
    strategy: o.strategy,
    strategyOptions: o.strategyOptions,
    ...(o.hangTimeoutMs ? { hangTimeoutMs: o.hangTimeoutMs } : {}),
    ...(o.reconnectTimeoutMs ? { reconnectTimeoutMs: o.reconnectTimeoutMs } : {}),
    ...(o.pluginOptions ? { pluginOptions: o.pluginOptions } : {}),
    ...(o.replayCommand ? { replayCommand: o.replayCommand } : {}),
    ...(o.odds ? { odds: o.odds } : {}),
  };
  const lanes: LaneFactory = o.lanes ?? (async () => ({ run: (work, onRun) => runCell(dbs, work, { ...cellOptions, onRun }), close: async () => undefined }));
  try {
    const all = matrixTasks(o.scenarios, o.layers);
    const mine = all.map((t, index) => ({ ...t, index })).filter((_, i) => !o.shard || i % o.shard.n === o.shard.k - 1);
    const filesOf = (v: Variant): SqlFile[] => [...(o.baseSchema ?? []), ...v.sqlFiles];
    const templates = new Map<string, HarnessDatabase | HarnessError>();
    for (const t of mine) {
      const key = templateKey(filesOf(t.variant));
      for (let attempt = 0; !templates.has(key); attempt++) {
        try {
          templates.set(key, await dbs.createTemplate(t.variant.id, filesOf(t.variant)));
        } catch (e) {
          if (isConnectionFault(e)) {
            // A connection lost while building it: build another (the broken one is dropped at the end).
            if (attempt < MAX_FAULT_RETRIES) continue;
            // Lost every time: the cells on it are incomplete (an infrastructure fault), as a cell
            // whose sessions keep dying is; the other templates' cells still run.
            templates.set(key, new HarnessError('E_CONNECTION_LOST', `the connection building the template of '${t.variant.id}' died ${attempt + 1} times (last: ${describeFault(e)}); the server or the network is unstable`, { cause: e }));
            continue;
          }
          if (!(e instanceof HarnessError) || e.code !== 'E_MIGRATION') throw e;
          // A user's schema that fails is bad input; a layer's migration that fails is a finding.
          if (!t.variant.failedSqlIsResult) throw new HarnessError('E_BAD_SCENARIO', `scenario '${t.scenario.name}': schema ${e.message}`, { cause: e });
          templates.set(key, e);
        }
      }
    }
    const queue = new CellQueue(mine.map((t) => ({ ...t, cost: expectedCost(t.scenario, t.variant, o.history) })));
    const total = mine.length;
    const finished = new Map<number, CellResult>();
    let failure: RunFailure | undefined;
    const finish = (q: QueuedCell, cell: CellResult) => {
      finished.set(q.index, cell);
      o.onProgress?.({ kind: 'cell-done', cell, index: finished.size - 1, total });
    };

    const lane = async (k: number): Promise<void> => {
      let current: CellLane | null = null;
      let startFailures = 0;
      try {
        for (;;) {
          if (failure?.stopsRun) return;
          const q = queue.take();
          if (!q) return;
          const template = templates.get(templateKey(filesOf(q.variant)));
          if (template instanceof HarnessError && template.code === 'E_CONNECTION_LOST') {
            finish(q, incompleteCell(q, 'fault', `${template.code}: ${template.message}`));
            continue;
          }
          if (!template || template instanceof HarnessError) {
            finish(q, failedCell({ scenario: q.scenario, variant: q.variant }, (template ?? new Error('no template')).message));
            continue;
          }
          if (!current) {
            try {
              current = await lanes(k);
              startFailures = 0;
            } catch (e) {
              queue.putBack(q);
              if (++startFailures < LANE_START_ATTEMPTS) continue;
              failure ??= { code: codeOf(e), message: `worker ${k + 1} could not start ${LANE_START_ATTEMPTS} times: ${(e as Error).message}`, stopsRun: false };
              return;
            }
          }
          o.onProgress?.({ kind: 'cell-start', scenario: q.scenario.name, layers: q.variant.id, index: q.index, total });
          const onRun = (runs: number, violating: number) => o.onProgress?.({ kind: 'cell-progress', scenario: q.scenario.name, layers: q.variant.id, runs, violating });
          try {
            finish(q, await current.run({ scenario: q.scenario, variant: q.variant, template }, onRun));
          } catch (e) {
            if (e instanceof HarnessError && e.code === 'E_WORKER_DIED') {
              if (current.pid) await dbs.dropCreatedBy(current.pid).catch(() => undefined);
              current = null;
              q.deaths++;
              if (q.deaths < 2) {
                o.onProgress?.({ kind: 'worker-lost', message: `${e.message}; the cell goes back to the queue` });
                queue.putBack(q);
              } else {
                o.onProgress?.({ kind: 'worker-lost', message: `${e.message}; a second worker died on this cell, so it is not run again` });
                finish(q, incompleteCell(q, 'not-run', `not run: ${e.message} (twice)`));
              }
              continue;
            }
            if (e instanceof HarnessError && e.code === 'E_DB_UNREACHABLE') {
              // The server is gone: the other lanes stop after their cell, and the rest is not run.
              failure ??= { code: e.code, message: e.message, stopsRun: true };
              finish(q, incompleteCell(q, 'fault', `${e.code}: ${e.message}`));
              return;
            }
            const err = e instanceof Error ? e : new Error(String(e));
            failure ??= { code: e instanceof HarnessError ? e.code : 'E_INTERNAL', message: err.message, ...(err.stack ? { stack: err.stack } : {}), stopsRun: false };
            finish(q, incompleteCell(q, 'fault', e instanceof HarnessError ? `${e.code}: ${e.message}` : `internal error: ${err.message}`));
          }
        }
      } finally {
        await current?.close();
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.workers, total)) }, (_, k) => lane(k)));
    const why = failure ? `${failure.code}: ${failure.message}` : 'the run stopped first';
    for (const q of [...queue.drain(), ...mine.filter((t) => !finished.has(t.index)).map((t) => ({ ...t, cost: 0, deaths: 0 }))]) {
      if (!finished.has(q.index)) finished.set(q.index, incompleteCell(q, 'not-run', `not run: ${why}`));
    }
    return matrixResult(o, mine.map((t) => finished.get(t.index) as CellResult), startedAt, failure);
  } finally {
    await dbs.close();
  }
}

/**
 * The result of a run stopped from outside (Ctrl-C, SIGTERM) before it returned: the cells that
 * finished (`finished`, as the progress events gave them), the others marked as not run.
 */
export function interruptedResult(o: MatrixOptions, finished: readonly CellResult[], startedAt: Date, why: string): RunResult {
  const all = matrixTasks(o.scenarios, o.layers);
  const mine = all.filter((_, i) => !o.shard || i % o.shard.n === o.shard.k - 1);
  const done = new Map(finished.map((c) => [`${c.scenario}@${c.variant}`, c]));
  const cells = mine.map((t) => done.get(`${t.scenario.name}@${t.variant.id}`) ?? incompleteCell(t, 'not-run', `not run: ${why}`));
  return matrixResult(o, cells, startedAt, { code: 'E_INTERRUPTED', message: why, stopsRun: true });
}

/** The one RunResult of a matrix run, from its cells in matrix order. */
function matrixResult(o: MatrixOptions, matrixCells: readonly CellResult[], startedAt: Date, failure: RunFailure | undefined): RunResult {
  const cells = withOddsAgainstBaseline(matrixCells);
  const finishedAt = new Date();
  const described = o.odds || o.strategy === 'simulate' ? timingDescription(o.scenarios, cells, o.pluginOptions ?? {}) : undefined;
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    title: o.title ?? projectTitle(process.cwd()),
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    options: {
      strategy: o.strategy,
      budget: o.strategyOptions.budget,
      seed: o.strategyOptions.seed,
      workers: o.workers,
      database: o.server.kind,
      ...(o.shard ? { shard: `${o.shard.k}/${o.shard.n}` } : {}),
      ...(described ? { timing: described } : {}),
      ...(o.odds ? { oddsRuns: o.odds.runs } : {}),
    },
    words: pluginWords(o.scenarios),
    scenarios: o.scenarios.map((s) => ({ name: s.name, title: s.title, description: s.description ?? '', plugin: s.plugin.name })),
    variants: variantInfos(matrixTasks(o.scenarios, o.layers)),
    cells,
    totals: {
      cells: cells.length,
      schedules: cells.reduce((n, c) => n + c.schedules, 0),
      disagreements: cells.filter((c) => !c.agrees).length,
      elapsedMs: finishedAt.getTime() - startedAt.getTime(),
    },
    ...(failure ? { failure: { code: failure.code, message: failure.message, ...(failure.stack ? { stack: failure.stack } : {}) } } : {}),
  };
}

function codeOf(e: unknown): string {
  return e instanceof HarnessError ? e.code : 'E_INTERNAL';
}

/** A cell that did not finish: no figures, never agreeing with an expectation. */
function incompleteCell(q: Pick<QueuedCell, 'scenario' | 'variant'>, incomplete: 'fault' | 'not-run', error: string): CellResult {
  return { ...failedCell({ scenario: q.scenario, variant: q.variant }, error), agrees: false, incomplete };
}

/** The variants of a run, each once, in order of first appearance. */
function variantInfos(tasks: readonly { scenario: ScenarioBase; variant: Variant }[]): VariantInfo[] {
  const seen = new Map<string, VariantInfo>();
  for (const { scenario, variant: v } of tasks) {
    if (!seen.has(v.id)) seen.set(v.id, { id: v.id, plugin: scenario.plugin.name, origin: v.origin, title: v.title, claimed: v.claimed });
  }
  return [...seen.values()];
}

/** Each plugin's words, the defaults filled in. */
function pluginWords(scenarios: readonly ScenarioBase[]): Record<string, ReportWords> {
  return Object.fromEntries(scenarios.map((s) => [s.plugin.name, reportWords(s.plugin.words)]));
}

/** Same SQL, same template. */
function templateKey(files: readonly SqlFile[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(f.name).update('\0').update(f.sql).update('\0');
  return h.digest('hex');
}
