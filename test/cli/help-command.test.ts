// `race --help` with its cache, as the compiled bin runs it: the configuration is bundled (its
// imports named), the answer is kept in node_modules/.cache and reused until the configuration, a
// file it imports or the installed packages change; a configuration that cannot load still gets
// help, and nothing is kept for it.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helpCommand } from '../../harness/cli/help-command.ts';
import { fakeStream } from '../support/fake-stream.ts';

// A plugin of the test's own, written without the harness's imports: the bundle inlines every
// project file, and a plugin is recognised by its shape.
const PLUGIN = (flag: string) => `import { WHEN } from 'ebb-flags';
const TITLE = 'Tide (a plugin of the test)';
export const TIDE = {
  name: 'tide',
  variants: () => [],
  openCell: () => { throw new Error('not run here'); },
  cli: { title: TITLE, flags: [{ name: '${flag}', type: 'string', value: '<when>', group: 'x', description: WHEN }] },
};
`;

let dir: string;
const cacheDir = () => join(dir, 'node_modules', '.cache', 'position-race-harness');
const cacheFile = () => join(cacheDir(), 'answers.json');
const bundlesLeft = () => [...readdirSync(dir), ...(existsSync(cacheDir()) ? readdirSync(cacheDir()) : [])].filter((f) => f.includes('.timestamp-'));
/** A package the plugin imports, installed in the project's node_modules. */
async function installPackage(description: string, version: string) {
  const pkg = join(dir, 'node_modules', 'ebb-flags');
  await mkdir(pkg, { recursive: true });
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: 'ebb-flags', version, type: 'module', exports: './index.js' }));
  await writeFile(join(pkg, 'index.js'), `export const WHEN = ${JSON.stringify(description)};\n`);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prh-help-'));
  await mkdir(join(dir, 'node_modules'));
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  await writeFile(join(dir, 'package-lock.json'), '{}\n');
  await installPackage('when the tide turns', '1.0.0');
  await writeFile(join(dir, 'tide-plugin.ts'), PLUGIN('tide'));
  await writeFile(join(dir, 'race.config.ts'), `import { TIDE } from './tide-plugin.ts';\nconst plugins: unknown[] = [TIDE];\nexport default { scenarios: ['*.race.ts'], plugins };\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Marks the kept answers, to tell an answer from the cache from one computed again. */
async function markKept() {
  const kept = JSON.parse(await readFile(cacheFile(), 'utf8')) as { version: string; entries: Record<string, { text: string }> };
  for (const e of Object.values(kept.entries)) e.text = 'FROM THE CACHE\n';
  await writeFile(cacheFile(), JSON.stringify(kept));
}

async function help(argv: readonly string[], cwd = join(dir, 'sub')) {
  const out = fakeStream();
  const err = fakeStream();
  const code = await helpCommand(argv, cwd, { out: out.stream, err: err.stream }, { cache: true });
  return { code, out: out.text(), err: err.text() };
}

describe('race --help with its cache', () => {
  it("shows the plugin's flags, found from a subdirectory, and keeps the answer with the files it came from", async () => {
    const first = await help(['--help']);
    expect(first.code).toBe(0);
    expect(first.err).toBe('');
    expect(first.out).toContain('Usage: race [options]');
    expect(first.out).toContain('Tide (a plugin of the test)');
    expect(first.out).toContain('--tide <when>');
    const kept = JSON.parse(await readFile(cacheFile(), 'utf8')) as { entries: Record<string, { stamps: [string, string][]; text: string }> };
    const entry = Object.values(kept.entries)[0];
    expect(entry?.text).toBe(first.out);
    const stamps = new Map(entry?.stamps);
    // The project's files and the package it imports by content, the lockfiles by size and time.
    expect(stamps.get(join(dir, 'race.config.ts'))).toMatch(/^sha1:/);
    expect(stamps.get(join(dir, 'tide-plugin.ts'))).toMatch(/^sha1:/);
    expect(stamps.get(join(dir, 'node_modules', 'ebb-flags', 'package.json'))).toMatch(/^sha1:/);
    expect(stamps.get(join(dir, 'package-lock.json'))).toMatch(/^\d+:/);
    // The settings esbuild and Node read: the project's package.json, a tsconfig.json that is not there (yet).
    expect(stamps.get(join(dir, 'package.json'))).toMatch(/^sha1:/);
    expect(stamps.get(join(dir, 'tsconfig.json'))).toBe('missing');
    // No bundle is left, beside the configuration or in the cache.
    expect(bundlesLeft()).toEqual([]);
  });

  it('answers from the cache while nothing changed, and again from the files once an imported one changed', async () => {
    await markKept();
    expect((await help(['--help'])).out).toBe('FROM THE CACHE\n');

    await writeFile(join(dir, 'tide-plugin.ts'), PLUGIN('ebb'));
    // Compared by content: an edit shows even within the file system's clock resolution.
    const after = await help(['--help']);
    expect(after.out).toContain('--ebb <when>');
    expect(after.out).not.toContain('--tide');

    // A package the configuration imports is upgraded (its package.json changes with it): the
    // kept answer is not used. (This process keeps the package's old module, so the flag's text
    // itself cannot change here; a new `race` process would import the new one.)
    await markKept();
    expect((await help(['--help'])).out).toBe('FROM THE CACHE\n');
    await installPackage('when the moon says', '1.1.0');
    const upgraded = await help(['--help']);
    expect(upgraded.out).not.toBe('FROM THE CACHE\n');
    expect(upgraded.out).toContain('--ebb <when>');
  });

  it('a configuration that reads files or the environment is loaded as written (its own import.meta) and its answer not kept', async () => {
    await mkdir(join(dir, 'reads'), { recursive: true });
    await writeFile(join(dir, 'reads', 'title.txt'), 'Read beside the configuration\n');
    await writeFile(
      join(dir, 'reads', 'race.config.ts'),
      `import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const title = readFileSync(new URL('./title.txt', import.meta.url), 'utf8').trim();
const again = readFileSync(join(import.meta.dirname, 'title.txt'), 'utf8').trim();
export default { plugins: [{ name: 'reader', variants: () => [], openCell: () => { throw new Error('no'); }, cli: { title: title === again ? title : 'differs', flags: [{ name: 'shade', type: 'string', group: 'x', description: String(process.env.SHADE ?? 'grey') }] } }] };
`,
    );
    const before = await readFile(cacheFile(), 'utf8');
    const r = await help(['--help'], join(dir, 'reads'));
    expect(r.err).toBe('');
    expect(r.out).toContain('Read beside the configuration');
    expect(r.out).toContain('--shade');
    expect(await readFile(cacheFile(), 'utf8')).toBe(before);
  });

  it('a cache file that is not what it should be is ignored and written again', async () => {
    for (const garbage of ['{"version": 1', JSON.stringify({ version: 'x', entries: null }), JSON.stringify({ version: JSON.parse(await readFile(cacheFile(), 'utf8')).version, entries: { [`help\0${join(dir, 'race.config.ts')}`]: { stamps: 'nope', text: 7 } } })]) {
      await writeFile(cacheFile(), garbage);
      const r = await help(['--help']);
      expect(r.code).toBe(0);
      expect(r.out).toContain('--ebb <when>');
    }
    expect((await help(['--help'])).out).toContain('--ebb <when>');
  });

  it('without a configuration: the core flags only; with one that cannot load: the core flags, why, and nothing kept', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'prh-help-none-'));
    try {
      const none = await help(['-h'], empty);
      expect(none.code).toBe(0);
      expect(none.out).toContain('--replay');
      expect(none.out).not.toContain('Tide');

      await writeFile(join(dir, 'broken.config.ts'), `import { NOTHING } from './no-such-file.ts';\nexport default { plugins: [NOTHING] };\n`);
      await writeFile(join(dir, 'throwing.config.ts'), `globalThis.__throwingConfigRuns = (globalThis.__throwingConfigRuns ?? 0) + 1;\nthrow new Error('no flags today');\n`);
      const before = await readFile(cacheFile(), 'utf8');
      const broken = await help(['--help', '--config', '../broken.config.ts']);
      expect(broken.code).toBe(0);
      expect(broken.out).toContain('Usage: race [options]');
      expect(broken.err).toMatch(/could not be loaded.*no-such-file/s);
      const throwing = await help(['--help', '--config', '../throwing.config.ts']);
      expect(throwing.code).toBe(0);
      expect(throwing.err).toContain('no flags today');
      // Its own error is not a reason to load it a second time another way.
      expect((globalThis as { __throwingConfigRuns?: number }).__throwingConfigRuns).toBe(1);
      expect(await readFile(cacheFile(), 'utf8')).toBe(before);
      expect(bundlesLeft()).toEqual([]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
