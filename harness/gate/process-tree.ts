// Whether a program is quiescent, read from the kernel: every thread of the process and of its
// descendants asleep (waiting on a socket, a lock, a far timer), and none of them has run since the
// last look. A thread that is runnable, in uninterruptible I/O, sleeping, or waiting on a timer due
// soon (own-timers.ts) is still computing, so the engine must not decide yet.
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { KNOWS_SYSCALLS, wakesByItself } from './own-timers.ts';

/** True where /proc shows processes and their threads (Linux). */
export const CAN_PROBE = (() => {
  try {
    readdirSync(`/proc/${process.pid}/task`);
    return true;
  } catch {
    return false;
  }
})();

/** States of a thread that will not move by itself: asleep, stopped, a zombie, dead. */
const QUIET_STATES = new Set(['S', 'T', 't', 'Z', 'X', 'x', 'I', 'P']);

/** One buffer for every /proc read: these files report no size, and a fresh one per read was most of a look's cost. */
let procBuffer = Buffer.allocUnsafe(4096);

/**
 * A /proc file's current text, read from an open descriptor at offset 0: the kernel writes these
 * files anew for every read from the start, so a descriptor kept open reads them again without a
 * path lookup. A read that leaves room in the buffer had all there was (the kernel fills a read as
 * far as the text goes), so a look is one read a file. Throws (ESRCH) once its thread is gone, even
 * if its number is reused.
 */
function readAgain(fd: number): string {
  let length = 0;
  for (;;) {
    if (length === procBuffer.length) {
      const bigger = Buffer.allocUnsafe(procBuffer.length * 2);
      procBuffer.copy(bigger, 0, 0, length);
      procBuffer = bigger;
    }
    const room = procBuffer.length - length;
    const n = readSync(fd, procBuffer, length, room, length);
    length += n;
    if (n < room) return procBuffer.toString('latin1', 0, length);
  }
}

/** Errors that mean the file or its thread is not there (gone, or a kernel without it): not a fault. */
const ABSENT = new Set(['ENOENT', 'ESRCH', 'EACCES', 'EPERM']);

/**
 * A descriptor, or null when the file is absent (its thread ended, a kernel without it, or no
 * permission: a program that is not dumpable hides its syscall file). Running out of descriptors
 * throws: a look that silently missed a thread's files would call a busy program quiet.
 */
function openOrNull(path: string): number | null {
  try {
    return openSync(path, 'r');
  } catch (e) {
    if (ABSENT.has((e as NodeJS.ErrnoException).code ?? '')) return null;
    throw e;
  }
}

/** A thread's files, kept open between looks. */
interface ThreadFiles {
  readonly tid: string;
  readonly stat: number;
  /** Null on a kernel without schedstat: the state alone then says it. */
  readonly schedstat: number | null;
  /** Null on a kernel without it: the descendants then go unseen. */
  readonly children: number | null;
  /** The system call it is blocked in; null where it cannot be read (no permission, another architecture). */
  readonly syscall: number | null;
  /**
   * What its last look read besides its state, with the run counts it was read at. A thread that
   * has not run since has made no child and is in the same system call: it is not read again.
   */
  last: { readonly ran: string; readonly children: readonly number[]; readonly ownTimer: boolean } | null;
}

/** Field 20 of a task's stat (its thread group's thread count), counted from the state (field 3). */
const NUM_THREADS_AFTER_STATE = 17;

/**
 * What reads a process tree again and again: one per program, for as long as it runs. A look reads
 * two files per thread (its state, its run counts) through descriptors it keeps, and its children
 * and system call only when it ran since the last look; it lists a process's threads again only
 * when their count changed or one of them is gone — a thread that ended fails its read, so an
 * unchanged count over threads that all answer is the same threads. `close` gives the descriptors
 * back; a probe closed looks no more (it says not quiet).
 */
export class ProcessTreeProbe {
  private readonly threads = new Map<number, ThreadFiles[]>();
  private closed = false;
  /** The snapshot of its last settled look. */
  private lastSettled: string | null = null;
  /** Every thread of the last snapshot had run counts (schedstat, and a kernel that keeps them): a snapshot then changes whenever a thread has run. */
  private everyThreadCounted = false;
  /** Its root was seen reaped: its number may be another process's by now. */
  private rootGone = false;
  /** How many threads the last whole snapshot read, in every process of the tree. */
  private threadsSeen = 0;
  /** What the last look that found the tree not quiet found running, in words (for a hang's report). */
  busyWith: string | null = null;

  constructor(readonly root: number) {}

  /**
   * Every thread of the tree with its state and how often and how long it has run (schedstat):
   * null as soon as one of them is running, or when the tree would not hold still to be listed.
   */
  snapshot(): string | null {
    if (this.closed) return null;
    if (this.rootGone) return '';
    const stack = [this.root];
    const seen = new Set<number>();
    const parts: string[] = [];
    const counts: LookCounts = { missing: false, threads: 0, busy: null };
    for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
      if (seen.has(pid)) continue;
      seen.add(pid);
      const look = this.lookAt(pid, stack, counts);
      if (look === 'running') {
        this.busyWith = counts.busy;
        this.forgetGone(seen);
        return null;
      }
      if (look !== 'gone') parts.push(look);
      else if (pid === this.root) this.rootGone = true;
    }
    // Processes no longer in the tree give back their descriptors.
    for (const pid of [...this.threads.keys()]) if (!seen.has(pid)) this.forget(pid);
    this.everyThreadCounted = !counts.missing;
    this.threadsSeen = counts.threads;
    return parts.join(' ');
  }

  /**
   * Whether the tree is quiescent: every thread asleep at one look, and none of them scheduled
   * between that look and a second one (the same threads, the same schedstat counts). One look
   * reads the threads one after another, not at one instant: a thread read asleep may run, wake
   * another and fall asleep again before that one is read. Whatever ran after its first reading has
   * a new count at the second, and a thread it woke is running or has run; so the second look can
   * follow at once (the next turn of the event loop). Without /proc it cannot tell, and says quiet
   * (the engine then decides as soon as the program is parked at a gate).
   */
  async settled(): Promise<boolean> {
    if (!CAN_PROBE) return true;
    const first = this.snapshot();
    if (first === null) return false;
    // The same threads with the same counts as when it last settled: none of them has run since,
    // a wider window than the turn below, so the second look would tell nothing more. (A program
    // waiting while the others step is asked at every decision.)
    if (first === this.lastSettled && this.everyThreadCounted) {
      this.busyWith = null;
      return true;
    }
    await new Promise((resolve) => setImmediate(resolve));
    const second = this.snapshot();
    if (second !== first) {
      if (second !== null) this.busyWith = 'a thread that ran between two looks';
      return false;
    }
    this.lastSettled = first;
    // Quiet now: what an earlier look found running is no longer what it does.
    this.busyWith = null;
    return true;
  }

  /**
   * One look: true when no thread of the tree has run since its last settled look (the same
   * threads with the same run counts), so it is as quiescent as it was found then.
   */
  stillSettled(): boolean {
    if (!CAN_PROBE || this.lastSettled === null) return false;
    return this.snapshot() === this.lastSettled && this.everyThreadCounted;
  }

  /**
   * Takes the tree as it is now for its settled state, when the program has said by other means
   * that it is idle (a runner's loop about to block, on its only thread): later looks compare with
   * it. Nothing is taken while a thread still runs (it has not blocked yet), nor when the tree is
   * more than that one thread by now (one look at several is no settled state).
   */
  settledBySaying(): void {
    if (!CAN_PROBE) return;
    const now = this.snapshot();
    if (now !== null && this.threadsSeen === 1) this.lastSettled = now;
  }

  /**
   * True when the tree is its root's one thread with no child process, read through the kept
   * descriptors: what a program that says it is idle (its event loop about to block) must also be
   * for that to speak for all of it. False when unsure.
   */
  oneThread(): boolean {
    if (!CAN_PROBE || this.closed || this.rootGone) return false;
    const files = this.threads.get(this.root) ?? this.list(this.root);
    const only = files?.length === 1 ? files[0] : undefined;
    if (!only || only.children === null) return false;
    try {
      const stat = readAgain(only.stat);
      if (fieldAfter(stat, stat.lastIndexOf(')') + 2, NUM_THREADS_AFTER_STATE) === 1) return readAgain(only.children).trim() === '';
    } catch {
      // its thread is gone: listed again below
    }
    // Another count than the listing's: the next look lists its threads again.
    this.forget(this.root);
    return false;
  }

  /** Gives back every descriptor; the probe looks no more. */
  close(): void {
    this.closed = true;
    for (const pid of [...this.threads.keys()]) this.forget(pid);
  }

  /**
   * A look that stopped at a running thread did not reach every process it holds descriptors of:
   * those of processes that have ended since are given back now, so a busy tree that keeps
   * starting short-lived children does not pile them up.
   */
  private forgetGone(seen: ReadonlySet<number>): void {
    for (const [pid, files] of [...this.threads]) {
      if (seen.has(pid)) continue;
      try {
        if (files[0]) readAgain(files[0].stat);
      } catch {
        this.forget(pid);
      }
    }
  }

  /** One process's threads, their children pushed on `stack`: its part of the snapshot, or what stops the look. */
  private lookAt(pid: number, stack: number[], counts: LookCounts): string | 'running' | 'gone' {
    // Listed again at most twice: a process still making or ending threads is not quiet.
    for (let attempt = 0; attempt < 3; attempt++) {
      const files = this.threads.get(pid) ?? this.list(pid);
      if (!files) return 'gone';
      const look = readThreads(files, stack, counts);
      if (look !== 'stale') return look;
      this.forget(pid);
    }
    counts.busy = `process ${pid}, still starting or ending threads`;
    return 'running';
  }

  private list(pid: number): ThreadFiles[] | null {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      return null;
    }
    const files: ThreadFiles[] = [];
    for (const tid of tids) {
      const base = `/proc/${pid}/task/${tid}`;
      const stat = openOrNull(`${base}/stat`);
      if (stat === null) continue; // ended since the listing: the count check lists again
      files.push({ tid, stat, schedstat: openOrNull(`${base}/schedstat`), children: openOrNull(`${base}/children`), syscall: KNOWS_SYSCALLS ? openOrNull(`${base}/syscall`) : null, last: null });
    }
    this.threads.set(pid, files);
    return files;
  }

  private forget(pid: number): void {
    for (const f of this.threads.get(pid) ?? []) for (const fd of [f.stat, f.schedstat, f.children, f.syscall]) if (fd !== null) closeSync(fd);
    this.threads.delete(pid);
  }
}

/** What a look gathers besides the snapshot's text. */
interface LookCounts {
  /** Some thread has no run counts (see everyThreadCounted). */
  missing: boolean;
  threads: number;
  /** The thread that made the look stop, in words. */
  busy: string | null;
}

/** A thread that keeps its tree from being quiet, in words: `sleep (thread 1234) asleep on its own timer`. */
function busyThread(stat: string, tid: string, state: string, ownTimer: boolean): string {
  const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  const doing = ownTimer ? 'asleep on its own timer' : state === 'R' ? 'running' : state === 'D' ? 'in uninterruptible I/O' : `in state ${state}`;
  return `${name} (thread ${tid}) ${doing}`;
}

/** The threads' part of a snapshot; 'stale' when one is gone or the count differs from the listing. */
function readThreads(files: readonly ThreadFiles[], stack: number[], counts: LookCounts): string | 'running' | 'stale' {
  const parts: string[] = [];
  const children: number[] = [];
  for (const f of files) {
    let stat: string;
    let ran = '';
    try {
      stat = readAgain(f.stat);
      if (f.schedstat !== null) ran = readAgain(f.schedstat).trim();
    } catch {
      return 'stale';
    }
    // The command name may hold spaces and parentheses: the fields follow the last ')'.
    const at = stat.lastIndexOf(')') + 2;
    const state = stat.charAt(at);
    if (!QUIET_STATES.has(state)) {
      counts.busy = busyThread(stat, f.tid, state, false);
      return 'running';
    }
    if (fieldAfter(stat, at, NUM_THREADS_AFTER_STATE) !== files.length) return 'stale';
    // No schedstat, or a kernel that keeps no counts (it prints "0 0 0"): the state alone says it.
    const counted = ran !== '' && !ran.endsWith(' 0');
    if (!counted) counts.missing = true;
    let last = f.last;
    if (!last || !counted || last.ran !== ran) {
      const kids: number[] = [];
      try {
        if (f.children !== null) for (const child of readAgain(f.children).split(' ')) if (child.trim()) kids.push(Number(child));
      } catch {
        return 'stale';
      }
      // Asleep on its own clock (a sleep, its event loop's next timer due soon): it wakes by itself.
      const ownTimer = state === 'S' && f.syscall !== null && wakesByItself(readSyscall(f.syscall));
      last = { ran, children: kids, ownTimer };
      f.last = counted ? last : null;
    }
    if (last.ownTimer) {
      counts.busy = busyThread(stat, f.tid, state, true);
      return 'running';
    }
    children.push(...last.children);
    parts.push(`${f.tid}:${state}:${ran}`);
  }
  if (files.length === 0) return 'stale';
  counts.threads += files.length;
  stack.push(...children);
  return parts.join(' ');
}

/** A thread's current system call line; empty if it is gone (its stat read says so). */
function readSyscall(fd: number): string {
  try {
    return readAgain(fd);
  } catch {
    return '';
  }
}

/** The number `n` fields after the one at `at` (fields are separated by one space); NaN if there is none. */
function fieldAfter(text: string, at: number, n: number): number {
  let start = at;
  for (let i = 0; i < n && start > 0; i++) start = text.indexOf(' ', start) + 1;
  if (start <= 0) return Number.NaN;
  const end = text.indexOf(' ', start);
  return Number(text.slice(start, end < 0 ? undefined : end));
}
