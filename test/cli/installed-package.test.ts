// A project outside this repository that uses the harness as a package (linked into its
// node_modules as an install would put it): its race.config.ts, schema file and scenario file run
// through the `race` bin in a process of their own, and through vitest with the package's global
// setup and assertRace — without touching any file of the harness.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let project: string;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'prh-installed-'));
  const modules = join(project, 'node_modules');
  await mkdir(join(modules, '.bin'), { recursive: true });
  await symlink(resolve('.'), join(modules, 'position-race-harness'), 'dir');
  // The project's own devDependency.
  await symlink(resolve('node_modules/vitest'), join(modules, 'vitest'), 'dir');
  await symlink('../position-race-harness/bin/race.mjs', join(modules, '.bin', 'race'));
  await mkdir(join(project, 'races'));
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'my-app', type: 'module', private: true }));
  await writeFile(join(project, 'schema.sql'), 'CREATE TABLE account (id int PRIMARY KEY, balance int NOT NULL CHECK (balance >= 0));\n');
  await writeFile(join(project, 'race.config.ts'), `import { defineConfig } from 'position-race-harness';\nexport default defineConfig({ scenarios: ['races/*.race.ts'], schema: ['schema.sql'] });\n`);
  await writeFile(join(project, 'races', 'withdraw.race.ts'), WITHDRAW);
  await writeFile(join(project, 'withdraw.test.ts'), TEST);
  await writeFile(join(project, 'vitest.config.ts'), `export default { test: { globalSetup: ['position-race-harness/vitest/global-setup'], testTimeout: 60000 } };\n`);
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

// Two withdrawals of 70 from 100: checked in the application, or in one conditional UPDATE.
const WITHDRAW = `import { defineScenario } from 'position-race-harness';

async function withdrawChecked(sql, amount) {
  const { rows } = await sql.query('SELECT balance FROM account WHERE id = 1');
  if (rows[0].balance < amount) return 'refused';
  await sql.query('UPDATE account SET balance = $1 WHERE id = 1', [rows[0].balance - amount]);
  return 'paid';
}

async function withdrawAtomic(sql, amount) {
  const r = await sql.query('UPDATE account SET balance = balance - $1 WHERE id = 1 AND balance >= $1', [amount]);
  return r.rowCount === 1 ? 'paid' : 'refused';
}

const race = (name, withdraw, expect) =>
  defineScenario({
    name,
    setup: ({ sql }) => sql('INSERT INTO account VALUES (1, 100)'),
    actors: ['atm', 'app'].map((who) => ({ name: who, run: ({ sql }) => withdraw(sql, 70) })),
    check: async ({ sql, results }) => {
      const { rows } = await sql('SELECT balance FROM account');
      const paid = Object.values(results).filter((r) => r === 'paid').length;
      if (100 - 70 * paid !== rows[0].balance) return 'paid ' + paid + ' times, balance ' + rows[0].balance;
    },
    expect,
  });

export const withdrawBuggy = race('withdraw-buggy', withdrawChecked, 'violates');
export const withdrawFixed = race('withdraw-fixed', withdrawAtomic);
`;

const TEST = `import { expect, test } from 'vitest';
import { assertRace } from 'position-race-harness/vitest';
import { withdrawBuggy, withdrawFixed } from './races/withdraw.race.ts';

test('the conditional UPDATE never pays twice', async () => {
  await assertRace(withdrawFixed);
});

test('checking the balance in the application pays twice, as the scenario declares', async () => {
  const report = await assertRace(withdrawBuggy);
  expect(report.verdict).toBe('violated');
  await expect(assertRace(withdrawBuggy, { expect: 'holds' })).rejects.toThrow(/paid 2 times, balance 30/);
});
`;

function inProject(command: string, args: readonly string[]) {
  return spawnSync(command, args, { cwd: project, encoding: 'utf8', env: { ...process.env, DATABASE_URL: inject('pgAdminUrl'), NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 120_000 });
}

describe('a project that installed the harness', () => {
  it('runs its scenarios through the race bin, found by its race.config.ts, with its schema', () => {
    const r = inProject(process.execPath, [join(project, 'node_modules', '.bin', 'race'), '--workers', '1', '--format', 'json', '--out', 'reports']);
    expect(r.stderr).not.toContain('internal error');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/default\s+VIOL \d+\/\d+\s+proven/);
    expect(r.stdout).toContain("withdraw-buggy @ default [scenario:withdraw-buggy]: npx race --replay 'withdraw-buggy@default:");
  });

  it('asserts its races in its own vitest run, on the package global setup', () => {
    const r = inProject(process.execPath, [join(project, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', project]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Tests\s+2 passed/);
  });
});
