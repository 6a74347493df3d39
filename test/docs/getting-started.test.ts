// docs/getting-started.md, done as a user would: its files (each code block whose first line names
// one, `// races/withdraw.race.ts`) written into an empty project that has the package in its
// node_modules, and its commands run there through the `race` bin and vitest, checking what the
// page says they print. A change to the page or to the harness that breaks the guide fails here.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { harnessCommands } from './doc-commands.ts';
import { fencedBlocks, read } from './markdown.ts';

const PAGE = read('docs/getting-started.md');

interface GuideFile {
  readonly path: string;
  /** `// withdraw.ts (fixed)`: the version of step 5, written over the first. */
  readonly fixed: boolean;
  readonly text: string;
}

/** The files the page gives, in order: each block whose first line is `// <path>` or `-- <path>`. */
function guideFiles(): GuideFile[] {
  return fencedBlocks(PAGE).flatMap((b) => {
    const m = /^(?:\/\/|--) ([\w./-]+\.(?:ts|sql))( \(fixed\))?$/.exec(b.text.split('\n')[0] ?? '');
    return m ? [{ path: m[1] as string, fixed: m[2] !== undefined, text: `${b.text}\n` }] : [];
  });
}

/** The page's `npx race` commands, in order, as argument lists. */
const COMMANDS = harnessCommands(PAGE).map((c) => c.args.join(' '));

let project: string;

/** Writes the page's files that `which` picks (by path and place: before or from the fix on). */
async function writeGuideFiles(which: (f: GuideFile, afterFix: boolean) => boolean): Promise<void> {
  const files = guideFiles();
  const fix = files.findIndex((f) => f.fixed);
  for (const [i, f] of files.entries()) {
    if (!which(f, i >= fix)) continue;
    await mkdir(dirname(join(project, f.path)), { recursive: true });
    await writeFile(join(project, f.path), f.text);
  }
}

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'prh-getting-started-'));
  const modules = join(project, 'node_modules');
  await mkdir(join(modules, '.bin'), { recursive: true });
  // What `npm install <tarball>` and `npm install --save-dev vitest` put there.
  await symlink(resolve('.'), join(modules, 'position-race-harness'), 'dir');
  await symlink(resolve('node_modules/vitest'), join(modules, 'vitest'), 'dir');
  await symlink('../position-race-harness/bin/race.mjs', join(modules, '.bin', 'race'));
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'shop', type: 'module', private: true }));
  // Steps 2 and 3: the files up to the fix.
  await writeGuideFiles((_, afterFix) => !afterFix);
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

/** `npx race <args>` in the project: the package's bin, on the suite's server, one worker (the machine is shared). */
function race(args: string) {
  const argv = args === '' ? [] : (harnessCommands(`\`\`\`sh\nnpx race ${args}\n\`\`\`\n`)[0]?.args ?? []);
  const r = spawnSync(process.execPath, [join(project, 'node_modules/.bin/race'), ...argv, '--workers', '1'], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: inject('pgAdminUrl'), NO_COLOR: '1' },
    timeout: 180_000,
  });
  return { status: r.status, out: r.stdout, all: r.stdout + r.stderr };
}

function vitest() {
  const r = spawnSync(process.execPath, [join(project, 'node_modules/vitest/vitest.mjs'), 'run', '--root', project], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: inject('pgAdminUrl'), NO_COLOR: '1' },
    timeout: 180_000,
  });
  return { status: r.status, all: r.stdout + r.stderr };
}

// Each step starts the CLI or vitest in a process of its own: a liveness bound, not a timing claim.
describe('docs/getting-started.md', { timeout: 240_000 }, () => {
  it('gives the files and the commands the test runs', () => {
    expect(guideFiles().map((f) => f.path + (f.fixed ? ' (fixed)' : ''))).toEqual([
      'schema.sql',
      'withdraw.ts',
      'races/withdraw.race.ts',
      'race.config.ts',
      'withdraw.ts (fixed)',
      'races/coupon.race.ts',
      'vitest.config.ts',
      'races/withdraw.test.ts',
    ]);
    expect(COMMANDS).toEqual(['', "--replay double-withdraw@default:0-1-0-1", '', '--scenario coupon-naive --scenario coupon-unique', '--update-expected', '--ci']);
  });

  it('step 4: npx race finds the overdraft, exits 1, and prints the replay the page shows; the replay prints its trace', () => {
    const r = race(COMMANDS[0] as string);
    expect(r.all).not.toContain('internal error');
    expect(r.status, r.all).toBe(1);
    expect(r.all).toMatch(/\[1\/1\] double-withdraw @ default: VIOLATED 2\/4 — all 4 interleavings/);
    expect(r.out).toContain("npx race --replay 'double-withdraw@default:0-1-0-1'");
    expect(PAGE).toContain("npx race --replay 'double-withdraw@default:0-1-0-1'");

    const replay = race(COMMANDS[1] as string);
    expect(replay.status, replay.all).toBe(0);
    for (const line of ['SELECT balance FROM account WHERE id = 1', '{"id":1,"balance":-40}', '[scenario:double-withdraw] overdrawn: {"atm":"paid","app":"paid"} left a balance of -40']) {
      expect(replay.out).toContain(line);
      expect(PAGE).toContain(line);
    }
  });

  it('the vitest test of step 8 fails on the first withdraw, with the counterexample', async () => {
    await writeGuideFiles((f) => f.path === 'vitest.config.ts' || f.path.endsWith('.test.ts'));
    const r = vitest();
    expect(r.status, r.all).toBe(1);
    expect(r.all).toContain("AssertionError: Race 'double-withdraw' @ default: expected it to hold, got violated (2 of 4 schedules violated, every interleaving explored)");
    expect(r.all).toContain("Replay it: assertRace(scenario, { replay: 'double-withdraw@default:0-1-0-1' })");
  });

  it('step 5: the fix is proven; step 6: the SQL-only races are what they declare; step 7: expected outcomes hold in --ci', async () => {
    await writeGuideFiles((_, afterFix) => afterFix);
    const fixed = race(COMMANDS[2] as string);
    expect(fixed.status, fixed.all).toBe(0);
    expect(fixed.all).toMatch(/double-withdraw @ default: proven — all 2 interleavings/);

    const coupons = race(COMMANDS[3] as string);
    expect(coupons.status, coupons.all).toBe(0);
    expect(coupons.all).toMatch(/coupon-naive @ default: VIOLATED/);
    expect(coupons.all).toMatch(/coupon-unique @ default: proven/);

    expect(race(COMMANDS[4] as string).status).toBe(0);
    for (const s of ['double-withdraw', 'coupon-naive', 'coupon-unique']) expect(existsSync(join(project, 'races/expected', `${s}.json`)), s).toBe(true);
    const ci = race(COMMANDS[5] as string);
    expect(ci.status, ci.all).toBe(0);
    expect(ci.all).toContain('Expected outcomes: 3 same, 0 changed, 0 missing');
  });

  it('step 8: the vitest test passes on the fixed withdraw', () => {
    const r = vitest();
    expect(r.status, r.all).toBe(0);
    expect(r.all).toMatch(/Tests\s+1 passed/);
  });
});
