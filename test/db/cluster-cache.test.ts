// The embedded provider's cluster cache: initdb once, then every start on a copy of that cluster
// (the same system identifier); a spare copy made ahead is taken by the next start; two processes
// on an empty cache both work and leave one entry; an entry that is stale or does not start is
// rebuilt; RACE_CACHE_DIR moves or disables the cache.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgresProvider, clusterCacheDir } from '../../harness/db/index.ts';
import { eventually, harnessChild } from '../support/harness-child.ts';

// Cache and run directories of this file only; as root, PostgreSQL runs as another user, who must enter `base`.
const base = mkdtempSync(join(tmpdir(), 'prh-cluster-cache-'));
chmodSync(base, 0o755);
afterAll(() => rmSync(base, { recursive: true, force: true }));
let caches = 0;
const freshCache = () => join(base, `cache-${++caches}`);

/** Starts a server on `cacheDir`, returns its system identifier (equal for copies of one cluster) and notices. */
async function startOnce(cacheDir: string | null): Promise<{ id: string; notices: string[] }> {
  const notices: string[] = [];
  const server = await new EmbeddedPostgresProvider({ cacheDir, baseDir: base, notice: (line) => notices.push(line) }).start();
  try {
    const client = new pg.Client({ connectionString: server.urlFor('postgres') });
    await client.connect();
    try {
      return { id: String((await client.query('SELECT system_identifier FROM pg_control_system()')).rows[0]?.system_identifier), notices };
    } finally {
      await client.end();
    }
  } finally {
    await server.stop();
  }
}

const entries = (cacheDir: string) => readdirSync(join(cacheDir, 'clusters'));
const spares = (cacheDir: string) => readdirSync(join(cacheDir, 'spares'));
/** Spares ready to take (not being made, not an old run directory being removed). */
const readySpares = (cacheDir: string) => spares(cacheDir).filter((n) => !n.startsWith('fill-') && !n.startsWith('gone-'));
/** The watchdogs have finished: nothing being made or removed. */
const settled = (cacheDir: string) => spares(cacheDir).every((n) => !n.startsWith('fill-') && !n.startsWith('gone-'));

describe('clusterCacheDir', () => {
  it('RACE_CACHE_DIR, else XDG_CACHE_HOME, else ~/.cache; off or empty disables it', () => {
    expect(clusterCacheDir({ RACE_CACHE_DIR: '/var/cache/race', XDG_CACHE_HOME: '/x' })).toBe('/var/cache/race');
    expect(clusterCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/position-race-harness');
    expect(clusterCacheDir({ XDG_CACHE_HOME: 'relative' })).toBe(join(homedir(), '.cache', 'position-race-harness'));
    expect(clusterCacheDir({})).toBe(join(homedir(), '.cache', 'position-race-harness'));
    expect(clusterCacheDir({ RACE_CACHE_DIR: 'off' })).toBeNull();
    expect(clusterCacheDir({ RACE_CACHE_DIR: '' })).toBeNull();
  });
});

describe('the cluster cache', () => {
  it('initdb once: later starts run on copies of the same cluster, the second on a spare made ahead', async () => {
    const cache = freshCache();
    const first = await startOnce(cache);
    expect(entries(cache)).toHaveLength(1);
    const entry = join(cache, 'clusters', entries(cache)[0] as string);
    expect(JSON.parse(readFileSync(join(entry, 'manifest.json'), 'utf8'))).toMatchObject({ layout: 1, key: entries(cache)[0] });
    expect(statSync(entry).mode & 0o077).toBe(0);
    // After a stop the watchdog makes one spare; the next start takes it.
    expect(await eventually(() => settled(cache) && readySpares(cache).length === 1)).toBe(true);
    const [spare] = readySpares(cache);
    const second = await startOnce(cache);
    expect(second).toEqual({ id: first.id, notices: [] });
    expect(spares(cache)).not.toContain(spare);
    expect(await eventually(() => settled(cache) && readySpares(cache).length === 1)).toBe(true);
    // Two starts at once with one spare: one takes it, the other copies the entry; the same cluster.
    expect(await Promise.all([startOnce(cache), startOnce(cache)])).toEqual([second, second]);
    expect(await eventually(() => settled(cache))).toBe(true);
    // Without a spare: a copy of the cache entry, the same cluster.
    for (const name of spares(cache)) rmSync(join(cache, 'spares', name), { recursive: true, force: true });
    expect((await startOnce(cache)).id).toBe(first.id);
  });

  it('disabled (cacheDir null): initdb on every start', async () => {
    const a = await startOnce(null);
    const b = await startOnce(null);
    expect(a.id).not.toBe(b.id);
  });

  it('two processes at once on an empty cache both work, and leave one complete entry', async () => {
    const cache = freshCache();
    const children = [harnessChild<{ id: string }>('start-stop', cache, base), harnessChild<{ id: string }>('start-stop', cache, base)];
    const ids = await Promise.all(children.map((c) => c.made));
    expect(await Promise.all(children.map((c) => c.exited))).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    expect(ids.every((r) => /^\d+$/.test(r.id))).toBe(true);
    expect(entries(cache)).toHaveLength(1);
    expect(await eventually(() => settled(cache))).toBe(true);
    // The entry that won is the one every later start uses.
    const later = await startOnce(cache);
    expect((await startOnce(cache)).id).toBe(later.id);
  });

  it('an entry of an older layout is rebuilt, and spares of the old build are not used', async () => {
    const cache = freshCache();
    const old = await startOnce(cache);
    expect(await eventually(() => settled(cache) && readySpares(cache).length === 1)).toBe(true);
    const manifest = join(cache, 'clusters', entries(cache)[0] as string, 'manifest.json');
    writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), layout: 0 }));

    const rebuilt = await startOnce(cache);
    expect(rebuilt.id).not.toBe(old.id);
    expect(JSON.parse(readFileSync(manifest, 'utf8'))).toMatchObject({ layout: 1 });
    expect(await eventually(() => settled(cache))).toBe(true);
    expect((await startOnce(cache)).id).toBe(rebuilt.id);
  });

  it('an entry whose copy does not start (a corrupt pg_control) is rebuilt, with a line saying so', async () => {
    const cache = freshCache();
    const old = await startOnce(cache);
    expect(await eventually(() => settled(cache))).toBe(true);
    for (const name of spares(cache)) rmSync(join(cache, 'spares', name), { recursive: true, force: true });
    const control = join(cache, 'clusters', entries(cache)[0] as string, 'data', 'global', 'pg_control');
    writeFileSync(control, Buffer.alloc(statSync(control).size));

    const rebuilt = await startOnce(cache);
    expect(rebuilt.id).not.toBe(old.id);
    expect(rebuilt.notices).toHaveLength(1);
    expect(rebuilt.notices[0]).toMatch(/^the cached PostgreSQL cluster [0-9a-f]{16} did not start \(.*\); rebuilding it$/);
    expect(existsSync(control)).toBe(true);
    expect(await eventually(() => settled(cache))).toBe(true);
    expect(await startOnce(cache)).toEqual({ id: rebuilt.id, notices: [] });
  });
});
