// A harness process killed with SIGKILL cannot clean up: the next embedded start removes the
// directories whose owner process is gone, and leaves a live owner's directory alone.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgresProvider } from '../../harness/db/index.ts';

const base = mkdtempSync(join(tmpdir(), 'prh-reap-'));
// As root, PostgreSQL runs as another user, who must be able to reach its directory in here.
chmodSync(base, 0o755);
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('orphaned embedded directories', () => {
  it('are removed when their owner is dead, kept while it lives', async () => {
    // A pid that surely no longer exists: a child that has already exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const orphan = join(base, 'prh-pg-orphan');
    mkdirSync(join(orphan, 'data'), { recursive: true });
    writeFileSync(join(orphan, 'owner.pid'), dead);
    const living = join(base, 'prh-pg-living');
    mkdirSync(living);
    writeFileSync(join(living, 'owner.pid'), String(process.pid));

    const server = await new EmbeddedPostgresProvider({ baseDir: base }).start();
    await server.stop();

    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(living)).toBe(true);
  });
});
