// `--workers N` from the real entry point runs N processes, one shard each, and merges their
// results into one report; `--merge` does the same for shards run elsewhere.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunResult } from '../../harness/run/index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prh-workers-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function scenarios(args: readonly string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli/main.ts', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: inject('pgAdminUrl') },
  });
}

describe('worker processes', () => {
  it('run the matrix in two processes and write one merged report', async () => {
    const out = join(dir, 'two');
    const r = scenarios(['--workers', '2', '--scenario', 'signal-sync', '--scenario', 'close-reopen', '--layers', 'baseline', '--layers', 'recommended', '--ci', '--out', out]);
    expect(r.stderr).not.toContain('internal error');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('2 worker processes');
    const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult;
    expect(result.cells.map((c) => `${c.scenario}@${c.layers}`)).toEqual([
      'signal-sync@baseline',
      'signal-sync@recommended',
      'close-reopen@baseline',
      'close-reopen@recommended',
    ]);
    expect(result.options.workers).toBe(2);
    expect(result.cells.find((c) => c.layers === 'baseline' && c.scenario === 'signal-sync')?.measured).toBe('violates');
  });

  it('--merge joins shards run apart, and --ci judges the merged matrix', async () => {
    const shards = [1, 2].map((k) => join(dir, `shard-${k}`));
    for (const [i, out] of shards.entries()) {
      const r = scenarios(['--workers', '1', '--shard', `${i + 1}/2`, '--scenario', 'close-reopen', '--layers', 'baseline', '--layers', 'full-unique-index', '--format', 'json', '--out', out]);
      expect(r.status).toBe(0);
    }
    const merged = join(dir, 'merged');
    const files = shards.map((s) => join(s, 'results.json')).join(',');
    const ok = scenarios(['--merge', files, '--ci', '--out', merged]);
    expect(ok.status).toBe(0);
    const result = JSON.parse(await readFile(join(merged, 'results.json'), 'utf8')) as RunResult;
    expect(result.cells).toHaveLength(2);
    const flipped = JSON.parse(await readFile(join(shards[0] as string, 'results.json'), 'utf8')) as RunResult;
    const bad = { ...flipped, cells: flipped.cells.map((c) => ({ ...c, agrees: false })) };
    await writeFile(join(dir, 'flipped.json'), JSON.stringify(bad));
    expect(scenarios(['--merge', `${join(dir, 'flipped.json')},${join(shards[1] as string, 'results.json')}`, '--ci', '--out', merged]).status).toBe(1);
    expect(scenarios(['--merge', join(dir, 'missing.json')]).status).toBe(2);
  });
});
