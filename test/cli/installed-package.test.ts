// A project outside this repository that installed the harness from its packed tarball (what
// `npm pack` ships: compiled JavaScript and types, no TypeScript sources): plain Node imports the
// API, the `race` bin runs the project's race.config.ts and scenario file, vitest runs assertRace
// on the package's global setup, and tsc checks a typed scenario under strict settings.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

let project: string;
let installed: string;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'prh-installed-'));
  const modules = join(project, 'node_modules');
  installed = join(modules, 'position-race-harness');
  await mkdir(join(modules, '.bin'), { recursive: true });
  // `npm pack` runs the package's prepare script (the build), as a git install or a publish would.
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', project], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as { filename: string }[];
  await mkdir(installed);
  execFileSync('tar', ['-xzf', join(project, packed[0]?.filename ?? ''), '-C', installed, '--strip-components=1']);
  // Its dependencies as npm would install them beside it (taken from this repository's install,
  // so the test needs no registry), and the project's own devDependencies.
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
  for (const name of [...Object.keys(pkg.dependencies), 'vitest', 'typescript', '@types/node']) {
    await mkdir(dirname(join(modules, name)), { recursive: true });
    await symlink(resolve('node_modules', name), join(modules, name), 'dir');
  }
  await symlink('../position-race-harness/bin/race.mjs', join(modules, '.bin', 'race'));
  await mkdir(join(project, 'races'));
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'my-app', type: 'module', private: true }));
  await writeFile(join(project, 'schema.sql'), 'CREATE TABLE account (id int PRIMARY KEY, balance int NOT NULL CHECK (balance >= 0));\n');
  await writeFile(join(project, 'race.config.ts'), `import { defineConfig } from 'position-race-harness';\nexport default defineConfig({ scenarios: ['races/*.race.ts'], schema: ['schema.sql'] });\n`);
  await writeFile(join(project, 'races', 'withdraw.race.ts'), WITHDRAW);
  await writeFile(join(project, 'withdraw.test.ts'), TEST);
  await writeFile(join(project, 'typed.ts'), TYPED);
  await writeFile(join(project, 'vitest.config.ts'), `export default { test: { include: ['*.test.ts'], globalSetup: ['position-race-harness/vitest/global-setup'], testTimeout: 60000 } };\n`);
  await writeFile(
    join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, noPropertyAccessFromIndexSignature: true, noUncheckedIndexedAccess: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['typed.ts'] }),
  );
}, 240_000);
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

// The same race with types, as a TypeScript user writes it.
const TYPED = `import { defineScenario, sqlActor, type SqlClient } from 'position-race-harness';
import { assertRace } from 'position-race-harness/vitest';

async function withdraw(sql: SqlClient, amount: number): Promise<'paid' | 'refused'> {
  const r = await sql.query('UPDATE account SET balance = balance - $1 WHERE id = 1 AND balance >= $1', [amount]);
  return r.rowCount === 1 ? 'paid' : 'refused';
}

export const typed = defineScenario({
  name: 'withdraw-typed',
  setup: ({ sql }) => sql('INSERT INTO account VALUES (1, 100)'),
  actors: [
    { name: 'atm', run: ({ sql }) => withdraw(sql, 70) },
    sqlActor('app', ['BEGIN', 'SELECT balance FROM account WHERE id = 1 FOR UPDATE', 'COMMIT']),
  ],
  expect: 'holds',
});

export async function check(): Promise<string> {
  const report = await assertRace(typed);
  return report.verdict;
}
`;

function inProject(command: string, args: readonly string[]) {
  return spawnSync(command, args, { cwd: project, encoding: 'utf8', env: { ...process.env, DATABASE_URL: inject('pgAdminUrl'), NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 120_000 });
}

describe('a project that installed the harness', () => {
  it('gets compiled JavaScript with types, no TypeScript sources, and imports it with plain node', () => {
    expect(existsSync(join(installed, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'index.d.ts'))).toBe(true);
    expect(existsSync(join(installed, 'harness'))).toBe(false);
    const r = inProject(process.execPath, ['-e', "import('position-race-harness').then((m) => console.log(typeof m.defineScenario, typeof m.programActor, typeof m.runSpecText))"]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function function');
  });

  it('answers --version and --help from the compiled CLI', () => {
    const version = inProject(process.execPath, [join(project, 'node_modules', '.bin', 'race'), '--version']);
    expect(version.stdout.trim()).toMatch(/^position-race-harness \d+\.\d+\.\d+/);
    const help = inProject(process.execPath, [join(project, 'node_modules', '.bin', 'race'), '--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('--replay');
    // The answer is kept (its configuration bundled by the compiled CLI), and the next --help
    // answers from the cache: a marked answer comes back as it was marked.
    const answers = join(project, 'node_modules', '.cache', 'position-race-harness', 'answers.json');
    const kept = JSON.parse(readFileSync(answers, 'utf8')) as { entries: Record<string, { text: string }> };
    expect(Object.values(kept.entries).map((e) => e.text)).toEqual([help.stdout]);
    for (const e of Object.values(kept.entries)) e.text = 'FROM THE CACHE\n';
    writeFileSync(answers, JSON.stringify(kept));
    const again = inProject(process.execPath, [join(project, 'node_modules', '.bin', 'race'), '--help']);
    expect(again.stdout).toBe('FROM THE CACHE\n');
    expect(readdirSync(project).filter((f) => f.includes('.timestamp-'))).toEqual([]);
  });

  it('answers --list from the cache until a scenario file, a file it imports, or the files the globs match change', async () => {
    const race = (...args: string[]) => inProject(process.execPath, [join(project, 'node_modules', '.bin', 'race'), ...args]);
    const answers = join(project, 'node_modules', '.cache', 'position-race-harness', 'answers.json');
    const mark = () => {
      const kept = JSON.parse(readFileSync(answers, 'utf8')) as { entries: Record<string, { text: string }> };
      for (const [key, e] of Object.entries(kept.entries)) if (key.startsWith('list')) e.text = JSON.stringify({ ...(JSON.parse(e.text) as object), text: 'FROM THE CACHE\n' });
      writeFileSync(answers, JSON.stringify(kept));
    };
    const first = race('--list');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('withdraw-buggy');
    mark();
    expect(race('--list').stdout).toBe('FROM THE CACHE\n');
    // Other flags are another question.
    expect(race('--list', '--scenarios', 'races/withdraw.race.ts').stdout).toContain('withdraw-fixed');
    // A new scenario file matched by the configuration's glob, then a file it imports, edited.
    await writeFile(join(project, 'names.ts'), "export const NAME = 'deposit-twice';\n");
    await writeFile(join(project, 'races', 'deposit.race.ts'), `import { defineScenario } from 'position-race-harness';\nimport { NAME } from '../names.ts';\nexport const deposit = defineScenario({ name: NAME, actors: [{ name: 'a', run: async ({ sql }) => { await sql.query('SELECT 1'); } }] });\n`);
    try {
      expect(race('--list').stdout).toContain('deposit-twice');
      mark();
      expect(race('--list').stdout).toBe('FROM THE CACHE\n');
      await writeFile(join(project, 'names.ts'), "export const NAME = 'deposit-thrice';\n");
      const edited = race('--list');
      expect(edited.stdout).toContain('deposit-thrice');
      expect(edited.stdout).not.toContain('deposit-twice');
    } finally {
      await rm(join(project, 'races', 'deposit.race.ts'));
      await rm(join(project, 'names.ts'));
    }
    const removed = race('--list');
    expect(removed.stdout).toContain('withdraw-buggy');
    expect(removed.stdout).not.toContain('deposit');
  });

  it('loads its configuration and scenario files as one kept bundle: a module they share is one, each keeps its URL, lines and packages, edits and new files show at once', async () => {
    const sub = join(project, 'bundled');
    await mkdir(sub);
    const race = () => inProject(process.execPath, [join(project, 'node_modules', '.bin', 'race'), '--config', 'bundled/race.config.ts', '--list']);
    const bundles = join(project, 'node_modules', '.cache', 'position-race-harness', 'bundles');
    // shared.ts reads the environment, so no listing is kept: every --list loads the files.
    await writeFile(join(sub, 'shared.ts'), "export const shared = { env: process.env['NODE_ENV'] ?? 'none', word: 'alpha' };\n");
    // The configuration counts its own loads: a command that loads it twice shows 2.
    await writeFile(
      join(sub, 'race.config.ts'),
      "import { defineConfig } from 'position-race-harness';\nimport { shared } from './shared.ts';\nconst g = globalThis as Record<string, unknown>;\ng['configShared'] = shared;\ng['configLoads'] = Number(g['configLoads'] ?? 0) + 1;\nexport default defineConfig({ scenarios: ['**/*.race.ts'] });\n",
    );
    const scenario = (file: string, extra = "const tail = 'x';") =>
      [
        "import { defineScenario } from 'position-race-harness';",
        "import { shared } from './shared.ts';",
        "const line = new RegExp('" + file + "\\\\.race\\\\.ts:(\\\\d+)').exec(new Error().stack ?? '')?.[1] ?? 'unmapped';",
        "const own = new URL(import.meta.url).pathname.split('/').pop()?.replace('.race.ts', '');",
        "const g = globalThis as Record<string, unknown>;",
        "const same = g['configShared'] === shared ? 'one' : 'two';",
        extra,
        `export const s = defineScenario({ name: \`\${own}-\${shared.word}-\${same}-line-\${line}-\${tail}-loads-\${String(g['configLoads'])}\`, actors: [{ name: 'a', run: async ({ sql }) => { await sql.query('SELECT 1'); } }] });`,
      ].join('\n');
    await writeFile(join(sub, 'first.race.ts'), scenario('first'));
    try {
      const made = race();
      expect(made.status, made.stderr).toBe(0);
      // The scenario file's module is the configuration's, its URL its own, its stack its own line.
      expect(made.stdout).toMatch(/first-alpha-one-line-3-x-loads-\d/);
      const built = readdirSync(bundles).length;
      expect(race().stdout).toContain('first-alpha-one-line-3-x-loads-1');
      expect(readdirSync(bundles).length).toBe(built);
      // A new scenario file (the configuration loads again, from a bundle that holds it), then an
      // edit of the module both import (one new bundle, the configuration loaded once).
      await writeFile(join(sub, 'second.race.ts'), scenario('second'));
      const added = race();
      expect(added.stdout).toContain('first-alpha-one-line-3-x-loads-2');
      expect(added.stdout).toContain('second-alpha-one-line-3-x-loads-2');
      await writeFile(join(sub, 'shared.ts'), "export const shared = { env: process.env['NODE_ENV'] ?? 'none', word: 'beta' };\n");
      const edited = race();
      expect(edited.stdout).toContain('first-beta-one-line-3-x-loads-1');
      expect(edited.stdout).toContain('second-beta-one-line-3-x-loads-1');
      // What would resolve from the bundle's place, not the file's, is not bundled: those files
      // load through tsx from the start (the configuration once), and resolve from where they are.
      await writeFile(join(sub, 'second.race.ts'), scenario('second', "const later = async (name: string) => import(name);\nconst tail = typeof later;"));
      expect(race().stdout).toContain('second-beta-one-line-3-function-loads-1');
      await writeFile(join(sub, 'second.race.ts'), scenario('second', "const tail = import.meta.resolve('./shared.ts').endsWith('/bundled/shared.ts') ? 'here' : 'elsewhere';"));
      expect(race().stdout).toContain('second-beta-one-line-3-here-loads-1');
      // A package found in a node_modules beside the file, not the project's: tsx, as Node finds it.
      await mkdir(join(project, 'node_modules', 'dep'), { recursive: true });
      await writeFile(join(project, 'node_modules', 'dep', 'package.json'), JSON.stringify({ name: 'dep', type: 'module', main: 'index.js' }));
      await writeFile(join(project, 'node_modules', 'dep', 'index.js'), "export const where = 'root';\n");
      const nested = join(sub, 'nested');
      await mkdir(join(nested, 'node_modules', 'dep'), { recursive: true });
      await writeFile(join(nested, 'node_modules', 'dep', 'package.json'), JSON.stringify({ name: 'dep', type: 'module', main: 'index.js' }));
      await writeFile(join(nested, 'node_modules', 'dep', 'index.js'), "export const where = 'nested';\n");
      await writeFile(join(nested, 'dep.race.ts'), "import { defineScenario } from 'position-race-harness';\nimport { where } from 'dep';\nconst g = globalThis as Record<string, unknown>;\nexport const d = defineScenario({ name: `dep-${where}-loads-${String(g['configLoads'])}`, actors: [{ name: 'a', run: async ({ sql }) => { await sql.query('SELECT 1'); } }] });\n");
      const found = race();
      expect(found.stdout).toContain('dep-nested-loads-');
      expect(found.stdout).toContain('second-beta-one-line-3-here-loads-');
      await rm(nested, { recursive: true });
      // A scenario file reached through a symbolic link is served from the bundle like the others.
      await writeFile(join(sub, 'second.race.ts'), scenario('second'));
      await mkdir(join(project, 'elsewhere'), { recursive: true });
      await writeFile(join(project, 'elsewhere', 'third.race.ts'), "import { defineScenario } from 'position-race-harness';\nexport const t = defineScenario({ name: 'third-linked', actors: [{ name: 'a', run: async ({ sql }) => { await sql.query('SELECT 1'); } }] });\n");
      await symlink(join(project, 'elsewhere', 'third.race.ts'), join(sub, 'third.race.ts'));
      expect(race().stdout).toContain('third-linked');
      const linked = readdirSync(bundles).length;
      const again = race();
      expect(again.stdout).toContain('third-linked');
      expect(again.stdout).toContain('second-beta-one-line-3-x-loads-1');
      expect(readdirSync(bundles).length).toBe(linked);
      // A file bundled before, excluded since, that cannot be bundled now keeps the others out of
      // the bundle for one command (through tsx), not for good.
      await writeFile(join(sub, 'race.config.ts'), (await readFile(join(sub, 'race.config.ts'), 'utf8')).replace("scenarios: ['**/*.race.ts']", "scenarios: ['**/*.race.ts'], exclude: ['second.race.ts']"));
      await writeFile(join(sub, 'second.race.ts'), scenario('second', "const later = async (name: string) => import(name);\nconst tail = typeof later;"));
      await writeFile(join(sub, 'first.race.ts'), scenario('first', "const tail = typeof __prh_original_url === 'string' ? 'bundled' : 'loaded';"));
      expect(race().stdout).toContain('first-beta-one-line-3-loaded');
      const excluded = race();
      expect(excluded.stdout).toContain('first-beta-one-line-3-bundled-loads-1');
      expect(excluded.stdout).not.toContain('second-');
    } finally {
      await rm(sub, { recursive: true, force: true });
      await rm(join(project, 'elsewhere'), { recursive: true, force: true });
      await rm(join(project, 'node_modules', 'dep'), { recursive: true, force: true });
    }
  });

  it('type-checks a typed scenario under strict, noPropertyAccessFromIndexSignature and without skipLibCheck', () => {
    const r = inProject(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project]);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

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
