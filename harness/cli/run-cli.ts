// The scenarios command: flags → scenarios × layer sets on a real PostgreSQL → matrix, reports,
// replay commands, exit code. It gets argv, env and streams from main.ts, the only entry point.
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chooseProvider, isShuttingDown, type StartedPostgres } from '../db/index.ts';
import { HarnessError, INFRASTRUCTURE_ERROR_CODES, INPUT_ERROR_CODES } from '../errors/index.ts';
import { parseFormats, writeReports, type ReportFormat } from '../report/index.ts';
import { runPropertyCli } from '../prop/index.ts';
import { cellKey, mergeRunResults, runMatrix, runReplay, type CellHistory, type RunResult } from '../run/index.ts';
import { formatReplayTarget } from '../sched/index.ts';
import { listing, parseCliOptions, strategyOptionsOf, USAGE, type CliOptions } from './cli-options.ts';
import { renderMatrixTable } from './matrix-table.ts';
import { progressPrinter } from './progress.ts';
import { assertWritableOutDir } from './out-dir.ts';
import { runQueueWorker } from './queue-worker.ts';
import { workerProcessLanes } from './worker-lane.ts';
import { QUEUE_WORKER_FLAG, type ParentChannel } from './worker-protocol.ts';
import { renderTrace } from './trace-table.ts';
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
}

export async function runCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliIo): Promise<number> {
  let options: CliOptions;
  let formats;
  try {
    options = parseCliOptions(argv, env);
    formats = parseFormats(options.formats);
  } catch (e) {
    return reportError(e, io);
  }
  if (options.help) {
    io.out.write(`${USAGE}\n`);
    return 0;
  }
  if (options.list) {
    io.out.write(`${listing()}\n`);
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
      return await finish(mergeRunResults(parts), options, formats, io);
    } catch (e) {
      if (e instanceof SyntaxError || (e as NodeJS.ErrnoException).code === 'ENOENT') {
        return reportError(new HarnessError('E_BAD_ARGUMENT', `--merge: ${(e as Error).message}`), io, debug);
      }
      return reportError(e, io, debug);
    }
  }
  let server: StartedPostgres | undefined;
  try {
    server = await chooseProvider({ db: options.db, databaseUrl: options.databaseUrl }).start();
    if (options.queueWorker) {
      if (!io.parent) throw new HarnessError('E_BAD_ARGUMENT', `${QUEUE_WORKER_FLAG} is for worker processes started by the harness itself`);
      return await runQueueWorker(options, server, io.parent);
    }
    if (options.spec.files.length > 0) return await runSpecCommand(server, options, io);
    if (options.replay) {
      const [scenario] = options.scenarios;
      const [layerSet] = options.layerSets;
      if (!scenario || !layerSet) throw new HarnessError('E_BAD_ARGUMENT', 'replay needs one scenario and one layer set');
      const r = await runReplay(server, scenario, layerSet, options.replay.schedule, undefined, options.exchange);
      io.out.write(renderTrace(r));
      if (options.spec.exportFormats.length > 0) await exportCounterexamples(server, [formatReplayTarget(options.replay)], options, io);
      return 0;
    }
    if (options.property) {
      return await runPropertyCli(server, options, io);
    }
    const processes = io.spawnSelf !== undefined && options.workers > 1;
    io.out.write(
      `Running ${options.scenarios.length} scenarios × ${options.layerSets.length} layer sets${options.shard ? ` (shard ${options.shard.k}/${options.shard.n})` : ''}, strategy ${options.strategy}, budget ${options.budget}, ${options.workers} ${processes ? 'worker processes' : 'workers'}, on ${server.kind} PostgreSQL\n`,
    );
    const result = await runMatrix({
      scenarios: options.scenarios,
      layerSets: options.layerSets,
      strategy: options.strategy,
      strategyOptions: strategyOptionsOf(options),
      workers: options.workers,
      server,
      hangTimeoutMs: options.hangTimeoutMs,
      reconnectTimeoutMs: options.reconnectTimeoutMs,
      ...(options.exchange ? { exchange: options.exchange } : {}),
      ...(options.shard ? { shard: options.shard } : {}),
      history: await previousTimes(options.out),
      ...(processes && io.spawnSelf ? { lanes: workerProcessLanes(io.spawnSelf, workerArgs(options, server)) } : {}),
      onProgress: progressPrinter(io.err),
    });
    const code = await finish(result, options, formats, io);
    if (options.spec.exportFormats.length > 0) await exportCounterexamples(server, counterexampleReplays(result), options, io);
    return code;
  } catch (e) {
    return reportError(e, io, debug);
  } finally {
    await server?.stop();
  }
}

/**
 * Matrix, reports and exit code of a finished (or merged) run. The reports are written whatever
 * happened: cells that did not finish are marked in them, and the exit code says so (4).
 */
async function finish(result: RunResult, options: CliOptions, formats: readonly ReportFormat[], io: CliIo): Promise<number> {
  io.out.write(`\n${renderMatrixTable(result)}\n`);
  const written = await writeReports(result, formats, options.out);
  io.out.write(`\nReports: ${written.join(', ')}\n`);
  const incomplete = result.cells.filter((c) => c.incomplete !== undefined);
  // A cell that did not finish contradicts nothing: it is counted apart.
  const contradicted = result.cells.filter((c) => !c.agrees && c.incomplete === undefined).length;
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
    for (const c of incomplete) io.err.write(`  ${c.scenario} @ ${c.layers}: ${c.error ?? c.incomplete}\n`);
  }
  if (failure?.code === 'E_INTERNAL') return 3;
  if (failure || incomplete.length > 0) return 4;
  return options.ci && contradicted > 0 ? 1 : 0;
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
    ...options.scenarios.flatMap((s) => ['--scenario', s.name]),
    ...options.layerSets.flatMap((l) => ['--layers', l.id]),
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
    return new Map((last.cells ?? []).filter((c) => c.incomplete === undefined).map((c) => [cellKey(c.scenario, c.layers), c.elapsedMs]));
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
