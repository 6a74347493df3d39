// Whether a program is quiescent, read from the kernel: every thread of the process and of its
// descendants asleep (waiting on a socket, a timer, a lock), and none of them has run since the
// last look. A thread that is runnable or in uninterruptible I/O is still computing, so the
// engine must not decide yet.
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';

/** True where /proc shows processes and their threads (Linux). */
export const CAN_PROBE = (() => {
  try {
    readdirSync(`/proc/${process.pid}/task`);
    return true;
  } catch {
    return false;
  }
})();

/**
 * A /proc file's text, read into one buffer kept for all of them. These files report no size, so
 * readFileSync reads them through a fresh 64 KiB buffer each time: at several files per look and
 * several looks per step, that allocation and its garbage were the probe's main cost. Throws as
 * readFileSync does (a thread or process gone).
 */
function readProc(path: string): string {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      if (length === procBuffer.length) {
        const bigger = Buffer.allocUnsafe(procBuffer.length * 2);
        procBuffer.copy(bigger, 0, 0, length);
        procBuffer = bigger;
      }
      const n = readSync(fd, procBuffer, length, procBuffer.length - length, null);
      if (n === 0) return procBuffer.toString('latin1', 0, length);
      length += n;
    }
  } finally {
    closeSync(fd);
  }
}
let procBuffer = Buffer.allocUnsafe(4096);

/** States of a thread that will not move by itself: asleep, stopped, a zombie, dead. */
const QUIET_STATES = new Set(['S', 'T', 't', 'Z', 'X', 'x', 'I', 'P']);

/**
 * The threads of `root` and of every process below it, each with how often it has been scheduled
 * and its CPU time (from schedstat): null as soon as one of them is running.
 */
function quietSnapshot(root: number): string | null {
  const stack = [root];
  const seen = new Set<number>();
  const parts: string[] = [];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    if (seen.has(pid)) continue;
    seen.add(pid);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue; // gone
    }
    for (const tid of tasks) {
      let stat: string;
      try {
        stat = readProc(`/proc/${pid}/task/${tid}/stat`);
      } catch {
        continue;
      }
      // The command name may hold spaces and parentheses: the state follows the last ')'.
      const state = stat.charAt(stat.lastIndexOf(')') + 2);
      if (!QUIET_STATES.has(state)) return null;
      let ran = '';
      try {
        ran = readProc(`/proc/${pid}/task/${tid}/schedstat`).trim();
      } catch {
        // no schedstat (a kernel without it): the state alone says it
      }
      parts.push(`${tid}:${state}:${ran}`);
      try {
        for (const child of readProc(`/proc/${pid}/task/${tid}/children`).split(' ')) if (child.trim()) stack.push(Number(child));
      } catch {
        // no children file (an old kernel): the descendants go unseen
      }
    }
  }
  return parts.join(' ');
}

/**
 * True when no thread of `root` or of any process below it is running. One look reads the threads
 * one after another, not at one instant: a thread read asleep may wake the next one and fall
 * asleep before that one is read. See processTreeProbe for the check that closes that gap.
 * Without /proc it cannot tell, and says quiet.
 */
export function processTreeQuiet(root: number): boolean {
  if (!CAN_PROBE) return true;
  return quietSnapshot(root) !== null;
}

/**
 * Whether `root`'s tree is quiescent: every thread asleep at one look, and none of them scheduled
 * between that look and a second one (the same threads, the same schedstat counts). One look reads
 * the threads one after another, not at one instant: a thread read asleep may run, wake another
 * and fall asleep again before that one is read. Whatever ran after its first reading has a new
 * count at the second, and a thread it woke is running or has run; so the second look can follow
 * at once (the next turn of the event loop). Without /proc it cannot tell, and says quiet (the
 * engine then decides as soon as the program is parked at a gate).
 */
export async function processTreeSettled(root: number): Promise<boolean> {
  if (!CAN_PROBE) return true;
  const first = quietSnapshot(root);
  if (first === null) return false;
  await new Promise((resolve) => setImmediate(resolve));
  return quietSnapshot(root) === first;
}

/**
 * True when `pid` is one thread with no child process: what a program that says it is idle (its
 * event loop about to block) must also be for that to speak for all of it. False when unsure.
 */
export function singleThreadNoChildren(pid: number): boolean {
  if (!CAN_PROBE) return false;
  try {
    const tasks = readdirSync(`/proc/${pid}/task`);
    return tasks.length === 1 && readProc(`/proc/${pid}/task/${tasks[0] ?? pid}/children`).trim() === '';
  } catch {
    return false;
  }
}
