// An embedded PostgreSQL never outlives its owner for long: SIGTERM stops it before the owner
// exits; after SIGKILL the watchdog stops it and removes its directory; and if the watchdog was
// killed too, the next start stops it (with a line saying so).
import { existsSync, mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgresProvider, clusterCacheDir } from '../../harness/db/index.ts';
import { eventually, harnessChild } from '../support/harness-child.ts';

// Run directories of this file only; as root, PostgreSQL runs as another user, who must enter it.
const base = mkdtempSync(join(tmpdir(), 'prh-owner-death-'));
chmodSync(base, 0o755);
const cacheDir = clusterCacheDir(process.env) ?? join(base, 'cache');
afterAll(() => rmSync(base, { recursive: true, force: true }));

interface Made {
  readonly pid: number;
  readonly dir: string;
  readonly postmaster: number;
  readonly watchdog: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

describe('the owner of an embedded PostgreSQL dies', () => {
  it('SIGTERM: the server is stopped and its directory gone when the owner has exited', async () => {
    const child = harnessChild<Made>('embedded', cacheDir, base);
    const made = await child.made;
    expect(alive(made.postmaster)).toBe(true);
    child.process.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 143, signal: null });
    expect(alive(made.postmaster)).toBe(false);
    expect(existsSync(made.dir)).toBe(false);
  });

  it('SIGKILL: the watchdog stops the server and removes its directory', async () => {
    const child = harnessChild<Made>('embedded', cacheDir, base);
    const made = await child.made;
    child.process.kill('SIGKILL');
    await child.exited;
    expect(await eventually(() => !alive(made.postmaster) && !existsSync(made.dir) && !alive(made.watchdog))).toBe(true);
  });

  it('SIGKILL of the owner and its watchdog: the next start stops the server and says so', async () => {
    const child = harnessChild<Made>('embedded', cacheDir, base);
    const made = await child.made;
    process.kill(made.watchdog, 'SIGKILL');
    child.process.kill('SIGKILL');
    await child.exited;
    expect(await eventually(() => !alive(made.watchdog))).toBe(true);
    expect(alive(made.postmaster)).toBe(true);

    const notices: string[] = [];
    const next = await new EmbeddedPostgresProvider({ cacheDir, baseDir: base, notice: (line) => notices.push(line) }).start();
    await next.stop();
    expect(alive(made.postmaster)).toBe(false);
    expect(existsSync(made.dir)).toBe(false);
    expect(notices).toEqual([`stopped an embedded PostgreSQL (pid ${made.postmaster}) left running by a run that died (pid ${made.pid})`]);
  });
});
