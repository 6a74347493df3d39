// The scenarios command: flags → scenarios × layer sets on a real PostgreSQL → matrix, reports,
// replay commands, exit code. It gets argv, env and streams from main.ts, the only entry point.
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseProvider, isShuttingDown, registerCleanup, type StartedPostgres } from '../db/index.ts';
import { HarnessError, INPUT_ERROR_CODES } from '../errors/index.ts';
import { parseFormats, renderReplayText, writeReports, type ReportFormat } from '../report/index.ts';
import { runPropertyCli } from '../prop/index.ts';
import { compareExpected, matrixTasks, mergeRunResults, renderComparisons, runMatrix, runReplay, updateExpected, type RunResult } from '../run/index.ts';
import { loadScenarioCatalog, shownPath, type ScenarioCatalog } from '../scenario/index.ts';
import { listing, parseCliOptions, scenarioSources, USAGE, type CliOptions } from './cli-options.ts';
import { renderMatrixTable } from './matrix-table.ts';
import { progressPrinter } from './progress.ts';

export interface CliIo {
  readonly out: NodeJS.WriteStream;
  readonly err: NodeJS.WriteStream;
  /**
   * Starts this command again in a child process (main.ts provides it). With it, `--workers N`
   * runs N processes, one shard each, so the cells really use N cores; without it (tests, in
   * process), workers are concurrent cells on one event loop.
   */
  readonly spawnSelf?: (args: readonly string[]) => ChildProcess;
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
  if (options.merge.length > 0) {
    try {
      const parts = await Promise.all(options.merge.map(async (f) => JSON.parse(await readFile(f, 'utf8')) as RunResult));
      return await finish(mergeRunResults(parts), options, formats, io, catalog);
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
      if (!scenario) throw new HarnessError('E_BAD_ARGUMENT', 'replay needs one scenario and one layer set');
      const r = await runReplay(server, scenario, options.replay.layers, options.replay.schedule, catalog.baseSchema);
      io.out.write(renderReplayText(r));
      return 0;
    }
    if (options.property) {
      return await runPropertyCli(server, options, io);
    }
    const processes = io.spawnSelf && options.workers > 1 && !options.shard;
    io.out.write(
      `Running ${options.scenarios.length} scenario${options.scenarios.length === 1 ? '' : 's'} × ${layersText(options)}, strategy ${options.strategy}, budget ${options.budget}, ${options.workers} ${processes ? 'worker processes' : 'workers'}, on ${server.kind} PostgreSQL\n`,
    );
    if (processes && io.spawnSelf) {
      return await finish(await runInProcesses(options, server, io.spawnSelf), options, formats, io, catalog);
    }
    const result = await runMatrix({
      scenarios: options.scenarios,
      ...(options.layers ? { layers: options.layers } : {}),
      baseSchema: catalog.baseSchema,
      strategy: options.strategy,
      strategyOptions: {
        budget: options.budget,
        seed: options.seed,
        depth: options.depth,
        reduce: options.reduce,
        ...(options.preemptionBound === undefined ? {} : { preemptionBound: options.preemptionBound }),
      },
      workers: options.workers,
      server,
      hangTimeoutMs: options.hangTimeoutMs,
      ...(options.shard ? { shard: options.shard } : {}),
      onProgress: progressPrinter(io.err),
      replayCommand: replayCommandOf(options, io),
    });
    return await finish(result, options, formats, io, catalog);
  } catch (e) {
    return reportError(inScenarioFile(e, catalog, io), io);
  } finally {
    await server?.stop();
  }
}

/** Matrix, reports, expected outcomes and exit code of a finished (or merged) run. */
async function finish(result: RunResult, options: CliOptions, formats: readonly ReportFormat[], io: CliIo, catalog: ScenarioCatalog): Promise<number> {
  io.out.write(`\n${renderMatrixTable(result)}\n`);
  const written = await writeReports(result, formats, options.out);
  io.out.write(`\nReports: ${written.join(', ')}\n`);
  io.out.write(`${result.totals.schedules} schedules in ${(result.totals.elapsedMs / 1000).toFixed(1)} s; ${result.totals.disagreements} contradicted expectations\n`);
  const files = new Map(catalog.scenarios.map((l) => [l.scenario.name, l.file]));
  let differs = false;
  if (options.updateExpected) {
    const paths = await updateExpected(result, files, io.cwd);
    io.out.write(`Expected outcomes written: ${paths.join(', ') || 'none'}\n`);
  } else {
    const comparisons = await compareExpected(result, files, io.cwd);
    const lines = renderComparisons(comparisons);
    if (lines.length > 0) io.out.write(`\n${lines.join('\n')}\n`);
    differs = comparisons.some((c) => c.status === 'changed' || c.status === 'missing');
  }
  const errors = result.cells.filter((c) => c.error !== undefined && c.error !== '');
  for (const c of errors) io.err.write(`error in ${c.scenario} @ ${c.layers}: ${c.error}\n`);
  // A scenario whose setup or check threw counts as contradicted; the other cells still ran.
  return options.ci && (result.totals.disagreements > 0 || differs) ? 1 : 0;
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
      ...(options.config ? ['--config', options.config] : []),
      ...options.scenarioGlobs.flatMap((g) => ['--scenarios', g]),
      ...options.scenarios.flatMap((s) => ['--scenario', s.name]),
      ...(options.layers ?? []).flatMap((l) => ['--layers', l]),
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

/** A scenario's bad schema, named with the file that defines the scenario. */
function inScenarioFile(e: unknown, catalog: ScenarioCatalog, io: CliIo): unknown {
  if (!(e instanceof HarnessError) || e.code !== 'E_BAD_SCENARIO') return e;
  const name = /^scenario '([a-z0-9-]+)'/.exec(e.message)?.[1];
  const entry = catalog.scenarios.find((l) => l.scenario.name === name);
  return entry ? new HarnessError(e.code, `${shownPath(entry.file, io.cwd ?? process.cwd())}: ${e.message}`, { cause: e }) : e;
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
