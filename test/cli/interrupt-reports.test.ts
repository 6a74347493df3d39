// Ctrl-C (SIGINT) or SIGTERM in the middle of a run: the cells that finished are in the reports,
// the others marked as not run because the run was interrupted, and the exit code says which
// signal (130, 143).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunResult } from '../../harness/run/index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prh-interrupt-reports-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The worked examples' eleven quick cells, one at a time; `signal` once the first has finished. */
async function interrupted(signal: NodeJS.Signals, out: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=prh-source', '--import', 'tsx', 'harness/cli/main.ts', '--config', 'examples/race.config.ts', '--workers', '1', '--format', 'json,md', '--out', out], {
    env: { ...process.env, DATABASE_URL: inject('pgAdminUrl'), NO_COLOR: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr.on('data', (c: Buffer) => {
    const first = !stderr.includes('[1/');
    stderr += c.toString();
    if (first && stderr.includes('[1/')) child.kill(signal);
  });
  return { code: await exited, stderr };
}

describe('an interrupted run', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: the finished cells are reported, the rest marked as not run, exit %i', async (signal, exitCode) => {
    const out = join(dir, signal);
    const r = await interrupted(signal, out);
    expect(r.code, r.stderr).toBe(exitCode);
    expect(r.stderr).toMatch(new RegExp(`interrupted \\(${signal}\\): the \\d+ cells that finished are in .*results\\.json`));
    const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult;
    expect(result.cells).toHaveLength(11);
    const done = result.cells.filter((c) => c.incomplete === undefined);
    const notRun = result.cells.filter((c) => c.incomplete !== undefined);
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(notRun.length).toBeGreaterThanOrEqual(1);
    for (const c of done) expect(c.schedules, `${c.scenario}@${c.variant}`).toBeGreaterThan(0);
    for (const c of notRun) {
      expect(c.incomplete).toBe('not-run');
      expect(c.error).toContain(`not run: interrupted by ${signal} after ${done.length} of 11 cells`);
    }
    expect(result.failure?.code).toBe('E_INTERRUPTED');
    expect(await readFile(join(out, 'summary.md'), 'utf8')).toContain(done[0]?.scenario ?? '?');
  });
});
