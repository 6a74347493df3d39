// `--workers N` from the real entry point runs N processes taking cells from one shared queue and
// writes one report; a worker killed with SIGKILL loses nothing (its cell runs again in another);
// `--merge` joins shards run elsewhere.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunResult } from '../../../harness/run/index.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prh-workers-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function scenarios(args: readonly string[]) {
  return spawnSync(process.execPath, ['--conditions=prh-source', '--import', 'tsx', 'harness/cli/main.ts', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: inject('pgAdminUrl') },
  });
}

describe('worker processes', () => {
  it('a worker killed with SIGKILL mid-cell loses nothing: its cell runs again, every cell is reported', async () => {
    const out = join(dir, 'killed');
    const cells = ['--scenario', 'activation-race', '--scenario', 'signal-sync', '--scenario', 'lost-update', '--scenario', 'close-reopen', '--layers', 'recommended', '--layers', 'check-open-statuses'];
    const child = spawn(process.execPath, ['--conditions=prh-source', '--import', 'tsx', 'harness/cli/main.ts', ...cells, '--workers', '2', '--ci', '--format', 'json', '--out', out], {
      env: { ...process.env, DATABASE_URL: inject('pgAdminUrl') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const firstCellDone = new Promise<void>((resolve) =>
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
        if (stderr.includes('[1/')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await firstCellDone;
    // The victim: a worker with a cell in progress, found by its clone database (prh_w_<pid>_<n>) —
    // a worker of this command: another test file running meanwhile clones databases named after
    // its own process, and killing that one would kill a test runner's worker.
    const side = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await side.connect();
    let victim = 0;
    try {
      for (let attempt = 0; attempt < 10_000 && !victim; attempt++) {
        const r = await side.query<{ datname: string }>(`SELECT datname FROM pg_stat_activity WHERE application_name = 'prh-observer' AND datname ~ '^prh_w_[0-9]+_'`);
        const pids = r.rows.map((row) => Number(/^prh_w_(\d+)_/.exec(row.datname)?.[1] ?? 0));
        victim = pids.find((pid) => pid > 0 && parentOf(pid) === child.pid) ?? 0;
      }
      expect(victim).toBeGreaterThan(0);
      process.kill(victim, 'SIGKILL');
      expect(await exited, `${stdout}\n${stderr}`).toBe(0);
      const left = await side.query(`SELECT datname FROM pg_database WHERE datname ~ $1`, [`^prh_.*_${victim}_[0-9]+$`]);
      expect(left.rows).toEqual([]);
    } finally {
      await side.end();
    }
    expect(stderr).toMatch(new RegExp(`worker process \\d \\(pid ${victim}, #\\d+\\) died \\(signal SIGKILL\\) while running [a-z-]+@[a-z-]+; the cell goes back to the queue`));
    expect(stderr).not.toContain('internal error');
    const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult;
    expect(result.cells).toHaveLength(8);
    for (const c of result.cells) {
      expect(c.incomplete, `${c.scenario}@${c.variant}`).toBeUndefined();
      expect(c.coverage.complete, `${c.scenario}@${c.variant}`).toBe(true);
      expect(c.agrees, `${c.scenario}@${c.variant}`).toBe(true);
    }
  });

  it('run the matrix in two processes and write one merged report', async () => {
    const out = join(dir, 'two');
    const r = scenarios(['--workers', '2', '--scenario', 'signal-sync', '--scenario', 'close-reopen', '--layers', 'baseline', '--layers', 'recommended', '--ci', '--out', out]);
    expect(r.stderr).not.toContain('internal error');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('2 worker processes');
    const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult;
    expect(result.cells.map((c) => `${c.scenario}@${c.variant}`)).toEqual([
      'signal-sync@baseline',
      'signal-sync@recommended',
      'close-reopen@baseline',
      'close-reopen@recommended',
    ]);
    expect(result.options.workers).toBe(2);
    expect(result.cells.find((c) => c.variant === 'baseline' && c.scenario === 'signal-sync')?.measured).toBe('violates');
  });

  it('worker processes get the odds pass and the timing model of the run (and none of it under --ci)', async () => {
    const out = join(dir, 'odds');
    const r = scenarios(['--workers', '2', '--scenario', 'signal-sync', '--layers', 'check-open-statuses', '--layers', 'recommended', '--budget', '40', '--odds-runs', '3', '--sync-interval', '5000', '--format', 'json', '--out', out]);
    expect(r.stderr).not.toContain('error');
    expect(r.status).toBe(0);
    const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult;
    expect(result.options.timing?.figures['periodicIntervalMs']).toBe(5000);
    for (const c of result.cells) expect(c.odds?.runs, c.variant).toBe(3);
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

/** The parent pid of `pid` (from /proc), or 0 when it is gone. */
function parentOf(pid: number): number {
  try {
    return Number(/^PPid:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
