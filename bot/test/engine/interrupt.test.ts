// Ctrl-C during `npm run scenarios`: the embedded PostgreSQL is stopped and its temporary
// directory removed before the process exits (no server, no directory left behind).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const tmp = mkdtempSync(join(tmpdir(), 'prh-interrupt-'));
// As root, PostgreSQL runs as another user, who must be able to reach its directory in here.
chmodSync(tmp, 0o755);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('SIGINT during a run', () => {
  it('stops PostgreSQL and removes its directory, exiting 130', async () => {
    // A private TMPDIR: the embedded provider puts its directory there, and only there.
    const child = spawn(process.execPath, ['--conditions=prh-source', '--import', 'tsx', 'harness/cli/main.ts', '--scenario', 'signal-sync', '--layers', 'baseline', '--out', join(tmp, 'out')], {
      env: { ...process.env, TMPDIR: tmp, DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let serverDirSeen = false;
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        // "Running ..." is printed once the server is up and the run starts.
        if (out.includes('Running')) {
          serverDirSeen = readdirSync(tmp).some((n) => n.startsWith('prh-pg-'));
          child.kill('SIGINT');
          resolve();
        }
      });
      child.once('exit', () => reject(new Error(`exited before the run started: ${out}${err}`)));
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(serverDirSeen).toBe(true);
    expect(code).toBe(130);
    expect(readdirSync(tmp).filter((n) => n.startsWith('prh-'))).toEqual([]);
    const ps = spawnSync('pgrep', ['-f', tmp], { encoding: 'utf8' });
    expect(ps.stdout.trim()).toBe('');
  });
});
