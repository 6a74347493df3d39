// Where the resident process of this harness build listens, and which commands it serves: spec
// runs against a server given by URL. Read before anything heavy loads (node: modules only).
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How long a resident with nothing to do stays (RACE_RESIDENT=<seconds> changes it). */
export const DEFAULT_RESIDENT_SECONDS = 300;
/** The longest a timer can wait (2^31 - 1 ms, about 24.8 days): a longer idle time is this. */
const MOST_IDLE_MS = 2 ** 31 - 1;
/** Longest path of a Unix socket on Linux and macOS (sun_path), less room to spare. */
const MAX_SOCKET_PATH = 100;

export interface ResidentPlace {
  /** The per-user directory (mode 0700) of the sockets. */
  readonly dir: string;
  /** The resident's socket; its name carries this build's identity, so a rebuilt harness never talks to an old one. */
  readonly socket: string;
  /** Held (created exclusively) by the one resident of this build. */
  readonly lock: string;
  /** How long the resident waits for a next command before it ends. */
  readonly idleMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `RACE_RESIDENT`: `off` (or `0`) for none, a number of seconds for its idle lifetime; unset, on
 * with the default lifetime, except under CI (`CI` set), where a process that outlives the command
 * only holds connections nobody will reuse.
 */
export function residentLifetimeMs(env: Env): number | null {
  const v = env['RACE_RESIDENT']?.trim();
  if (v === undefined || v === '') return env['CI'] && env['CI'] !== 'false' ? null : DEFAULT_RESIDENT_SECONDS * 1000;
  if (v === 'off' || v === 'false' || v === 'no') return null;
  const seconds = Number(v);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, MOST_IDLE_MS) : null;
}

/** True for a spec run against a server given by URL: the commands a resident serves. */
export function servedByResident(argv: readonly string[], env: Env): boolean {
  const value = (name: string): string | undefined => {
    let found: string | undefined;
    for (const [i, a] of argv.entries()) {
      if (a === `--${name}`) found = argv[i + 1];
      else if (a.startsWith(`--${name}=`)) found = a.slice(name.length + 3);
    }
    return found;
  };
  if (!argv.some((a) => a === '--spec' || a.startsWith('--spec='))) return false;
  if (argv.some((a) => a === '--queue-worker' || a === '--help' || a === '-h' || a === '--version' || a === '--list' || a === '--stop-resident')) return false;
  const db = value('db');
  if (db !== undefined && db !== 'url') return false;
  return Boolean(value('database-url') || env['DATABASE_URL']);
}

/**
 * The resident's place for this user and this build of the harness, or null when there is none:
 * turned off, no per-user directory (see residentDir), or a socket path too long.
 */
export function residentPlace(env: Env): ResidentPlace | null {
  const idleMs = residentLifetimeMs(env);
  const dir = idleMs === null ? null : residentDir(env);
  if (idleMs === null || dir === null) return null;
  const id = buildIdentity();
  const socket = join(dir, `resident-${id}.sock`);
  if (socket.length > MAX_SOCKET_PATH) return null;
  return { dir, socket, lock: join(dir, `resident-${id}.lock`), idleMs };
}

/**
 * The per-user directory of the residents' sockets, tmux's rule: `$XDG_RUNTIME_DIR/position-race-harness`,
 * else `/tmp/prh-<uid>`, made 0700 and owned by the user; null when it cannot be had so.
 */
export function residentDir(env: Env): string | null {
  const uid = process.getuid?.();
  if (uid === undefined) return null;
  const runtime = env['XDG_RUNTIME_DIR'];
  const dir = runtime && isAbsolute(runtime) ? join(runtime, 'position-race-harness') : join(tmpdir(), `prh-${uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const s = lstatSync(dir);
    // Anyone who can reach the socket can run commands as this user.
    if (!s.isDirectory() || s.uid !== uid || (s.mode & 0o077) !== 0) return null;
  } catch {
    return null;
  }
  return dir;
}

/**
 * This build: Node and its flags, and the compiled harness's build stamp (a new one per `npm run
 * build`, shipped in the package) or, in the sources, every file's name, size and mtime; with the
 * dependencies' install stamp. Any change gives another socket; the old resident idles out.
 */
function buildIdentity(): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const hash = createHash('sha256').update(JSON.stringify([process.version, process.execPath, process.execArgv, root]));
  try {
    hash.update(readFileSync(join(root, 'build-stamp')));
  } catch {
    for (const name of (readdirSync(root, { recursive: true }) as string[]).sort()) {
      try {
        const s = statSync(join(root, name));
        if (s.isFile()) hash.update(`${name}\0${s.size}\0${s.mtimeMs}\n`);
      } catch {
        // Removed while listed: the next command sees the tree as it is then.
      }
    }
  }
  for (let dir = root; ; dir = dirname(dir)) {
    try {
      hash.update(String(statSync(join(dir, 'node_modules', '.package-lock.json')).mtimeMs));
      break;
    } catch {
      if (dirname(dir) === dir) break;
    }
  }
  return hash.digest('hex').slice(0, 16);
}
