// `race --help` with its cache, as the compiled bin runs it: the configuration is bundled (its
// imports named), the answer is kept in node_modules/.cache and reused until the configuration, a
// file it imports or the installed packages change; a configuration that cannot load still gets
// help, and nothing is kept for it.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helpCommand } from '../../harness/cli/help-command.ts';
import { fakeStream } from '../support/fake-stream.ts';

// A plugin of the test's own, written without the harness's imports: the bundle inlines every
// project file, and a plugin is recognised by its shape.
const PLUGIN = (flag: string) => `export const TIDE = {
  name: 'tide',
  variants: () => [],
  openCell: () => { throw new Error('not run here'); },
  cli: { title: 'Tide (a plugin of the test)', flags: [{ name: '${flag}', type: 'string', value: '<when>', group: 'x', description: 'when the tide turns' }] },
};
`;

let dir: string;
const cacheFile = () => join(dir, 'node_modules', '.cache', 'position-race-harness', 'answers.json');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prh-help-'));
  await mkdir(join(dir, 'node_modules'));
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  await writeFile(join(dir, 'tide-plugin.ts'), PLUGIN('tide'));
  await writeFile(join(dir, 'race.config.ts'), `import { TIDE } from './tide-plugin.ts';\nconst plugins: unknown[] = [TIDE];\nexport default { scenarios: ['*.race.ts'], plugins };\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

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
    const kept = JSON.parse(await readFile(cacheFile(), 'utf8')) as { entries: Record<string, { inputs: [string, string][]; text: string }> };
    const entry = Object.values(kept.entries)[0];
    expect(entry?.text).toBe(first.out);
    const inputs = entry?.inputs.map(([p]) => p) ?? [];
    expect(inputs).toEqual(expect.arrayContaining([join(dir, 'race.config.ts'), join(dir, 'tide-plugin.ts'), join(dir, 'package.json')]));
    // The bundle beside the configuration is gone.
    expect(readdirSync(dir).filter((f) => f.includes('.timestamp-'))).toEqual([]);
  });

  it('answers from the cache while nothing changed, and again from the files once an imported one changed', async () => {
    // Mark the kept answer, to tell an answer from the cache from one computed again.
    const kept = JSON.parse(await readFile(cacheFile(), 'utf8')) as { version: string; entries: Record<string, { text: string }> };
    for (const e of Object.values(kept.entries)) e.text = 'FROM THE CACHE\n';
    await writeFile(cacheFile(), JSON.stringify(kept));
    expect((await help(['--help'])).out).toBe('FROM THE CACHE\n');

    await writeFile(join(dir, 'tide-plugin.ts'), PLUGIN('ebb'));
    // A later modification time even on a file system with coarse times.
    await utimes(join(dir, 'tide-plugin.ts'), new Date(), new Date(Date.now() + 5000));
    const after = await help(['--help']);
    expect(after.out).toContain('--ebb <when>');
    expect(after.out).not.toContain('--tide');
  });

  it('without a configuration: the core flags only; with one that cannot load: the core flags, why, and nothing kept', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'prh-help-none-'));
    try {
      const none = await help(['-h'], empty);
      expect(none.code).toBe(0);
      expect(none.out).toContain('--replay');
      expect(none.out).not.toContain('Tide');

      await writeFile(join(dir, 'broken.config.ts'), `import { NOTHING } from './no-such-file.ts';\nexport default { plugins: [NOTHING] };\n`);
      const before = await readFile(cacheFile(), 'utf8');
      const broken = await help(['--help', '--config', '../broken.config.ts']);
      expect(broken.code).toBe(0);
      expect(broken.out).toContain('Usage: race [options]');
      expect(broken.err).toMatch(/could not be loaded.*no-such-file/s);
      expect(await readFile(cacheFile(), 'utf8')).toBe(before);
      expect(existsSync(join(dir, 'broken.config.ts'))).toBe(true);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
