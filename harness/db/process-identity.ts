// Who owns a leftover (a data directory, a database): a process named by host, pid and start time,
// so a pid reused by an unrelated process never passes for the owner that died.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessIdentity {
  /** Hash of hostname, boot id and pid namespace: equal only where pids mean the same process. */
  readonly host: string;
  /** The hostname, for messages. */
  readonly hostname: string;
  readonly pid: number;
  /** When the process started (clock ticks since boot on Linux, `ps` lstart elsewhere); '' if unknown. */
  readonly started: string;
}

/** True while `pid` exists (also when it belongs to another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The start time of `pid`, or '' when it cannot be read (no such process, no /proc and no ps). */
export function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may hold spaces and parentheses, so count from its end.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    if (process.platform === 'linux') return '';
  }
  const r = spawnSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000 });
  return r.status === 0 ? r.stdout.trim() : '';
}

function readOr(path: string, read: (p: string) => string): string {
  try {
    return read(path).trim();
  } catch {
    return '';
  }
}

let self: ProcessIdentity | undefined;

/** This process. */
export function thisProcess(): ProcessIdentity {
  if (self) return self;
  const name = hostname();
  // Two containers may share a hostname, a rebooted machine reuses pids: both make another "host".
  const boot = readOr('/proc/sys/kernel/random/boot_id', (p) => readFileSync(p, 'utf8'));
  const pidNamespace = readOr('/proc/self/ns/pid', readlinkSync);
  const host = createHash('sha256').update(`${name}\n${boot}\n${pidNamespace}`).digest('hex').slice(0, 16);
  self = { host, hostname: name, pid: process.pid, started: processStartTime(process.pid) };
  return self;
}

/**
 * Whether `owner`, a process of this host, still runs: its pid exists and, where both start times
 * are known, started when the owner did. Only meaningful when `owner.host` is this host's.
 */
export function stillRunning(owner: Pick<ProcessIdentity, 'pid' | 'started'>): boolean {
  if (!Number.isInteger(owner.pid) || owner.pid <= 0 || !pidAlive(owner.pid)) return false;
  if (!owner.started) return true;
  const now = processStartTime(owner.pid);
  return now === '' || now === owner.started;
}
