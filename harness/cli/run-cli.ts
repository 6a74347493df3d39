// The scenarios command: flags → scenarios × layer sets on a real PostgreSQL → matrix, reports,
// replay commands, exit code. It gets argv, env and streams from main.ts, the only entry point.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseProvider, isShuttingDown, registerCleanup, type StartedPostgres } from '../db/index.ts';
import { HarnessError, INPUT_ERROR_CODES } from '../errors/index.ts';
import { parseFormats, writeReports, type ReportFormat } from '../report/index.ts';
import { runPropertyCli } from '../prop/index.ts';
import { computeAblation, mergeRunResults, runMatrix, runReplay, type RunResult } from '../run/index.ts';
import { TIMING_PARAMETERS } from '../sched/index.ts';
import { listing, parseCliOptions, USAGE, type CliOptions } from './cli-options.ts';
import { renderAblationTable, renderMatrixTable } from './matrix-table.ts';
import { progressPrinter } from './progress.ts';
import { renderTrace } from './trace-table.ts';

export interface CliIo {
  readonly out: NodeJS.WriteStream;
  readonly err: NodeJS.WriteStream;
  /**
   * Starts this command again in a child process (main.ts provides it). With it, `--workers N`
   * runs N processes, one shard each, so the cells really use N cores; without it (tests, in
   * process), workers are concurrent cells on one event loop.
   */
  readonly spawnSelf?: (args: readonly string[]) => ChildProcess;
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
  if (options.merge.length > 0) {
    try {
      const parts = await Promise.all(options.merge.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as RunResult));
      return await finish(mergeRunResults(parts), options, formats, io);
    } catch (e) {
      if (e instanceof SyntaxError || (e as NodeJS.ErrnoException).code === 'ENOENT') {
        return reportError(new HarnessError('E_BAD_ARGUMENT', `--merge: ${(e as Error).message}`), io);
      }
      return reportError(e, io);
    }
  }
  let server: StartedPostgres | undefined;
  try {
    server = await chooseProvider({ db: options.db, databaseUrl: options.databaseUrl }).start();
    if (options.replay) {
      const [scenario] = options.scenarios;
      const [layerSet] = options.layerSets;
      if (!scenario || !layerSet) throw new HarnessError('E_BAD_ARGUMENT', 'replay needs one scenario and one layer set');
      const r = await runReplay(server, scenario, layerSet, options.replay.schedule);
      io.out.write(renderTrace(r));
      return 0;
    }
    if (options.property) {
      return await runPropertyCli(server, options, io);
    }
    const processes = io.spawnSelf && options.workers > 1 && !options.shard;
    io.out.write(
      `Running ${options.scenarios.length} scenarios × ${options.layerSets.length} layer sets, strategy ${options.strategy}, budget ${options.budget}, ${options.workers} ${processes ? 'worker processes' : 'workers'}, on ${server.kind} PostgreSQL\n`,
    );
    if (processes && io.spawnSelf) {
      return await finish(await runInProcesses(options, server, io.spawnSelf), options, formats, io);
    }
    const result = await runMatrix({
      scenarios: options.scenarios,
      layerSets: options.layerSets,
      strategy: options.strategy,
      strategyOptions: {
        budget: options.budget,
        seed: options.seed,
        depth: options.depth,
        reduce: options.reduce,
        ...(options.preemptionBound === undefined ? {} : { preemptionBound: options.preemptionBound }),
        timing: options.timing,
      },
      workers: options.workers,
      server,
      hangTimeoutMs: options.hangTimeoutMs,
      ...(options.oddsRuns === null ? {} : { odds: { runs: options.oddsRuns, seed: options.seed, timing: options.timing } }),
      ...(options.shard ? { shard: options.shard } : {}),
      onProgress: progressPrinter(io.err),
    });
    return await finish(result, options, formats, io);
  } catch (e) {
    return reportError(e, io);
  } finally {
    await server?.stop();
  }
}

/** Matrix, reports and exit code of a finished (or merged) run. */
async function finish(run: RunResult, options: CliOptions, formats: readonly ReportFormat[], io: CliIo): Promise<number> {
  const result = options.ablation ? { ...run, ablation: computeAblation(run, options.ablation) } : run;
  io.out.write(`\n${renderMatrixTable(result)}\n`);
  if (result.ablation) io.out.write(`\n${renderAblationTable(result.ablation)}\n`);
  const written = await writeReports(result, formats, options.out);
  io.out.write(`\nReports: ${written.join(', ')}\n`);
  io.out.write(`${result.totals.schedules} schedules in ${(result.totals.elapsedMs / 1000).toFixed(1)} s; ${result.totals.disagreements} contradicted expectations\n`);
  if (result.ablation) {
    // An ablation's reduced sets have no expectations worth gating; its verdict is the table.
    const full = result.cells.filter((c) => c.layers === result.ablation?.set);
    const failed = full.some((c) => !c.agrees) || result.ablation.rows.some((r) => !r.necessary);
    return options.ci && failed ? 1 : 0;
  }
  return options.ci && result.totals.disagreements > 0 ? 1 : 0;
}

/** One child process per shard on the same server; their results.json merged. */
async function runInProcesses(options: CliOptions, server: StartedPostgres, spawnSelf: NonNullable<CliIo['spawnSelf']>): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'prh-shards-'));
  const removeDir = registerCleanup(
    () => rm(dir, { recursive: true, force: true }),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  try {
    const n = options.workers;
    const common = [
      '--strategy', options.strategy,
      '--budget', String(options.budget),
      '--seed', String(options.seed),
      '--depth', String(options.depth),
      '--hang-timeout', String(options.hangTimeoutMs),
      ...(options.preemptionBound === undefined ? [] : ['--preemption-bound', String(options.preemptionBound)]),
      ...(options.reduce ? [] : ['--no-reduce']),
      ...(options.oddsRuns === null ? ['--no-odds'] : ['--odds', '--odds-runs', String(options.oddsRuns)]),
      ...TIMING_PARAMETERS.flatMap((p) => [`--${p.flag}`, String(options.timing[p.field])]),
      ...options.scenarios.flatMap((s) => ['--scenario', s.name]),
      ...options.layerSets.flatMap((l) => ['--layers', l.id]),
      ...options.expectOverrides.flatMap((e) => ['--expect', `${e.scenario}@${e.layers}=${e.expect}`]),
      '--workers', '1',
      '--format', 'json',
      '--db', 'url',
      '--database-url', server.urlFor(server.maintenanceDatabase),
    ];
    const outs = Array.from({ length: n }, (_, i) => join(dir, `shard-${i + 1}`));
    const codes = await Promise.all(
      outs.map(
        (out, i) =>
          new Promise<number | null>((resolve, reject) => {
            const child = spawnSelf([...common, '--shard', `${i + 1}/${n}`, '--out', out]);
            const exited = new Promise<void>((done) => child.once('exit', () => done()));
            // Ctrl-C or a crash of this process stops the workers too.
            const unregister = registerCleanup(
              async () => {
                child.kill('SIGINT');
                await exited;
              },
              () => child.kill('SIGKILL'),
            );
            child.once('error', reject);
            child.once('exit', (code) => {
              unregister();
              resolve(code);
            });
          }),
      ),
    );
    const failed = codes.findIndex((c) => c !== 0);
    if (failed >= 0) throw new Error(`worker process ${failed + 1} of ${n} exited with ${String(codes[failed])}`);
    const parts = await Promise.all(outs.map(async (out) => JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult));
    return mergeRunResults(parts);
  } finally {
    removeDir();
    await rm(dir, { recursive: true, force: true });
  }
}

function reportError(e: unknown, io: CliIo): number {
  if (isShuttingDown()) {
    io.err.write('interrupted: PostgreSQL stopped and its directory removed\n');
    return 130;
  }
  if (e instanceof HarnessError) {
    io.err.write(`error ${e.code}: ${e.message}\n`);
    return INPUT_ERROR_CODES.has(e.code) ? 2 : 3;
  }
  io.err.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 3;
}
