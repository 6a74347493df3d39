// Whether a program is quiescent, read from the kernel: every thread of the process and of its
// descendants asleep (waiting on a socket, a timer, a lock), and none of them has run since the
// last look. A thread that is runnable or in uninterruptible I/O is still computing, so the
// engine must not decide yet.
import { readdirSync, readFileSync } from 'node:fs';

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
        stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
      } catch {
        continue;
      }
      // The command name may hold spaces and parentheses: the state follows the last ')'.
      const state = stat.charAt(stat.lastIndexOf(')') + 2);
      if (!QUIET_STATES.has(state)) return null;
      let ran = '';
      try {
        ran = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').trim();
      } catch {
        // no schedstat (a kernel without it): the state alone says it
      }
      parts.push(`${tid}:${state}:${ran}`);
      try {
        for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').split(' ')) if (child.trim()) stack.push(Number(child));
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

/** How long a probe watches the tree: long enough to see a thread that was read asleep run. */
const WATCH_MS = 1;

/**
 * Whether `root`'s tree is quiescent: every thread asleep at one look, and none of them scheduled
 * in the moment until a second look (the same threads, the same schedstat counts). One look reads
 * the threads one after another, not at one instant; a thread read asleep may wake another and
 * fall asleep again before that one is read, and the second look sees that it ran. The window is
 * short on purpose: a runtime's housekeeping threads (a JVM's wake every few tens of ms) rarely
 * fall in it, and when one does the engine simply looks again. Without /proc it cannot tell, and
 * says quiet (the engine then decides as soon as the program is parked at a gate).
 */
export async function processTreeSettled(root: number): Promise<boolean> {
  if (!CAN_PROBE) return true;
  const first = quietSnapshot(root);
  if (first === null) return false;
  await new Promise((resolve) => setTimeout(resolve, WATCH_MS));
  return quietSnapshot(root) === first;
}
