// Whether a program is quiescent, read from the kernel: every thread of the process and of its
// descendants asleep (waiting on a socket, a timer, a lock). A thread that is runnable or in
// uninterruptible I/O is still computing, so the engine must not decide yet.
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
 * True when no thread of `root` or of any process below it is running. Without /proc it cannot
 * tell, and says quiet (the engine then decides as soon as the program is parked at a gate).
 */
export function processTreeQuiet(root: number): boolean {
  if (!CAN_PROBE) return true;
  const stack = [root];
  const seen = new Set<number>();
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
      if (!QUIET_STATES.has(state)) return false;
      try {
        for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').split(' ')) if (child.trim()) stack.push(Number(child));
      } catch {
        // no children file (an old kernel): the descendants go unseen
      }
    }
  }
  return true;
}
