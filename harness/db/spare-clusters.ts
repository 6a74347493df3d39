// Copies of a cached cluster made ahead, in the cache directory: a start renames one into its run
// directory instead of copying 1000 files on its critical path (80 ms on a quiet disk, 400 ms and
// more on a busy one), and the watchdog makes the next once the run has ended. Rename only works
// within one file system: where the cache and the run directories are on two, there are no spares.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CachedCluster } from './cluster-cache.ts';
import { pidAlive } from './process-identity.ts';

/** A spare of another PostgreSQL build or settings no run has taken for this long is removed. */
const UNTAKEN_FOR_MS = 7 * 24 * 3600 * 1000;
const FILL = 'fill-';
const GONE = 'gone-';

/** What the watchdog copies where: `from` into `fill/data`, then `fill` renamed to `spare`. */
export interface SparePlan {
  readonly from: string;
  readonly fill: string;
  readonly spare: string;
}

/** `<key>-<build>`: a spare is a copy of one build of one cache entry. */
function stem(cluster: Pick<CachedCluster, 'key' | 'build'>): string {
  return `${cluster.key}-${cluster.build}`;
}

export class SpareClusters {
  private constructor(readonly dir: string) {}

  /** The spares of `cacheDir`, if it is on the file system of `base` (where run directories go). */
  static beside(cacheDir: string, base: string): SpareClusters | null {
    const dir = join(cacheDir, 'spares');
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      return statSync(dir).dev === statSync(base).dev ? new SpareClusters(dir) : null;
    } catch {
      return null;
    }
  }

  private list(): string[] {
    try {
      return readdirSync(this.dir);
    } catch {
      return [];
    }
  }

  /**
   * Moves the data directory of a spare copy of `cluster` to `data` (which must not exist). Rename
   * is atomic: of two runs taking the same spare, one gets it and the other tries the next or copies.
   */
  claim(cluster: CachedCluster, data: string): boolean {
    const prefix = `${stem(cluster)}-`;
    for (const name of this.list().filter((n) => n.startsWith(prefix))) {
      try {
        renameSync(join(this.dir, name, 'data'), data);
      } catch {
        continue;
      }
      rmSync(join(this.dir, name), { recursive: true, force: true });
      return true;
    }
    return false;
  }

  /** Where the next spare goes, or null when one is there or being made. `maker` is the watchdog's pid. */
  plan(cluster: CachedCluster, maker: number): SparePlan | null {
    const s = stem(cluster);
    if (this.list().some((n) => n.startsWith(`${s}-`) || n.startsWith(`${FILL}${s}-`))) return null;
    const tag = randomBytes(4).toString('hex');
    return { from: cluster.data, fill: join(this.dir, `${FILL}${s}-${maker}-${tag}`), spare: join(this.dir, `${s}-${tag}`) };
  }

  /** Where a stopped run's directory is moved for `remover` (the watchdog) to delete after the command returned. */
  grave(remover: number): string {
    return join(this.dir, `${GONE}${remover}-${randomBytes(4).toString('hex')}`);
  }

  /**
   * Removes half-made spares and unremoved run directories whose watchdog died, spares of an older
   * build of `current`'s entry (it was rebuilt: they may hold what broke it), spares whose data a
   * dead run took, and spares of other entries untaken for a week.
   */
  prune(current: CachedCluster | null, now = Date.now()): void {
    for (const name of this.list()) {
      const path = join(this.dir, name);
      try {
        if (name.startsWith(FILL) || name.startsWith(GONE)) {
          const parts = name.split('-');
          const maker = Number(name.startsWith(FILL) ? parts[3] : parts[1]);
          if (!pidAlive(maker)) rmSync(path, { recursive: true, force: true });
          continue;
        }
        const [key, build] = name.split('-');
        const stale = current && key === current.key ? build !== current.build : now - statSync(path).mtimeMs > UNTAKEN_FOR_MS;
        if (stale || !statSync(join(path, 'data')).isDirectory()) rmSync(path, { recursive: true, force: true });
      } catch (e) {
        // a spare without data: taken by a run that died before removing it (ENOENT); else in use
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') rmSync(path, { recursive: true, force: true });
      }
    }
  }
}
