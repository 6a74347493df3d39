// The scenarios command: flags → scenarios × layer sets on a real PostgreSQL → matrix, reports,
// replay commands, exit code. It gets argv, env and streams from main.ts, the only entry point.
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chooseProvider, isShuttingDown, type StartedPostgres } from '../db/index.ts';
import { HarnessError, INFRASTRUCTURE_ERROR_CODES, INPUT_ERROR_CODES } from '../errors/index.ts';
import { parseFormats, renderReplayText, writeReports, type ReportFormat } from '../report/index.ts';
import { runPropertyCli } from '../../bot/workloads/index.ts';
import { cellKey, compareExpected, computeAblation, matrixTasks, mergeRunResults, renderComparisons, runMatrix, runReplay, updateExpected, type CellHistory, type RunResult } from '../run/index.ts';
import { loadScenarioCatalog, shownPath, type ScenarioCatalog } from '../scenario/index.ts';
import { formatReplayTarget } from '../sched/index.ts';
import { listing, oddsOptionsOf, parseCliOptions, scenarioSources, strategyOptionsOf, timingArgs, USAGE, type CliOptions } from './cli-options.ts';
import { renderAblationTable, renderMatrixTable } from './matrix-table.ts';
import { progressPrinter } from './progress.ts';
import { assertWritableOutDir } from './out-dir.ts';
import { runQueueWorker } from './queue-worker.ts';
import { workerProcessLanes } from './worker-lane.ts';
import { QUEUE_WORKER_FLAG, type ParentChannel } from './worker-protocol.ts';
import { counterexampleReplays, exportCounterexamples, runSpecCommand } from './spec-command.ts';

export interface CliIo {
  readonly out: NodeJS.WriteStream;
  readonly err: NodeJS.WriteStream;
  /**
   * Starts this command again in a child process (main.ts provides it). With it, `--workers N`
   * runs N worker processes taking cells from one shared queue, so the cells really use N cores;
   * without it (tests, in process), workers are concurrent cells on one event loop.
   */
  readonly spawnSelf?: (args: readonly string[]) => ChildProcess;
  /** In a worker process: the IPC channel to the parent that hands out cells. */
  readonly parent?: ParentChannel;
  /** The working directory: where race.config.ts and scenario globs are looked up (default: process.cwd()). */
  readonly cwd?: string;
  /** How this command is invoked, for the replay commands it prints (default: `npm run scenarios --`). */
  readonly command?: string;
}

export async function runCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliIo): Promise<number> {
  let options: CliOptions;
  let formats;
  let catalog: ScenarioCatalog;
  try {
    catalog = await loadScenarioCatalog(scenarioSources(argv, io.cwd ?? process.cwd()));
    options = parseCliOptions(argv, env, catalog);
    formats = parseFormats(options.formats);
  } catch (e) {
    return reportError(e, io);
  }
  if (options.help) {
    io.out.write(`${USAGE}\n`);
    return 0;
  }
  if (options.list) {
    io.out.write(`${listing(catalog)}\n`);
    return 0;
  }
  const debug = options.debug;
  if (!options.replay && !options.property && !options.queueWorker) {
    try {
      await assertWritableOutDir(options.out);
    } catch (e) {
      return reportError(e, io, debug);
    }
  }
  if (options.merge.length > 0) {
    try {
      const parts = await Promise.all(options.merge.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as RunResult));
      return await finish(mergeRunResults(parts, options.merge), options, formats, io, catalog);
    } catch (e) {
      if (e instanceof SyntaxError || (e as NodeJS.ErrnoException).code === 'ENOENT') {
        return reportError(new HarnessError('E_BAD_ARGUMENT', `--merge: ${(e as Error).message}`), io, debug);
      }
      return reportError(e, io, debug);
    }
  }
  let server: StartedPostgres | undefined;
  try {
    server = await chooseProvider({ db: options.db, databaseUrl: options.databaseUrl, env, notice: (line) => io.err.write(`${line}\n`) }).start();
    if (options.queueWorker) {
      if (!io.parent) throw new HarnessError('E_BAD_ARGUMENT', `${QUEUE_WORKER_FLAG} is for worker processes started by the harness itself`);
      return await runQueueWorker(options, server, io.parent, replayCommandOf(options, io));
    }
    if (options.spec.files.length > 0) return await runSpecCommand(server, options, io);
    if (options.replay) {
      const [scenario] = options.scenarios;
      if (!scenario) throw new HarnessError('E_BAD_ARGUMENT', 'replay needs one scenario and one layer set');
      const r = await runReplay(server, scenario, options.replay.layers, options.replay.schedule, { baseSchema: catalog.baseSchema, ...(options.exchange ? { exchange: options.exchange } : {}) });
      io.out.write(renderReplayText(r));
      if (options.spec.exportFormats.length > 0) await exportCounterexamples(server, [formatReplayTarget(options.replay)], options, io);
      return 0;
    }
    if (options.property) {
      return await runPropertyCli(server, options, io);
    }
    const processes = io.spawnSelf !== undefined && options.workers > 1;
    io.out.write(
      `Running ${options.scenarios.length} scenario${options.scenarios.length === 1 ? '' : 's'} × ${layersText(options)}${options.shard ? ` (shard ${options.shard.k}/${options.shard.n})` : ''}, strategy ${options.strategy}, budget ${options.budget}, ${options.workers} ${processes ? 'worker processes' : 'workers'}, on ${server.kind} PostgreSQL\n`,
    );
    const result = await runMatrix({
      scenarios: options.scenarios,
      ...(options.layers ? { layers: options.layers } : {}),
      baseSchema: catalog.baseSchema,
      strategy: options.strategy,
      strategyOptions: strategyOptionsOf(options),
      workers: options.workers,
      server,
      hangTimeoutMs: options.hangTimeoutMs,
      reconnectTimeoutMs: options.reconnectTimeoutMs,
      ...(options.exchange ? { pluginOptions: { bot: { exchange: options.exchange } } } : {}),
      ...(options.shard ? { shard: options.shard } : {}),
      history: await previousTimes(options.out),
      ...(processes && io.spawnSelf ? { lanes: workerProcessLanes(io.spawnSelf, workerArgs(options, server)) } : {}),
      onProgress: progressPrinter(io.err),
      replayCommand: replayCommandOf(options, io),
      ...(oddsOptionsOf(options) ? { odds: oddsOptionsOf(options) } : {}),
    });
    const code = await finish(result, options, formats, io, catalog);
    if (options.spec.exportFormats.length > 0) await exportCounterexamples(server, counterexampleReplays(result), options, io);
    return code;
  } catch (e) {
    return reportError(inScenarioFile(e, catalog, io), io, debug);
  } finally {
    await server?.stop();
  }
}

/**
 * Matrix, reports, expected outcomes and exit code of a finished (or merged) run. The reports are
 * written whatever happened: cells that did not finish are marked in them, and the exit code says so (4).
 */
async function finish(run: RunResult, options: CliOptions, formats: readonly ReportFormat[], io: CliIo, catalog: ScenarioCatalog): Promise<number> {
  let result = run;
  let ablationError: unknown;
  try {
    if (options.ablation) result = { ...run, ablation: computeAblation(run, options.ablation) };
  } catch (e) {
    // The run's reports are still written; the missing table is the error reported below.
    ablationError = e;
  }
  io.out.write(`\n${renderMatrixTable(result)}\n`);
  if (result.ablation) io.out.write(`\n${renderAblationTable(result.ablation, result)}\n`);
  const written = await writeReports(result, formats, options.out);
  io.out.write(`\nReports: ${written.join(', ')}\n`);
  const incomplete = result.cells.filter((c) => c.incomplete !== undefined);
  // A cell that did not finish contradicts nothing: it is counted apart.
  // An ablation's reduced sets have no expectations worth gating: its verdict is the table.
  const gated = options.ablation ? result.cells.filter((c) => c.variant === options.ablation?.full) : result.cells;
  if (options.ablation && contradictedCount(gated) < contradictedCount(result.cells)) {
    io.out.write(`(the reduced sets' contradictions above are not gated: an ablation expects nothing of them)\n`);
  }
  const contradicted = contradictedCount(gated);
  io.out.write(
    `${result.totals.schedules} schedules in ${(result.totals.elapsedMs / 1000).toFixed(1)} s; ${contradicted} contradicted expectations${incomplete.length > 0 ? `; ${incomplete.length} cells did not finish` : ''}\n`,
  );
  const retried = result.cells.reduce((n, c) => n + (c.outcomes['connection-lost'] ?? 0), 0);
  if (retried > 0) io.err.write(`${retried} runs lost a database connection and were run again (see each cell's faults in results.json)\n`);
  const failure = result.failure;
  if (failure) {
    const internal = failure.code === 'E_INTERNAL';
    io.err.write(`${internal ? 'internal error' : `error ${failure.code}`}: ${failure.message}\n`);
    if (internal) io.err.write(options.debug && failure.stack ? `${failure.stack}\n` : '(run again with --debug for the stack trace; it is also in results.json)\n');
  }
  if (incomplete.length > 0) {
    io.err.write(`${incomplete.length} of ${result.cells.length} cells did not finish (marked in the reports):\n`);
    for (const c of incomplete) io.err.write(`  ${c.scenario} @ ${c.variant}: ${c.error ?? c.incomplete}\n`);
  }
  const differs = options.ablation ? result.ablation?.rows.some((r) => !r.necessary) === true : await expectedOutcomes(result, options, io, catalog);
  // A scenario whose own setup or check threw: reported against it; the other cells still ran.
  for (const c of result.cells) if (c.error !== undefined && c.incomplete === undefined) io.err.write(`error in ${c.scenario} @ ${c.variant}: ${c.error}\n`);
  if (failure?.code === 'E_INTERNAL') return 3;
  if (failure || incomplete.length > 0) return 4;
  if (ablationError !== undefined) return reportError(ablationError, io, options.debug);
  return options.ci && (contradicted > 0 || differs) ? 1 : 0;
}

function contradictedCount(cells: readonly RunResult['cells'][number][]): number {
  return cells.filter((c) => !c.agrees && c.incomplete === undefined).length;
}

/** Rewrites (`--update-expected`) or compares each scenario's expected-outcomes file; true when they differ. */
async function expectedOutcomes(result: RunResult, options: CliOptions, io: CliIo, catalog: ScenarioCatalog): Promise<boolean> {
  const files = new Map(catalog.scenarios.map((l) => [l.scenario.name, l.file]));
  if (options.updateExpected) {
    const paths = await updateExpected(result, files, io.cwd);
    io.out.write(`Expected outcomes written: ${paths.join(', ') || 'none'}\n`);
    return false;
  }
  const comparisons = await compareExpected(result, files, io.cwd);
  const lines = renderComparisons(comparisons);
  if (lines.length > 0) io.out.write(`\n${lines.join('\n')}\n`);
  return comparisons.some((c) => c.status === 'changed' || c.status === 'missing');
}

/** `10 layer sets`, or `their variants (12 cells)` when scenarios differ in what they run under. */
function layersText(options: CliOptions): string {
  const cells = matrixTasks(options.scenarios, options.layers).length;
  const perScenario = options.scenarios.length > 0 ? cells / options.scenarios.length : 0;
  if (options.scenarios.every((s) => s.plugin.variants(s, options.layers).length === perScenario)) return `${perScenario} ${perScenario === 1 ? 'variant' : 'layer sets'}`;
  return `their variants (${cells} cells)`;
}

/** The command that replays a counterexample: this program, the same scenario sources, `--replay`. */
function replayCommandOf(options: CliOptions, io: CliIo): (replay: string) => string {
  const sources = [...(options.config ? [`--config ${shellQuote(options.config)}`] : []), ...options.scenarioGlobs.map((g) => `--scenarios ${shellQuote(g)}`)];
  const prefix = [io.command ?? 'npm run scenarios --', ...sources].join(' ');
  return (replay) => `${prefix} --replay ${shellQuote(replay)}`;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A scenario's bad schema, named with the file that defines the scenario. */
function inScenarioFile(e: unknown, catalog: ScenarioCatalog, io: CliIo): unknown {
  if (!(e instanceof HarnessError) || e.code !== 'E_BAD_SCENARIO') return e;
  const name = /^scenario '([a-z0-9-]+)'/.exec(e.message)?.[1];
  const entry = catalog.scenarios.find((l) => l.scenario.name === name);
  return entry ? new HarnessError(e.code, `${shownPath(entry.file, io.cwd ?? process.cwd())}: ${e.message}`, { cause: e }) : e;
}

/** The flags a worker process needs: the run's, on the parent's server (it starts none of its own). */
function workerArgs(options: CliOptions, server: StartedPostgres): string[] {
  return [
    '--strategy', options.strategy,
    '--budget', String(options.budget),
    '--seed', String(options.seed),
    '--depth', String(options.depth),
    '--hang-timeout', String(options.hangTimeoutMs),
    '--reconnect-timeout', String(options.reconnectTimeoutMs),
    ...(options.exchange ? ['--exchange', options.exchange] : []),
    ...(options.preemptionBound === undefined ? [] : ['--preemption-bound', String(options.preemptionBound)]),
    ...(options.reduce ? [] : ['--no-reduce']),
    ...timingArgs(options),
    ...(options.config ? ['--config', options.config] : []),
    ...options.scenarioGlobs.flatMap((g) => ['--scenarios', g]),
    ...options.scenarios.flatMap((s) => ['--scenario', s.name]),
    ...(options.layers ?? []).flatMap((l) => ['--layers', l]),
    ...options.expectOverrides.flatMap((e) => ['--expect', `${e.scenario}@${e.layers}=${e.expect}`]),
    '--workers', '1',
    '--db', 'url',
    '--database-url', server.urlFor(server.maintenanceDatabase),
  ];
}

/** Cell times of the last run written to `out`, to run the longest cells first; none if unreadable. */
async function previousTimes(out: string): Promise<CellHistory | undefined> {
  try {
    const last = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as Partial<RunResult>;
    return new Map((last.cells ?? []).filter((c) => c.incomplete === undefined).map((c) => [cellKey(c.scenario, c.variant), c.elapsedMs]));
  } catch {
    return undefined;
  }
}

function reportError(e: unknown, io: CliIo, debug = false): number {
  if (isShuttingDown()) {
    io.err.write('interrupted: PostgreSQL stopped and its directory removed\n');
    return 130;
  }
  if (e instanceof HarnessError) {
    io.err.write(`error ${e.code}: ${e.message}\n`);
    return INPUT_ERROR_CODES.has(e.code) ? 2 : INFRASTRUCTURE_ERROR_CODES.has(e.code) ? 4 : 3;
  }
  const detail = e instanceof Error ? (debug ? (e.stack ?? e.message) : e.message) : String(e);
  io.err.write(`internal error: ${detail}\n${debug ? '' : '(run again with --debug for the stack trace)\n'}`);
  return 3;
}
