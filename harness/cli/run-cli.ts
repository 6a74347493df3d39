// The race command: flags → scenarios × variants on a real PostgreSQL → matrix, reports, replay
// commands, exit code. It gets argv, env and streams from main.ts, the only entry point.
// `--version` and `--help` answer before any scenario is loaded; what only some paths need (spec
// files, worker processes) is imported when they run.
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chooseProvider, isShuttingDown, type StartedPostgres } from '../db/index.ts';
import { HarnessError, INFRASTRUCTURE_ERROR_CODES, INPUT_ERROR_CODES } from '../errors/index.ts';
import type { PreparedSpecFile } from '../isolation/index.ts';
import { parseFormats, renderReplayText, writeReports, type ReportFormat } from '../report/index.ts';
import {
  cellKey,
  compareExpected,
  computeAblation,
  expectedPath,
  interruptedResult,
  matrixTasks,
  mergeRunResults,
  readExpected,
  renderComparisons,
  runMatrix,
  runReplay,
  updateExpected,
  type CellHistory,
  type CellResult,
  type MatrixOptions,
  type RunResult,
} from '../run/index.ts';
import { DEFAULT_REPORT_WORDS, loadRaceConfig, loadScenarioCatalog, reportWords, shownPath, type ScenarioBase, type ScenarioCatalog, type ScenarioMatch } from '../scenario/index.ts';
import { loadSqlParser } from '../footprint/index.ts';
import { formatReplayTarget } from '../sched/index.ts';
import { oddsOptionsOf, parseCliOptions, scenarioSources, strategyOptionsOf, type CliOptions } from './cli-options.ts';
import { pluginsInUse } from './cli-plugins.ts';
import { CORE_FLAGS } from './core-flags.ts';
import { parseSome } from './flag-table.ts';
import { helpCommand } from './help-command.ts';
import { noConfigWarning } from './no-config-warning.ts';
import { listing } from './help-text.ts';
import { ListingKeeper } from './list-command.ts';
import { onInterrupt } from './interrupt-reports.ts';
import { renderAblationTable, renderMatrixTable } from './matrix-table.ts';
import { assertWritableOutDir } from './out-dir.ts';
import { packageVersion } from './package-version.ts';
import { progressPrinter } from './progress.ts';
import { RunEstimate, durationText } from './run-estimate.ts';
import { colourWanted, paint } from './terminal-colour.ts';
import { QUEUE_WORKER_FLAG, type ParentChannel } from './worker-protocol.ts';
import type { KeptResources } from './resident/index.ts';

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
  /** The working directory: where race.config.ts is looked for (and above) and scenario globs start (default: process.cwd()). */
  readonly cwd?: string;
  /** How this command is invoked, for the replay commands it prints (default: `npm run scenarios --`). */
  readonly command?: string;
  /** Keep a `--list` answer in the project's cache (the compiled CLI; see list-command.ts). */
  readonly cacheAnswers?: boolean;
  /** In the resident process: the server given by URL and the spec databases, kept for the next command. */
  readonly keep?: KeptResources;
}

/** Flags read before the configuration and the scenarios are loaded. */
const EARLY_FLAGS = CORE_FLAGS.filter((f) => ['version', 'help', 'queue-worker', 'spec', 'list', 'stop-resident'].includes(f.name));

/** What an isolation spec run loads instead of the configuration and its scenarios: nothing. */
const NO_CATALOG: ScenarioCatalog = { scenarios: [], baseSchema: [], configFile: null, config: {}, defaultGlob: false };

export async function runCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: CliIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const early = parseSome(argv, EARLY_FLAGS);
  if (early['version'] === true) {
    io.out.write(`${packageVersion()}\n`);
    return 0;
  }
  if (early['stop-resident'] === true) return await stopResidentCommand(env, io);
  let catalog: ScenarioCatalog;
  // Set by the catalog's loading (a closure): an object, so the compiler does not take it for null.
  const listingKept: { keep: ((text: string) => void) | null } = { keep: null };
  let options: CliOptions;
  let formats: ReportFormat[];
  try {
    if (early['help'] === true) return await helpCommand(argv, cwd, io, { cache: false });
    const sources = scenarioSources(argv);
    // Spec files are the whole input of a spec run: the configuration's scenarios (and the loader
    // a TypeScript configuration needs) would only slow its start.
    const specRun = (early['spec'] as readonly string[]).length > 0;
    // The package's public entry, loaded before a user's TypeScript configuration registers tsx:
    // the configuration imports it, and modules first loaded through tsx's hooks cost several
    // times more. A spec run loads no configuration, and not the parts of the API it does not use;
    // nor does the CLI run from its sources, where every module comes through tsx anyway.
    if (!specRun && !import.meta.url.endsWith('.ts')) await import('../index.ts');
    // A listing the compiled CLI computes is kept (stamped before the files load) for the next `--list`.
    const keeper = early['list'] === true && io.cacheAnswers === true && !specRun ? await ListingKeeper.begin(argv, cwd) : null;
    const found = keeper ? async (match: ScenarioMatch) => void (listingKept.keep = await keeper.stampScenarioFiles(match)) : undefined;
    const where = { cwd, ...(sources.config ? { config: sources.config } : {}), scenarios: sources.scenarios };
    // Compiled, the project's files load as one kept bundle (no loader thread); from the sources, tsx is in place already.
    catalog = specRun ? NO_CATALOG : import.meta.url.endsWith('.ts') ? await loadScenarioCatalog(where, await loadRaceConfig(cwd, sources.config), found) : await (await import('./project-modules.ts')).loadProjectCatalog(where, found);
    if (catalog.defaultGlob && early['queue-worker'] !== true) {
      io.err.write(noConfigWarning(cwd));
    }
    options = await parseCliOptions(argv, env, { scenarios: catalog.scenarios, config: catalog.config, configFile: catalog.configFile });
    formats = parseFormats(options.formats);
  } catch (e) {
    return reportError(e, io);
  }
  if (options.list) {
    const text = `${listing(catalog.scenarios, pluginsInUse(catalog.config.plugins ?? [], catalog.scenarios.map((l) => l.scenario)))}\n`;
    io.out.write(text);
    listingKept.keep?.(text);
    return 0;
  }
  const debug = options.debug;
  let specs: { readonly specs: readonly PreparedSpecFile[]; readonly refused: HarnessError | null } | undefined;
  try {
    if (!options.replay && !options.command && !options.queueWorker) await assertWritableOutDir(options.out);
    // A corrupt expected-outcomes file is named now, not after the whole run.
    if (!options.replay && !options.command && !options.queueWorker && options.spec.files.length === 0) await checkExpectedFiles(options.scenarios, catalog);
    // Spec files are read and checked before PostgreSQL starts: a bad one costs no server.
    if (options.spec.files.length > 0 && !options.queueWorker) specs = await (await import('./spec-command.ts')).prepareSpecCommand(options, io);
  } catch (e) {
    return reportError(e, io, debug);
  }
  if (options.merge.length > 0) {
    try {
      return await finish(mergeRunResults(await readMergeFiles(options.merge), options.merge), options, formats, io, catalog, env);
    } catch (e) {
      return reportError(e, io, debug);
    }
  }
  let server: StartedPostgres | undefined;
  let kept: KeptResources | undefined;
  try {
    // Every run footprints its statements: the parser's WebAssembly loads while the server starts.
    void loadSqlParser().catch(() => undefined);
    const provider = chooseProvider({ db: options.db, databaseUrl: options.databaseUrl, env, notice: (line) => io.err.write(`${line}\n`) });
    // A server given by URL is only connected to: the resident keeps it while the same user reaches
    // it alike (the URL, libpq's variables, and HOME, where ~/.pgpass is).
    kept = io.keep && provider.kind === 'url' ? io.keep : undefined;
    server = kept ? await kept.server(JSON.stringify({ url: options.databaseUrl, libpq: Object.entries(env).filter(([k]) => k.startsWith('PG') || k === 'HOME').sort() }), () => provider.start()) : await provider.start();
    if (options.queueWorker) {
      if (!io.parent) throw new HarnessError('E_BAD_ARGUMENT', `${QUEUE_WORKER_FLAG} is for worker processes started by the harness itself`);
      const { runQueueWorker } = await import('./queue-worker.ts');
      return await runQueueWorker(options, server, io.parent, replayCommandOf(options, io));
    }
    if (specs) {
      const { runSpecCommand } = await import('./spec-command.ts');
      return await runSpecCommand(server, options, io, specs, env);
    }
    if (options.replay) {
      const [scenario] = options.scenarios;
      if (!scenario) throw new HarnessError('E_BAD_ARGUMENT', 'replay needs one scenario and one variant');
      const r = await runReplay(server, scenario, options.replay.layers, options.replay.schedule, { baseSchema: catalog.baseSchema, pluginOptions: options.pluginOptions });
      io.out.write(renderReplayText(r));
      if (options.spec.exportFormats.length > 0) {
        const { exportCounterexamples } = await import('./spec-command.ts');
        await exportCounterexamples(server, [formatReplayTarget(options.replay)], options, io, catalog);
      }
      return 0;
    }
    if (options.command) {
      const { plugin, command } = options.command;
      return await command.run({ server, variants: options.givenVariants, seed: options.seed, ci: options.ci, options: options.pluginOptions[plugin.name], out: io.out, err: io.err });
    }
    return await runMatrixCommand(server, options, formats, io, catalog, env);
  } catch (e) {
    return reportError(inScenarioFile(e, catalog, io), io, debug);
  } finally {
    if (!kept) await server?.stop();
  }
}

/** `--stop-resident`: every resident of this user drops its databases and ends. */
async function stopResidentCommand(env: Readonly<Record<string, string | undefined>>, io: CliIo): Promise<number> {
  const { residentDir, stopResidents } = await import('./resident/index.ts');
  const dir = residentDir(env);
  const pids = dir ? await stopResidents(dir) : [];
  io.out.write(pids.length === 0 ? 'no resident process was running\n' : `stopped the resident process${pids.length === 1 ? '' : 'es'} ${pids.join(', ')}; ${pids.length === 1 ? 'its' : 'their'} databases are dropped\n`);
  return 0;
}

/** The scenario matrix: the count and estimate, the run (reports of what finished if interrupted), the outcome. */
async function runMatrixCommand(server: StartedPostgres, options: CliOptions, formats: readonly ReportFormat[], io: CliIo, catalog: ScenarioCatalog, env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const processes = io.spawnSelf !== undefined && options.workers > 1;
  const tasks = matrixTasks(options.scenarios, options.variants).filter((_, i) => !options.shard || i % options.shard.n === options.shard.k - 1);
  const history = await previousTimes(options.out);
  const estimate = new RunEstimate(tasks.map((t) => cellKey(t.scenario.name, t.variant.id)), history, options.workers);
  const initial = estimate.initialMs();
  io.out.write(
    `Running ${countText(options, catalog)}${options.shard ? ` (shard ${options.shard.k}/${options.shard.n}: ${tasks.length} cells)` : ''}, strategy ${options.strategy}, budget ${options.budget}, ${options.workers} ${processes ? 'worker processes' : 'workers'}, on ${server.kind} PostgreSQL${initial !== undefined ? `; ${durationText(initial)} by the last run's times` : ''}\n`,
  );
  const finished: CellResult[] = [];
  const matrix: MatrixOptions = {
    scenarios: options.scenarios,
    ...(options.variants ? { layers: options.variants } : {}),
    baseSchema: catalog.baseSchema,
    strategy: options.strategy,
    strategyOptions: strategyOptionsOf(options),
    workers: options.workers,
    server,
    hangTimeoutMs: options.hangTimeoutMs,
    reconnectTimeoutMs: options.reconnectTimeoutMs,
    pluginOptions: options.pluginOptions,
    ...(options.shard ? { shard: options.shard } : {}),
    ...(history ? { history } : {}),
    ...(processes && io.spawnSelf ? { lanes: (await import('./worker-lane.ts')).workerProcessLanes(io.spawnSelf, workerArgs(options, server)) } : {}),
    onProgress: progressPrinter(io.err, { colour: colourWanted(io.err, env), estimate, onCell: (e) => finished.push(e.cell) }),
    replayCommand: replayCommandOf(options, io),
    ...(oddsOptionsOf(options) ? { odds: oddsOptionsOf(options) } : {}),
  };
  const startedAt = new Date();
  const stopWatching = onInterrupt(async (signal) => {
    const done = [...finished];
    const result = interruptedResult(matrix, done, startedAt, `interrupted by ${signal} after ${done.length} of ${tasks.length} cells`);
    const written = await writeReports(result, formats, options.out);
    io.err.write(`\ninterrupted (${signal}): the ${done.length} cells that finished are in ${written.join(', ')}; ${tasks.length - done.length} cells were not run\n`);
  });
  let result: RunResult;
  try {
    result = await runMatrix(matrix);
  } finally {
    stopWatching();
  }
  const code = await finish(result, options, formats, io, catalog, env);
  if (options.spec.exportFormats.length > 0) {
    const { counterexampleReplays, exportCounterexamples } = await import('./spec-command.ts');
    await exportCounterexamples(server, counterexampleReplays(result), options, io, catalog);
  }
  return code;
}

/**
 * Matrix, reports, expected outcomes and exit code of a finished (or merged) run. The reports are
 * written whatever happened: cells that did not finish are marked in them, and the exit code says so (4).
 */
async function finish(run: RunResult, options: CliOptions, formats: readonly ReportFormat[], io: CliIo, catalog: ScenarioCatalog, env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const p = paint(colourWanted(io.out, env));
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
  const errored = gated.filter((c) => c.error !== undefined && c.incomplete === undefined).length;
  const summary = `${result.totals.schedules} schedules in ${(result.totals.elapsedMs / 1000).toFixed(1)} s; ${contradicted} contradicted expectations${incomplete.length > 0 ? `; ${incomplete.length} cells did not finish` : ''}`;
  io.out.write(`${contradicted > 0 || incomplete.length > 0 ? p.red(summary) : p.green(summary)}\n`);
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
  // As a test runner does: a contradicted expectation or a cell that errored fails the run; --ci adds the files.
  if (contradicted > 0 || errored > 0) return 1;
  return options.ci && differs ? 1 : 0;
}

function contradictedCount(cells: readonly RunResult['cells'][number][]): number {
  return cells.filter((c) => !c.agrees && c.incomplete === undefined).length;
}

/** `4 scenarios × 3 layer sets = 12 cells (the configuration's default run; --all: 306 cells)`. */
function countText(options: CliOptions, catalog: ScenarioCatalog): string {
  const cells = matrixTasks(options.scenarios, options.variants).length;
  const n = options.scenarios.length;
  const perScenario = n > 0 ? cells / n : 0;
  const same = options.scenarios.every((s) => s.plugin.variants(s, options.variants).length === perScenario);
  // The plugin's words for its variants (the bot: layer sets) when every scenario has the same plugin.
  const plugins = new Set(options.scenarios.map((s) => s.plugin));
  const words = plugins.size === 1 ? reportWords([...plugins][0]?.words) : DEFAULT_REPORT_WORDS;
  const variants = same ? `${perScenario} ${perScenario === 1 ? words.variant : words.variants}` : 'their variants';
  let text = `${n} scenario${n === 1 ? '' : 's'} × ${variants} = ${cells} cell${cells === 1 ? '' : 's'}`;
  if (options.defaultRun) {
    const all = matrixTasks(catalog.scenarios.map((l) => l.scenario), undefined).length;
    if (all > cells) text += ` (the configuration's default run; --all runs all ${all})`;
  }
  return text;
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
  // The default run's search is the configuration's: files recorded with another one are stale
  // (a changed defaultRun, or a variant re-recorded by hand), not a run that chose another search.
  const stale = options.defaultSearch ? comparisons.filter((c) => c.status === 'not-compared' && c.recordedSearch !== undefined) : [];
  if (stale.length > 0) io.out.write(`The default run's search differs from what its expected outcomes were recorded with (${stale.map((c) => `${c.scenario} @ ${c.variant}`).join(', ')}): record them again with --update-expected\n`);
  return stale.length > 0 || comparisons.some((c) => c.status === 'changed' || c.status === 'missing');
}

/** Reads the expected-outcomes file of every scenario in the run: a corrupt one is bad input, named. */
async function checkExpectedFiles(scenarios: readonly ScenarioBase[], catalog: ScenarioCatalog): Promise<void> {
  const files = new Map(catalog.scenarios.map((l) => [l.scenario.name, l.file]));
  for (const s of scenarios) {
    const file = files.get(s.name);
    if (file) await readExpected(expectedPath(file, s.name));
  }
}

/** The shards' results.json files; one that cannot be read or is not a results.json is named. */
async function readMergeFiles(paths: readonly string[]): Promise<RunResult[]> {
  return Promise.all(
    paths.map(async (path) => {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        throw new HarnessError('E_BAD_ARGUMENT', `--merge ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new HarnessError('E_BAD_ARGUMENT', `--merge ${path}: not JSON (${(e as Error).message}); give the results.json files the shards wrote`);
      }
      const r = parsed as Partial<RunResult> | null;
      if (typeof r !== 'object' || r === null || !Array.isArray(r.cells) || typeof r.options !== 'object' || !Array.isArray(r.scenarios)) {
        throw new HarnessError('E_BAD_ARGUMENT', `--merge ${path}: not a results.json of a run (no cells, options and scenarios); give the results.json files the shards wrote`);
      }
      return r as RunResult;
    }),
  );
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
    ...(options.preemptionBound === undefined ? [] : ['--preemption-bound', String(options.preemptionBound)]),
    ...(options.reduce ? [] : ['--no-reduce']),
    ...(options.oddsRuns === null ? ['--no-odds'] : ['--odds-runs', String(options.oddsRuns)]),
    ...options.pluginArgs,
    ...(options.config ? ['--config', options.config] : []),
    ...options.scenarioGlobs.flatMap((g) => ['--scenarios', g]),
    ...options.scenarios.flatMap((s) => ['--scenario', s.name]),
    ...(options.variants ?? []).flatMap((v) => ['--variant', v]),
    ...options.expectOverrides.flatMap((e) => ['--expect', `${e.scenario}@${e.variant}=${e.expect}`]),
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
