// Processes a program started that left its process group (a daemon: fork, then setsid), which
// the group kill at the end of a run misses. Every program's environment carries a mark of this
// harness process and of that start; what still carries it is found in /proc and killed: when a
// program's pipes stay open after it exited (such a process holds them, and would keep the
// harness from exiting), and for every program when the harness exits.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { registerCleanup } from '../db/index.ts';

/** The variable that carries the mark (visible to the program; it means nothing to it). */
export const PROGRAM_MARK = 'PRH_PROGRAM_OF';

const ofThisProcess = `${process.pid}.${randomBytes(4).toString('hex')}`;
let started = 0;
let watching = false;

/** A mark for one program start: `env` gets it under PROGRAM_MARK. */
export function markProgram(env: Readonly<Record<string, string>>): { readonly env: Record<string, string>; readonly mark: string } {
  if (!watching) {
    watching = true;
    // Last resort for what escaped: on exit, Ctrl-C and SIGTERM, every marked process of ours goes.
    registerCleanup(
      async () => void killMarked(`${ofThisProcess}.`),
      () => void killMarked(`${ofThisProcess}.`),
    );
  }
  const mark = `${ofThisProcess}.${started++}`;
  return { env: { ...env, [PROGRAM_MARK]: mark }, mark };
}

/**
 * SIGKILLs every process (not this one) whose environment holds the mark (`mark`, or with a
 * trailing '.', any mark that starts so); how many. Processes of other users cannot be read and
 * are not ours.
 */
export function killMarked(mark: string): number {
  const needle = Buffer.from(`${PROGRAM_MARK}=${mark}`);
  const exact = !mark.endsWith('.');
  let killed = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const p of pids) {
    const pid = Number(p);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${p}/environ`);
    } catch {
      continue;
    }
    for (let at = environ.indexOf(needle); at >= 0; at = environ.indexOf(needle, at + 1)) {
      const startsEntry = at === 0 || environ[at - 1] === 0;
      const end = at + needle.length;
      if (!startsEntry || (exact && end < environ.length && environ[end] !== 0)) continue;
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // gone meanwhile
      }
      break;
    }
  }
  return killed;
}
