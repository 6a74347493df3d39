// Initialised PostgreSQL clusters kept between runs: initdb once per binary and settings, then each
// run starts on its own copy (about 80 ms for 28 MB, against about 800 ms for initdb).
import { randomBytes, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { chown, copyFile, mkdir, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { pidAlive } from './process-identity.ts';
import type { ServerBinaries, ServerUser } from './reachable-binaries.ts';

/** Bump when what an entry holds, or how it is made, changes: older entries are then never used. */
const LAYOUT = 1;
/** An entry no run has used for this long is removed (one per PostgreSQL build and settings). */
const UNUSED_FOR_MS = 30 * 24 * 3600 * 1000;
/** A half-written entry whose writer still runs is left alone for this long. */
const BUILDING_FOR_MS = 3600 * 1000;

/** A cluster ready to copy: its data directory and the password of its `postgres` role. */
export interface CachedCluster {
  readonly key: string;
  /** Random per build of the entry: a rebuilt entry (same key) disowns copies made of the old one. */
  readonly build: string;
  readonly data: string;
  readonly password: string;
}

interface Manifest {
  readonly layout: number;
  readonly key: string;
  readonly build: string;
  readonly binaries: Readonly<Record<string, { path: string; size: number; mtimeMs: number }>>;
  readonly initdbArgs: readonly string[];
  readonly created: string;
}

/**
 * Where the cluster cache goes: `RACE_CACHE_DIR`, else `$XDG_CACHE_HOME/position-race-harness`,
 * else `~/.cache/position-race-harness`; null (no cache: initdb on every start) when
 * `RACE_CACHE_DIR` is `off` or set but empty.
 */
export function clusterCacheDir(env: Readonly<Record<string, string | undefined>>): string | null {
  const explicit = env['RACE_CACHE_DIR'];
  if (explicit !== undefined) return explicit === '' || explicit === 'off' ? null : resolve(explicit);
  const xdg = env['XDG_CACHE_HOME'];
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
  return join(base, 'position-race-harness');
}

export class ClusterCache {
  /** `dir` is the harness's cache directory; clusters go in its `clusters/` folder. */
  constructor(dir: string) {
    this.root = join(dir, 'clusters');
  }
  readonly root: string;

  /**
   * The entry's name: the PostgreSQL build (path, size and mtime of its binaries, as installed by
   * npm) and initdb's arguments. Another version or other settings is another entry.
   */
  key(bins: ServerBinaries, initdbArgs: readonly string[]): string {
    return createHash('sha256').update(JSON.stringify({ LAYOUT, binaries: identify(bins), initdbArgs })).digest('hex').slice(0, 16);
  }

  /** The entry for `key` if it is complete; touches it so pruning sees it in use. */
  lookup(key: string): CachedCluster | null {
    const dir = join(this.root, key);
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Partial<Manifest>;
      if (manifest.layout !== LAYOUT || manifest.key !== key || typeof manifest.build !== 'string' || !/^[0-9a-f]+$/.test(manifest.build)) return null;
      const data = join(dir, 'data');
      if (!existsSync(join(data, 'PG_VERSION')) || !existsSync(join(data, 'global', 'pg_control'))) return null;
      const password = readFileSync(join(dir, 'password'), 'utf8').trim();
      if (!password) return null;
      const now = new Date();
      utimesSync(join(dir, 'manifest.json'), now, now);
      return { key, build: manifest.build, data, password };
    } catch {
      return null;
    }
  }

  /**
   * Stores a copy of a freshly initialised, never started `data` directory under `key`. Written in
   * a private directory and renamed into place: a concurrent run sees the whole entry or none, and
   * when two runs store the same key the first rename wins and the other's copy is removed. An
   * entry in the way that does not pass `lookup` (an older layout, half removed) is replaced.
   */
  async store(key: string, bins: ServerBinaries, initdbArgs: readonly string[], data: string, password: string): Promise<void> {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const tmp = join(this.root, `tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      mkdirSync(tmp, { mode: 0o700 });
      await copyCluster(data, join(tmp, 'data'), null);
      writeFileSync(join(tmp, 'password'), `${password}\n`, { mode: 0o600 });
      const manifest: Manifest = { layout: LAYOUT, key, build: randomBytes(4).toString('hex'), binaries: identify(bins), initdbArgs, created: new Date().toISOString() };
      writeFileSync(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
      for (let attempt = 0; ; attempt++) {
        try {
          renameSync(tmp, join(this.root, key));
          return;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
        }
        // Taken: by a concurrent run's complete entry (keep it), or by a stale or broken one.
        if (attempt > 0 || this.lookup(key)) return;
        this.discard(key);
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** Removes the entry (it did not start): moved aside first, so no run copies half of it. */
  discard(key: string): void {
    const trash = join(this.root, `trash-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      renameSync(join(this.root, key), trash);
    } catch {
      return; // gone already: another run discarded it
    }
    rmSync(trash, { recursive: true, force: true });
  }

  /** Removes what dead runs left half-made, discarded entries, and entries unused for 30 days. */
  prune(now = Date.now()): void {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(this.root, name);
      try {
        const writer = /^(?:tmp|trash)-(\d+)-/.exec(name);
        if (writer) {
          const age = now - statSync(path).mtimeMs;
          if (name.startsWith('trash-') || !pidAlive(Number(writer[1])) || age > BUILDING_FOR_MS) rmSync(path, { recursive: true, force: true });
          continue;
        }
        if (now - statSync(join(path, 'manifest.json')).mtimeMs > UNUSED_FOR_MS) this.discard(name);
      } catch {
        // an entry without a manifest is being discarded by another run, or is not ours: leave it
      }
    }
  }
}

function identify(bins: ServerBinaries): Manifest['binaries'] {
  const one = (p: string) => {
    const real = realpathSync(p);
    const st = statSync(real);
    return { path: real, size: st.size, mtimeMs: Math.trunc(st.mtimeMs) };
  };
  return { initdb: one(bins.initdb), postgres: one(bins.postgres) };
}

/**
 * Copies a data directory (directories 0700, files keeping their mode), many files at a time,
 * handing each to `owner` when given (as root, the server runs as another user).
 */
export async function copyCluster(src: string, dest: string, owner: ServerUser | null): Promise<void> {
  await mkdir(dest, { mode: 0o700 });
  if (owner) await chown(dest, owner.uid, owner.gid);
  const entries = await readdir(src, { withFileTypes: true });
  await Promise.all(
    entries.map(async (e) => {
      const from = join(src, e.name);
      const to = join(dest, e.name);
      if (e.isDirectory()) return copyCluster(from, to, owner);
      // A data directory holds directories and plain files only (no tablespaces, no pg_wal link).
      if (!e.isFile()) throw new Error(`unexpected ${e.isSymbolicLink() ? 'symbolic link' : 'special file'} ${from} in a cached cluster`);
      await copyFile(from, to);
      if (owner) await chown(to, owner.uid, owner.gid);
    }),
  );
}
