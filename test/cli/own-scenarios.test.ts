// Racing your own code through the CLI: scenario files in a directory outside the repository that
// import the package by name, their expected-outcomes files (--update-expected, --ci), --replay,
// and bad scenario files exiting 2 with the file and the reason.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../harness/cli/run-cli.ts';
import type { ExpectedFile, RunResult } from '../../harness/run/index.ts';
import { fakeStream } from '../support/fake-stream.ts';

let project: string;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'prh-own-'));
  // As after `npm install position-race-harness`: the package resolved by name from node_modules.
  await mkdir(join(project, 'node_modules'));
  await symlink(resolve('.'), join(project, 'node_modules', 'position-race-harness'), 'dir');
  await writeFile(join(project, 'counter.race.ts'), COUNTER);
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

const COUNTER = `import { defineScenario, sqlActor } from 'position-race-harness';

const schema = 'CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)';
const setup = ({ sql }) => sql('INSERT INTO counter VALUES (1, 0)');
const check = async ({ sql }) => {
  const { rows } = await sql('SELECT n FROM counter');
  return rows[0].n === 2 ? [] : ['lost an increment: n = ' + rows[0].n];
};

// Read n into the session (as an application keeps it in a variable), then write it back plus one.
const readThenWrite = (name) =>
  sqlActor(name, [
    "SELECT set_config('app.n', n::text, false) AS n FROM counter WHERE id = 1",
    "UPDATE counter SET n = current_setting('app.n')::int + 1 WHERE id = 1",
  ]);
// The fix: lock the row while reading it.
const lockedIncrement = (name) =>
  sqlActor(name, ['BEGIN', 'SELECT n FROM counter WHERE id = 1 FOR UPDATE', 'UPDATE counter SET n = n + 1 WHERE id = 1', 'COMMIT']);

export const buggy = defineScenario({ name: 'counter-buggy', schema, setup, actors: [readThenWrite('a'), readThenWrite('b')], check, expect: 'violates' });
export const fixed = defineScenario({ name: 'counter-fixed', schema, setup, actors: [lockedIncrement('a'), lockedIncrement('b')], check });
`;

interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function cli(argv: readonly string[]): Promise<CliRun> {
  const out = fakeStream();
  const err = fakeStream();
  const code = await runCli(['--format', 'json', '--out', join(project, 'reports'), ...argv], { DATABASE_URL: inject('pgAdminUrl') }, { out: out.stream, err: err.stream, cwd: project });
  return { code, out: out.text(), err: err.text() };
}

const expectedFile = () => join(project, 'expected', 'counter-buggy.json');

describe('a scenario file outside the repository', () => {
  it('runs through the CLI by glob; the buggy race is violated with a replayable counterexample, the fixed one holds', async () => {
    const r = await cli(['--scenarios', '*.race.ts']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Running 2 scenarios');
    const result = JSON.parse(await readFile(join(project, 'reports', 'results.json'), 'utf8')) as RunResult;
    expect(result.cells.map((c) => [c.scenario, c.variant, c.measured, c.agrees, c.coverage.complete])).toEqual([
      ['counter-buggy', 'default', 'violates', true, true],
      ['counter-fixed', 'default', 'holds', true, true],
    ]);
    const cx = result.cells[0]?.counterexample;
    expect(cx?.violations[0]?.message).toBe('lost an increment: n = 1');
    expect(cx?.command).toBe(`npm run scenarios -- --scenarios '*.race.ts' --replay '${cx?.replay}'`);
  });

  it('--replay prints each step with its SQL, the rows it read, and the tables after the run', async () => {
    const result = JSON.parse(await readFile(join(project, 'reports', 'results.json'), 'utf8')) as RunResult;
    const cx = result.cells[0]?.counterexample;
    const r = await cli(['--scenarios', '*.race.ts', '--replay', cx?.replay ?? '']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("UPDATE counter SET n = current_setting('app.n')");
    expect(r.out).toContain('rows=1 [{"n":"0"}]');
    expect(r.out).toContain('public.counter after the run:');
    expect(r.out).toContain('{"id":1,"n":1}');
    expect(r.out).toContain('[scenario:counter-buggy] lost an increment: n = 1');
  });

  it('--update-expected records the outcomes next to the scenario; --ci passes on them and fails on any change', async () => {
    const missing = await cli(['--scenarios', 'counter.race.ts', '--scenario', 'counter-buggy', '--ci']);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('no expected outcomes in expected/counter-buggy.json');

    const update = await cli(['--scenarios', 'counter.race.ts', '--scenario', 'counter-buggy', '--update-expected']);
    expect(update.code, update.err).toBe(0);
    const file = JSON.parse(await readFile(expectedFile(), 'utf8')) as ExpectedFile;
    const variant = file.variants['default'];
    expect(variant?.verdict).toBe('violated');
    expect(variant?.search).toBe('exhaustive, budget 5000');
    // Two outcomes: one after the other (n = 2, held), or both read 0 (n = 1, the lost update).
    expect(variant?.outcomes).toEqual([
      { violated: ['scenario:counter-buggy'], run: 'completed', actors: 'a: ok; b: ok', state: '{"public.counter":[{"id":1,"n":1}]}' },
      { violated: [], run: 'completed', actors: 'a: ok; b: ok', state: '{"public.counter":[{"id":1,"n":2}]}' },
    ]);

    const same = await cli(['--scenarios', 'counter.race.ts', '--scenario', 'counter-buggy', '--ci']);
    expect(same.code, same.out).toBe(0);
    expect(same.out).toContain('Expected outcomes: 1 same, 0 changed');

    // A file that does not know the lost update (as if the code had been fixed) fails --ci with a diff.
    const changed: ExpectedFile = { ...file, variants: { default: { ...(variant as NonNullable<typeof variant>), verdict: 'proven', outcomes: variant?.outcomes.slice(1) ?? [] } } };
    await writeFile(expectedFile(), JSON.stringify(changed));
    const diff = await cli(['--scenarios', 'counter.race.ts', '--scenario', 'counter-buggy', '--ci']);
    expect(diff.code).toBe(1);
    expect(diff.out).toContain('counter-buggy @ default differs from its expected outcomes:');
    expect(diff.out).toContain('verdict: expected proven, measured violated');
    expect(diff.out).toContain('+ [scenario:counter-buggy] a: ok; b: ok | {"public.counter":[{"id":1,"n":1}]}');
    expect(diff.out).not.toContain('- [holds]');

    // Another search is not compared (its set of outcomes may differ), and does not fail.
    const other = await cli(['--scenarios', 'counter.race.ts', '--scenario', 'counter-buggy', '--ci', '--strategy', 'random', '--budget', '5']);
    expect(other.code).toBe(0);
    expect(other.out).toContain('not compared (recorded with exhaustive, budget 5000, this run: random, 5 runs, seed 1)');
  });
});

describe('bad scenario files exit 2 with the file and the reason', () => {
  const cases: readonly (readonly [string, string, readonly string[]])[] = [
    ['a file that exports no scenario', `export const x = 1;`, ['E_BAD_SCENARIO', '.race.ts: exports no scenario']],
    [
      'a schema that fails',
      `import { defineScenario, sqlActor } from 'position-race-harness';\nexport const s = defineScenario({ name: 'bad-schema', schema: 'CREATE TABLE oops (', actors: [sqlActor('a', ['SELECT 1'])] });`,
      ['E_BAD_SCENARIO', "scenario 'bad-schema': schema bad-schema schema failed", 'syntax error'],
    ],
    [
      'a schema file that does not exist',
      `import { defineScenario, sqlActor } from 'position-race-harness';\nexport const s = defineScenario({ name: 'no-file', schema: new URL('./nope.sql', import.meta.url), actors: [sqlActor('a', ['SELECT 1'])] });`,
      ['E_BAD_SCENARIO', "scenario 'no-file': cannot read schema file", 'nope.sql'],
    ],
    [
      'an actor that declares an unknown SQLSTATE class',
      `import { defineScenario, sqlActor } from 'position-race-harness';\nexport const s = defineScenario({ name: 'bad-class', actors: [sqlActor('a', ['SELECT 1'], { allowedErrors: ['ZZ001'] })] });`,
      ['E_BAD_SCENARIO', '.race.ts: cannot load it', "unknown SQLSTATE class 'ZZ'"],
    ],
  ];

  it.each(cases)('%s', async (what, source, named) => {
    // One file per case: a module is imported once per process.
    const file = `bad-${what.replace(/\W+/g, '-')}.race.ts`;
    await writeFile(join(project, file), source);
    const r = await cli(['--scenarios', file]);
    expect(r.err).toContain(file);
    expect(r.code, r.err).toBe(2);
    for (const n of named) expect(r.err).toContain(n);
  });

  it('two scenarios with one name, in two files', async () => {
    await writeFile(join(project, 'dup.race.ts'), `export { buggy } from './counter.race.ts';\nimport { defineScenario, sqlActor } from 'position-race-harness';\nexport const again = defineScenario({ name: 'counter-fixed', actors: [sqlActor('a', ['SELECT 1'])] });`);
    const r = await cli(['--scenarios', 'counter.race.ts', '--scenarios', 'dup.race.ts']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/two scenarios are named 'counter-fixed': in .*counter\.race\.ts and in .*dup\.race\.ts/);
  });

  it('a setup that throws is reported against its scenario; the others run', async () => {
    await writeFile(
      join(project, 'throws.race.ts'),
      `import { defineScenario, sqlActor } from 'position-race-harness';\nexport const s = defineScenario({ name: 'setup-throws', setup: () => { throw new Error('no data today'); }, actors: [sqlActor('a', ['SELECT 1'])] });\nexport { fixed } from './counter.race.ts';`,
    );
    const r = await cli(['--scenarios', 'throws.race.ts', '--ci']);
    expect(r.err).toContain("error in setup-throws @ default: the setup of scenario 'setup-throws' threw: no data today");
    expect(r.code).toBe(1);
    const result = JSON.parse(await readFile(join(project, 'reports', 'results.json'), 'utf8')) as RunResult;
    expect(result.cells.find((c) => c.scenario === 'counter-fixed')?.measured).toBe('holds');
  });
});
