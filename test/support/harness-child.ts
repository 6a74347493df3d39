// Starts test/fixtures/db/harness-child.ts in a process of its own, reads the one JSON line it
// prints, and waits for its exit: the leftover and cache tests kill it, or let it finish.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

const CHILD = fileURLToPath(new URL('../fixtures/db/harness-child.ts', import.meta.url));

export interface HarnessChild<T> {
  readonly process: ChildProcess;
  /** What the child printed once it had made its databases or server. */
  readonly made: Promise<T>;
  /** Its exit code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function harnessChild<T>(...args: string[]): HarnessChild<T> {
  const child = spawn(process.execPath, ['--conditions=prh-source', '--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const made = new Promise<T>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve(JSON.parse(line) as T);
    });
    void exited.then(({ code, signal }) => reject(new Error(`harness child exited (${signal ?? code}) before it said what it made: ${out}${err}`)));
  });
  return { process: child, made, exited };
}

/**
 * Waits until `done()` holds, checking every 50 ms for at most `boundMs` (a liveness bound for
 * what another process does, not a timing claim): vitest's own waitFor, answered as a boolean.
 */
export async function eventually(done: () => boolean | Promise<boolean>, boundMs = 60_000): Promise<boolean> {
  try {
    await vi.waitFor(
      async () => {
        if (!(await done())) throw new Error('not yet');
      },
      { timeout: boundMs, interval: 50 },
    );
    return true;
  } catch {
    return false;
  }
}
