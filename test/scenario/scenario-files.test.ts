// Scenario files found by glob and race.config.ts, in a directory outside the repository: every
// exported scenario is collected, and each kind of bad file is an E_BAD_SCENARIO naming the file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarnessError } from '../../harness/errors/index.ts';
import { findScenarioFiles, loadScenarioCatalog, loadScenarioFiles } from '../../harness/scenario/index.ts';

const HARNESS = resolve('harness/index.ts');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prh-scenario-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a scenario file importing the harness by path, as an installed package would be imported. */
async function file(name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `import { defineScenario, sqlActor } from ${JSON.stringify(HARNESS)};\n${body}\n`);
  return path;
}

const scenarioNamed = (n: string) => `defineScenario({ name: '${n}', actors: [sqlActor('a', ['SELECT 1'])] })`;

async function loadError(files: readonly string[]): Promise<HarnessError> {
  const e = await loadScenarioFiles(files).then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(HarnessError);
  expect((e as HarnessError).code).toBe('E_BAD_SCENARIO');
  return e as HarnessError;
}

describe('loading scenario files', () => {
  it('collects every exported scenario, in file order, once each (re-exports and lists included)', async () => {
    const a = await file('a.race.ts', `export const one = ${scenarioNamed('one')};\nexport default one;\nexport const more = [${scenarioNamed('two')}, ${scenarioNamed('three')}];`);
    const b = await file('b.race.ts', `export const four = ${scenarioNamed('four')};\nexport const helper = 42;`);
    const found = await findScenarioFiles(['*.race.ts'], dir);
    expect(found).toEqual([a, b]);
    const loaded = await loadScenarioFiles(found);
    expect(loaded.map((l) => [l.scenario.name, l.file])).toEqual([
      ['one', a],
      ['two', a],
      ['three', a],
      ['four', b],
    ]);
  });

  it('a file that exports no scenario', async () => {
    const f = await file('none.race.ts', 'export const nothing = 1;');
    const e = await loadError([f]);
    expect(e.message).toContain('none.race.ts: exports no scenario');
  });

  it('two scenarios with one name, naming both files', async () => {
    const f1 = await file('dup1.race.ts', `export const x = ${scenarioNamed('same')};`);
    const f2 = await file('dup2.race.ts', `export const y = ${scenarioNamed('same')};`);
    const e = await loadError([f1, f2]);
    expect(e.message).toMatch(/two scenarios are named 'same': in .*dup1\.race\.ts and in .*dup2\.race\.ts/);
  });

  it('a file whose scenario is invalid (an unknown SQLSTATE class), with the reason', async () => {
    const f = await file('badstate.race.ts', `export const s = defineScenario({ name: 'bad-state', actors: [sqlActor('a', [{ sql: 'SELECT 1', fails: 'XY000' }])] });`);
    const e = await loadError([f]);
    expect(e.message).toContain('badstate.race.ts: cannot load it:');
    expect(e.message).toContain("unknown SQLSTATE class 'XY'");
  });

  it('a file that does not compile or throws on import, with the reason', async () => {
    const f = await file('throws.race.ts', `throw new Error('not today');`);
    const e = await loadError([f]);
    expect(e.message).toContain('throws.race.ts: cannot load it: Error: not today');
  });

  it('a glob that matches nothing', async () => {
    await expect(findScenarioFiles(['races/**/*.race.ts'], dir)).rejects.toThrow(`no scenario file matches 'races/**/*.race.ts'`);
  });
});

describe('race.config.ts', () => {
  it('names the scenario globs (relative to itself), what to exclude, and a schema every template gets first', async () => {
    const sub = join(dir, 'project');
    await rm(sub, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(join(sub, 'races'), { recursive: true }));
    await writeFile(join(sub, 'schema.sql'), 'CREATE TABLE app (id int);');
    await writeFile(join(sub, 'races', 'app.race.ts'), `import { defineScenario, sqlActor } from ${JSON.stringify(HARNESS)};\nexport const app = ${scenarioNamed('app-race')};\n`);
    await writeFile(join(sub, 'races', 'helper.race.ts'), 'export const notAScenario = 1;\n');
    await writeFile(
      join(sub, 'race.config.ts'),
      `import { defineConfig } from ${JSON.stringify(HARNESS)};\nexport default defineConfig({ scenarios: ['races/*.race.ts'], exclude: ['races/helper.race.ts'], schema: ['schema.sql'] });\n`,
    );
    const catalog = await loadScenarioCatalog({ cwd: sub });
    expect(catalog.configFile).toBe(join(sub, 'race.config.ts'));
    expect(catalog.scenarios.map((l) => l.scenario.name)).toEqual(['app-race']);
    expect(catalog.baseSchema.map((f) => f.sql)).toEqual(['CREATE TABLE app (id int);']);
    // --scenarios replaces the configuration's globs.
    const only = await loadScenarioCatalog({ cwd: sub, scenarios: ['races/app.race.ts'] });
    expect(only.scenarios.map((l) => l.scenario.name)).toEqual(['app-race']);

    await writeFile(join(sub, 'bad.config.ts'), `export default { scenarios: ['races/*.race.ts'], budgets: 3 };\n`);
    await expect(loadScenarioCatalog({ cwd: sub, config: 'bad.config.ts' })).rejects.toThrow("unknown setting 'budgets'");
  });
});
