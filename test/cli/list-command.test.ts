// A plain `race --list` of the compiled CLI, answered from node_modules/.cache: kept with what it
// came from, given again while nothing changed, computed again when a scenario file is added,
// removed or edited (or a file it imports); anything else, and every error, is left to the full
// command.
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPlainList, listCommand } from '../../harness/cli/list-command.ts';
import { fakeStream } from '../support/fake-stream.ts';

// Scenarios of the test's own, written without the harness's imports (a scenario is recognised by
// its shape), so the bundles hold nothing but the project's files.
const PLUGIN = `export const plain = { name: 'plain', variants: () => [{ id: 'default' }], openCell: () => { throw new Error('not run here'); } };\n`;
const RACE = (name: string, title: string) => `import { plain } from './plain-plugin.ts';\nimport { TITLE_SUFFIX } from './words.ts';\nexport const s = { name: '${name}', title: '${title}' + TITLE_SUFFIX, plugin: plain };\n`;

let dir: string;
const cacheFile = () => join(dir, 'node_modules', '.cache', 'position-race-harness', 'answers.json');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prh-list-'));
  await mkdir(join(dir, 'node_modules'));
  await mkdir(join(dir, 'races'));
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  await writeFile(join(dir, 'race.config.ts'), `export default { scenarios: ['races/*.race.ts'] };\n`);
  await writeFile(join(dir, 'races', 'plain-plugin.ts'), PLUGIN);
  await writeFile(join(dir, 'races', 'words.ts'), `export const TITLE_SUFFIX = '.';\n`);
  await writeFile(join(dir, 'races', 'a.race.ts'), RACE('alpha', 'the first race'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function list(argv: readonly string[] = ['--list']) {
  const out = fakeStream();
  const err = fakeStream();
  const code = await listCommand(argv, dir, { out: out.stream, err: err.stream });
  return { code, out: out.text(), err: err.text() };
}

/** Marks the kept listings, to tell an answer from the cache from one computed again. */
async function markKept() {
  const kept = JSON.parse(await readFile(cacheFile(), 'utf8')) as { entries: Record<string, { text: string }> };
  for (const e of Object.values(kept.entries)) e.text = JSON.stringify({ ...JSON.parse(e.text), out: 'FROM THE CACHE\n' });
  await writeFile(cacheFile(), JSON.stringify(kept));
}

/** A later modification time, even on a file system with coarse times. */
const touch = (file: string) => utimes(file, new Date(), new Date(Date.now() + 5000));

describe('race --list from the cache', () => {
  it('lists the scenarios and keeps the listing', async () => {
    const r = await list();
    expect(r.code).toBe(0);
    expect(r.out).toContain('alpha');
    expect(r.out).toContain('the first race.');
    expect(r.out).toContain('Strategies:');
    await markKept();
    expect((await list()).out).toBe('FROM THE CACHE\n');
    expect(readdirSync(dir).filter((f) => f.includes('.timestamp-'))).toEqual([]);
  });

  it('computes it again when a scenario file is added or removed, or a file one imports changes', async () => {
    await writeFile(join(dir, 'races', 'b.race.ts'), RACE('beta', 'the second race'));
    const added = await list();
    expect(added.out).toContain('beta');
    expect(added.out).toContain('alpha');

    await markKept();
    await rm(join(dir, 'races', 'b.race.ts'));
    const removed = await list();
    expect(removed.out).not.toBe('FROM THE CACHE\n');
    expect(removed.out).not.toContain('beta');

    await markKept();
    await writeFile(join(dir, 'races', 'words.ts'), `export const TITLE_SUFFIX = '!';\n`);
    await touch(join(dir, 'races', 'words.ts'));
    // This process keeps the modules it imported, so the new text itself shows only in a new
    // `race` process: here, that the kept listing is not used.
    expect((await list()).out).not.toBe('FROM THE CACHE\n');
  });

  it('leaves every error, and every other flag, to the full command', async () => {
    await writeFile(join(dir, 'races', 'c.race.ts'), `throw new Error('not today');\n`);
    try {
      expect((await list()).code).toBeNull();
    } finally {
      await rm(join(dir, 'races', 'c.race.ts'));
    }
    expect(isPlainList(['--list'])).toBe(true);
    expect(isPlainList(['--list', '--config', 'x.config.ts', '--scenarios=races/*.ts'])).toBe(true);
    expect(isPlainList(['--list', '--scenario', 'alpha'])).toBe(false);
    expect(isPlainList(['--list', '--config'])).toBe(false);
    expect(isPlainList(['--config', 'x.config.ts'])).toBe(false);
  });
});
