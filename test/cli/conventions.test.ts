// The conventions of a command-line tool, through the real `race` bin: --version, --help and
// --list without a database and without the bot's words in a project that does not use it,
// race.config.ts found from a subfolder (and a warning when there is none), a hint for a package
// that is not an ES module package, the configuration's default run and --all, exit 1 on a cell
// that errored, and colour only where it is wanted.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../harness/cli/run-cli.ts';
import type { RunResult } from '../../harness/run/index.ts';
import { fakeStream } from '../support/fake-stream.ts';

const REPO = resolve('.');
/** What a user's --help and --list must not say (issue 22): the trading bot's words. */
const BOT_WORDS = /position|layer|fix plan|effectiveness|signal|sync|settlement|exchange/i;
/** Nothing listens there: a command that touched the database would fail. */
const NO_DATABASE = 'postgresql://nobody@127.0.0.1:1/none';

function race(args: readonly string[], cwd: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(REPO, 'bin', 'race.mjs'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: NO_DATABASE, NO_COLOR: '1', ...env },
    timeout: 120_000,
  });
}

let tmp: string;
/** A project that installed the harness (linked into node_modules); `type` is its package.json's. */
async function project(name: string, files: Record<string, string>, type: 'module' | 'commonjs' = 'module'): Promise<string> {
  const dir = join(tmp, name);
  await mkdir(join(dir, 'node_modules'), { recursive: true });
  await symlink(REPO, join(dir, 'node_modules', 'position-race-harness'), 'dir');
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, private: true, ...(type === 'module' ? { type } : {}) }));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

const RACE = (name: string, expect = '') => `import { defineScenario, sqlActor } from 'position-race-harness';
export const s = defineScenario({ name: '${name}', schema: 'CREATE TABLE t (id int PRIMARY KEY, n int)', setup: ({ sql }) => sql('INSERT INTO t VALUES (1, 0)'), actors: ['a', 'b'].map((w) => sqlActor(w, ['UPDATE t SET n = n + 1 WHERE id = 1'])) ${expect} });
`;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'prh-conventions-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('--version, --help and --list answer without a database', () => {
  it('--version prints the package version, wherever it runs', () => {
    const r = race(['--version'], tmp);
    expect(r.status, r.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string };
    expect(r.stdout).toBe(`${pkg.name} ${pkg.version}\n`);
  });

  it('in a project without the bot (examples/), --help and --list name none of its words or flags', () => {
    const help = race(['--help'], join(REPO, 'examples'));
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: race [options]');
    expect(help.stdout).toContain('--variant <id>');
    for (const flag of ['--layers', '--exchange', '--property', '--ablation', '--odds', '--sync-interval']) expect(help.stdout).not.toContain(flag);
    expect(help.stdout).not.toMatch(BOT_WORDS);
    const list = race(['--list'], join(REPO, 'examples'));
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toContain('wallet-buggy');
    expect(list.stdout).toContain('Strategies:');
    expect(list.stdout).not.toMatch(BOT_WORDS);
    expect(list.stderr).toBe('');
  });
});

describe('race.config.ts is looked for upward, as vitest does', () => {
  it('from a subfolder of the project, its configuration is found and used', async () => {
    const dir = await project('upward', {
      'race.config.ts': `import { defineConfig } from 'position-race-harness';\nexport default defineConfig({ scenarios: ['races/*.race.ts'] });\n`,
      'races/app.race.ts': RACE('app-race'),
      'races/deeper/note.txt': '',
    });
    const r = race(['--list'], join(dir, 'races', 'deeper'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('app-race');
    expect(r.stderr).toBe('');
  });

  it('without one, the default glob is used and a warning on stderr says so', async () => {
    const dir = await project('no-config', { 'a.race.ts': RACE('a-race') });
    const r = race(['--list'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('a-race');
    expect(r.stderr).toContain(`warning: no race.config.ts (or .mts, .js, .mjs) in ${dir} or a directory above it; running the **/*.race.ts files under ${dir}`);
  });

  it('a scenario file in a package that is not "type": "module" fails with what to do', async () => {
    const dir = await project('commonjs', { 'a.race.ts': RACE('a-race') }, 'commonjs');
    const r = race(['--list'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('a.race.ts: cannot load it');
    expect(r.stderr).toContain('hint: this file is loaded as CommonJS because its package is not an ES module package; add "type": "module" to package.json, or rename the file to end in .mts');
  });
});

interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function cli(argv: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  const out = fakeStream();
  const err = fakeStream();
  const code = await runCli(['--format', 'json', ...argv], { DATABASE_URL: inject('pgAdminUrl'), ...env }, { out: out.stream, err: err.stream, cwd });
  return { code, out: out.text(), err: err.text() };
}

describe('a run', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await project('runs', {
      'race.config.ts': `import { defineConfig } from 'position-race-harness';\nexport default defineConfig({ scenarios: ['*.race.ts'], defaultRun: { scenarios: ['quick-one'] } });\n`,
      'quick.race.ts': RACE('quick-one'),
      'other.race.ts': RACE('other-one'),
      'throws.race.ts': `import { defineScenario, sqlActor } from 'position-race-harness';\nexport const s = defineScenario({ name: 'setup-throws', setup: () => { throw new Error('no data today'); }, actors: [sqlActor('a', ['SELECT 1'])] });\n`,
    });
  });

  it("runs the configuration's default run, says so, and --all runs every scenario", async () => {
    const first = await cli(['--out', join(dir, 'first')], dir);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain("Running 1 scenario × 1 variant = 1 cell (the configuration's default run; --all runs all 3)");
    const all = await cli(['--all', '--out', join(dir, 'all')], dir);
    const result = JSON.parse(await readFile(join(dir, 'all', 'results.json'), 'utf8')) as RunResult;
    expect(result.cells.map((c) => c.scenario).sort()).toEqual(['other-one', 'quick-one', 'setup-throws']);
    // A cell whose setup threw fails the run without --ci, as a failing test fails a test run.
    expect(all.code).toBe(1);
    expect(all.err).toContain("error in setup-throws @ default: the setup of scenario 'setup-throws' threw: no data today");
  });

  it("the default run's budget applies to it alone: --budget replaces it, a bad one is the configuration's mistake", async () => {
    const budgeted = await project('budgeted', {
      'race.config.ts': `import { defineConfig } from 'position-race-harness';\nexport default defineConfig({ scenarios: ['*.race.ts'], defaultRun: { budget: 1 } });\n`,
      'quick.race.ts': RACE('quick-one'),
    });
    const schedules = async (out: string) => (JSON.parse(await readFile(join(budgeted, out, 'results.json'), 'utf8')) as RunResult).cells.map((c) => c.schedules);
    const byDefault = await cli(['--out', join(budgeted, 'default')], budgeted);
    expect(byDefault.out).toContain('budget 1,');
    expect(await schedules('default')).toEqual([1]);
    // A search the budget cut is never taken as holding: the run fails, saying so.
    expect(byDefault.code).toBe(1);
    expect(byDefault.err).toContain('quick-one @ default: inconclusive — 1 interleaving (exhaustive, budget reached before the end)');
    const given = await cli(['--budget', '50', '--out', join(budgeted, 'given')], budgeted);
    expect(given.code, given.err).toBe(0);
    expect(await schedules('given')).toEqual([2]);
    const named = await cli(['--scenario', 'quick-one', '--out', join(budgeted, 'named')], budgeted);
    expect(named.out).toContain('budget 5000,');

    await writeFile(join(budgeted, 'bad.config.ts'), `export default { scenarios: ['*.race.ts'], defaultRun: { budget: 0 } };\n`);
    const bad = await cli(['--config', 'bad.config.ts', '--out', join(budgeted, 'bad')], budgeted, { DATABASE_URL: NO_DATABASE });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('defaultRun must look like');
  });

  it("--ci on the default run fails when its expected outcomes were recorded with another search; a run that chose its own is not compared", async () => {
    const config = (budget: number) => `export default { scenarios: ['*.race.ts'], defaultRun: { budget: ${budget} } };\n`;
    const recorded = await project('recorded', { 'race.config.ts': config(10), 'other.config.ts': config(20), 'quick.race.ts': RACE('quick-one') });
    const record = await cli(['--update-expected', '--out', join(recorded, 'a')], recorded);
    expect(record.code, record.err).toBe(0);
    const same = await cli(['--ci', '--out', join(recorded, 'b')], recorded);
    expect(same.code, same.out + same.err).toBe(0);
    expect(same.out).toContain('Expected outcomes: 1 same, 0 changed, 0 missing, 0 not compared');
    // A run that chose its own search is not held to files recorded with another.
    const chosen = await cli(['--ci', '--budget', '50', '--out', join(recorded, 'c')], recorded);
    expect(chosen.code, chosen.out + chosen.err).toBe(0);
    expect(chosen.out).toContain('quick-one @ default: not compared (recorded with exhaustive, budget 10, this run: exhaustive, budget 50)');
    // The configuration's default run changed its budget: its files are stale.
    const stale = await cli(['--ci', '--config', 'other.config.ts', '--out', join(recorded, 'd')], recorded);
    expect(stale.code).toBe(1);
    expect(stale.out).toContain("The default run's search differs from what its expected outcomes were recorded with (quick-one @ default): record them again with --update-expected");
  });

  it('estimates from the last run in --out, and colours only on request off a terminal', async () => {
    const out = join(dir, 'colour');
    const plain = await cli(['--scenario', 'quick-one', '--out', out], dir);
    expect(plain.code, plain.err).toBe(0);
    expect(plain.err + plain.out).not.toContain('\x1b[');
    const forced = await cli(['--scenario', 'quick-one', '--out', out], dir, { FORCE_COLOR: '1' });
    expect(forced.err).toContain('\x1b[32mproven\x1b[39m');
    expect(forced.out).toMatch(/on .* PostgreSQL; about \d+ s by the last run's times/);
    const forcedOverNoColor = await cli(['--scenario', 'quick-one', '--out', out], dir, { FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(forcedOverNoColor.err).toContain('\x1b[');
    const noColour = await cli(['--scenario', 'quick-one', '--out', out], dir, { NO_COLOR: '1' });
    expect(noColour.err).not.toContain('\x1b[');
  });

  it('a corrupt expected-outcomes file is bad input, named, before the database is touched', async () => {
    await mkdir(join(dir, 'expected'), { recursive: true });
    await writeFile(join(dir, 'expected', 'quick-one.json'), '{"variants": ');
    try {
      const r = await cli(['--scenario', 'quick-one', '--out', join(dir, 'corrupt')], dir, { DATABASE_URL: NO_DATABASE });
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(`error E_BAD_SCENARIO: ${join(dir, 'expected', 'quick-one.json')} is not an expected-outcomes file`);
      expect(r.err).toContain('delete it and record it again with --update-expected');
    } finally {
      await rm(join(dir, 'expected'), { recursive: true, force: true });
    }
  });

  it('a --merge file that is not a results.json is named', async () => {
    await writeFile(join(dir, 'half.json'), '{"cells": [');
    await writeFile(join(dir, 'other.json'), '{"hello": 1}');
    const broken = await cli(['--merge', join(dir, 'half.json'), '--out', join(dir, 'merged')], dir, { DATABASE_URL: NO_DATABASE });
    expect(broken.code).toBe(2);
    expect(broken.err).toContain(`--merge ${join(dir, 'half.json')}: not JSON`);
    const other = await cli(['--merge', join(dir, 'other.json'), '--out', join(dir, 'merged')], dir, { DATABASE_URL: NO_DATABASE });
    expect(other.code).toBe(2);
    expect(other.err).toContain(`--merge ${join(dir, 'other.json')}: not a results.json of a run`);
  });
});
