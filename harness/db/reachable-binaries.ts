// As root, PostgreSQL runs as an unprivileged user, who may not reach binaries installed under a
// directory only root can enter (a checkout in /root, mode 0700). We then run a per-build copy
// from a world-readable cache directory, made once and shared by every later run.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { HarnessError } from '../errors/index.ts';

export interface ServerBinaries {
  readonly initdb: string;
  readonly postgres: string;
}

export interface ServerUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export const BIN_CACHE_PREFIX = 'prh-pgbin-';

/**
 * True when the mode bits of `path` and of every directory above it give `user` search (execute)
 * permission: a stat per level instead of starting a process as `user` (20 ms and more each). A no
 * is checked by that process (a supplementary group may still allow it); a yes an ACL contradicts
 * shows as initdb's or postgres's own error.
 */
function allowedByModes(path: string, user: ServerUser): boolean {
  let p = resolve(path);
  for (;;) {
    let st;
    try {
      st = statSync(p);
    } catch {
      return false;
    }
    const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return false;
    const up = dirname(p);
    if (up === p) return true;
    p = up;
  }
}

/** True when `user` can run `binary` (every directory above it enterable, the file executable). */
export function runnableBy(binary: string, user: ServerUser): boolean {
  if (allowedByModes(binary, user)) return true;
  const r = spawnSync(binary, ['--version'], { uid: user.uid, gid: user.gid, stdio: 'ignore', timeout: 30_000 });
  return r.error === undefined && r.status === 0;
}

/** True when `user` can enter `dir` (the data directory made in it is then chowned to the user). */
export function enterableBy(dir: string, user: ServerUser): boolean {
  if (allowedByModes(dir, user)) return true;
  const r = spawnSync('sh', ['-c', 'test -x "$1"', 'sh', dir], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
  return r.status === 0;
}

/**
 * The binaries `user` can run: `bins` themselves when reachable, else a copy of their install
 * (bin/, lib/, share/) under `cacheBase`, keyed by a hash of the server binary. The copy is made
 * in a private temporary directory and renamed into place, so two runs at once never see half a
 * copy: the loser of the rename removes its own and uses the winner's.
 */
export function reachableBinaries(bins: ServerBinaries, user: ServerUser, cacheBase: string): ServerBinaries {
  if (runnableBy(bins.initdb, user) && runnableBy(bins.postgres, user)) return bins;
  const install = dirname(dirname(bins.postgres));
  const key = createHash('sha256').update(readFileSync(bins.postgres)).digest('hex').slice(0, 16);
  const cache = join(cacheBase, `${BIN_CACHE_PREFIX}${key}`);
  const relocated = (dir: string): ServerBinaries => ({
    initdb: join(dir, 'bin', basename(bins.initdb)),
    postgres: join(dir, 'bin', basename(bins.postgres)),
  });
  const unreachable = (why: string) =>
    new HarnessError(
      'E_DB_START',
      `the embedded PostgreSQL runs as user '${user.name}' (uid ${user.uid}) because initdb refuses to run as root, and that user cannot run ${bins.initdb}: a directory above it is closed to other users. ${why} Fix one of: \`chmod o+x\` every directory above ${install}; set TMPDIR to a directory every user can enter (e.g. /tmp) so the harness can keep a copy there; run as a non-root user; or point DATABASE_URL at a running server.`,
    );
  try {
    if (!existsSync(cache)) copyOnce(install, cache);
  } catch (e) {
    throw unreachable(`Copying the binaries to ${cache} failed (${(e as Error).message}).`);
  }
  assertTrusted(cache, unreachable);
  const copy = relocated(cache);
  if (!runnableBy(copy.initdb, user) || !runnableBy(copy.postgres, user)) {
    throw unreachable(`Its copy in ${cache} is not reachable either.`);
  }
  return copy;
}

/** Copies `src` to `dest` atomically; a concurrent copy that got there first wins. */
export function copyOnce(src: string, dest: string): void {
  const tmp = `${dest}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    // Static archives are for building extensions, not for running a server.
    cpSync(src, tmp, { recursive: true, verbatimSymlinks: true, filter: (p) => !p.endsWith('.a') });
    openUp(tmp);
    try {
      renameSync(tmp, dest);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && existsSync(dest)) return;
      throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Directories 0755, files readable by all (executables stay executable). */
function openUp(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) openUp(p);
    else chmodSync(p, statSync(p).mode & 0o111 ? 0o755 : 0o644);
  }
}

/** A cache someone else could have written is not run as the server: it must be ours and closed. */
function assertTrusted(cache: string, unreachable: (why: string) => HarnessError): void {
  const st = statSync(cache);
  if (st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) {
    throw unreachable(`The cached copy ${cache} is not owned by this user or is writable by others; remove it.`);
  }
}
