// CPU time as the bench counts it (Linux /proc): this process, the child processes it waited for
// (worker processes, and everything they waited for), and the PostgreSQL servers it started itself.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Milliseconds of CPU (user + system) so far; `postgres` is undefined where /proc cannot tell. */
export interface CpuSample {
  readonly self: number;
  readonly children: number;
  readonly postgres: number | undefined;
}

interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  /** utime + stime, in clock ticks. */
  readonly own: number;
  /** cutime + cstime: children it waited for (a postmaster waits for its ended backends). */
  readonly waited: number;
}

let ticksPerSecond: number | undefined;

function msPerTick(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return 1000 / ticksPerSecond;
}

function readStat(pid: string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const f = text.slice(close + 2).split(' ');
    return {
      pid: Number(pid),
      ppid: Number(f[1]),
      comm: text.slice(text.indexOf('(') + 1, close),
      own: Number(f[11]) + Number(f[12]),
      waited: Number(f[13]) + Number(f[14]),
    };
  } catch {
    return undefined;
  }
}

/** PostgreSQL servers this process started (their postmaster is our child) and their backends. */
function postgresTicks(): number | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  const stats = pids.map(readStat).filter((s): s is ProcStat => s !== undefined && s.comm === 'postgres');
  const postmasters = new Set(stats.filter((s) => s.ppid === process.pid).map((s) => s.pid));
  let ticks = 0;
  for (const s of stats) {
    if (postmasters.has(s.pid)) ticks += s.own + s.waited;
    else if (postmasters.has(s.ppid)) ticks += s.own;
  }
  return ticks;
}

export function sampleCpu(): CpuSample {
  const usage = process.cpuUsage();
  const me = readStat(String(process.pid));
  const pgTicks = postgresTicks();
  return {
    self: (usage.user + usage.system) / 1000,
    children: me ? me.waited * msPerTick() : 0,
    postgres: pgTicks === undefined ? undefined : pgTicks * msPerTick(),
  };
}

/** CPU spent between two samples. */
export function cpuSince(before: CpuSample, after: CpuSample = sampleCpu()): CpuSample {
  return {
    self: after.self - before.self,
    children: after.children - before.children,
    postgres: after.postgres === undefined || before.postgres === undefined ? undefined : after.postgres - before.postgres,
  };
}

/**
 * Milliseconds of CPU the living children of this process whose command starts with `comm` have
 * spent so far (long-lived helpers, such as the Python runners; ended ones are not counted).
 */
export function livingChildrenCpu(comm: string): number {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  let ticks = 0;
  for (const s of pids.map(readStat)) if (s && s.ppid === process.pid && s.comm.startsWith(comm)) ticks += s.own;
  return ticks * msPerTick();
}
