// An actor that is a program: started in a process group of its own, watched until it exits,
// and killed as a group (its children too) when the run ends, on Ctrl-C and on SIGTERM.
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { registerCleanup } from '../db/index.ts';
import { HarnessError } from '../errors/index.ts';
import { killMarked, markProgram } from './escaped-processes.ts';

export interface ProcessCommand {
  /** The program and its arguments: `['python3', 'flow.py', '--pool', '2']`. */
  readonly argv: readonly string[];
  /** Its working directory (default: the harness's). */
  readonly cwd?: string;
  /** Its whole environment (see actorEnv). */
  readonly env: Readonly<Record<string, string>>;
}

export interface ProcessExit {
  /** The exit code; null when a signal ended it or it never started. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last bytes it wrote (a few KB), for the trace and the reports. */
  readonly stdoutTail: string;
  readonly stderrTail: string;
  /** Why it did not start (the spawn error), when it did not. */
  readonly spawnError?: string;
  /** True when the harness stopped it (stop()), rather than it exiting on its own. */
  readonly stopped: boolean;
}

export interface ProcessActorOptions {
  /** Bytes kept of each of stdout and stderr (default 8192). */
  readonly tailBytes?: number;
  /** How long SIGTERM has before SIGKILL (default 2000 ms). */
  readonly killGraceMs?: number;
}

export interface StartedProcessActor {
  readonly pid: number | undefined;
  /** Resolves once the process exited (its remaining group was then killed). */
  readonly exited: Promise<ProcessExit>;
  /** Ends the whole process group: SIGTERM, then SIGKILL after the grace period. */
  stop(): Promise<ProcessExit>;
  /**
   * Asks the program itself whether it is idle, where it can say so (a runner's event loop, see
   * runners/python-runner.py): true once it is about to block with nothing to do, false when it
   * cannot tell (another thread), undefined when no answer came in time (look from /proc).
   */
  idle?(): Promise<boolean | undefined>;
}

function executable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks before anything starts that the command exists and may be executed, the way the shell
 * would find it (a path with a slash relative to `cwd`, else on `PATH`). Returns its full path.
 */
export function checkCommand(argv: readonly string[], cwd: string, path: string | undefined): string {
  const command = argv[0];
  if (command === undefined || command === '') {
    throw new HarnessError('E_BAD_ARGUMENT', 'a process actor needs a command: give argv as [program, ...arguments]');
  }
  let dir;
  try {
    dir = statSync(cwd);
  } catch {
    dir = undefined;
  }
  if (!dir?.isDirectory()) throw new HarnessError('E_BAD_ARGUMENT', `the working directory '${cwd}' of actor command '${command}' does not exist`);
  if (command.includes('/')) {
    const full = isAbsolute(command) ? command : resolve(cwd, command);
    let exists = true;
    try {
      statSync(full);
    } catch {
      exists = false;
    }
    if (!exists) throw new HarnessError('E_BAD_ARGUMENT', `actor command '${command}' does not exist (looked for ${full})`);
    if (statSync(full).isDirectory()) throw new HarnessError('E_BAD_ARGUMENT', `actor command '${command}' is a directory (${full}); give the program inside it`);
    if (!executable(full)) {
      throw new HarnessError('E_BAD_ARGUMENT', `actor command '${command}' is not an executable file; chmod +x it, or run it through its interpreter (['${interpreterOf(command)}', '${command}'])`);
    }
    return full;
  }
  const dirs = (path ?? '').split(delimiter).filter((d) => d !== '');
  for (const d of dirs) {
    const full = join(resolve(cwd, d), command);
    if (executable(full)) return full;
  }
  throw new HarnessError('E_BAD_ARGUMENT', `actor command '${command}' was not found on PATH (${dirs.join(delimiter) || 'empty'}); install it or give its path`);
}

/** The interpreter a script's name suggests, for a message. */
function interpreterOf(command: string): string {
  const ext = /\.([a-z]+)$/i.exec(command)?.[1]?.toLowerCase() ?? '';
  const known: Record<string, string> = { py: 'python3', sh: 'sh', bash: 'bash', rb: 'ruby', pl: 'perl', js: 'node', mjs: 'node', cjs: 'node', php: 'php' };
  return known[ext] ?? '<interpreter>';
}

/** The last `limit` bytes of a stream. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > this.limit * 2) {
      const all = Buffer.concat(this.chunks).subarray(-this.limit);
      this.chunks = [all];
      this.size = all.length;
    }
  }

  text(): string {
    return Buffer.concat(this.chunks).subarray(-this.limit).toString('utf8');
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Starts `command` in a new process group, with stdin closed and its output kept as a tail. */
export function startProcessActor(command: ProcessCommand, options: ProcessActorOptions = {}): StartedProcessActor {
  const [program, ...args] = command.argv;
  if (program === undefined) throw new HarnessError('E_BAD_ARGUMENT', 'a process actor needs a command: give argv as [program, ...arguments]');
  const graceMs = options.killGraceMs ?? 2000;
  const stdout = new Tail(options.tailBytes ?? 8192);
  const stderr = new Tail(options.tailBytes ?? 8192);
  const marked = markProgram(command.env);
  const child = spawn(program, args, {
    cwd: command.cwd,
    env: marked.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  child.stdout.on('data', (c: Buffer) => stdout.push(c));
  child.stderr.on('data', (c: Buffer) => stderr.push(c));
  let stopped = false;
  let unregister = () => {};
  const exited = new Promise<ProcessExit>((resolvePromise) => {
    let settled = false;
    const done = (code: number | null, signal: NodeJS.Signals | null, spawnError?: string) => {
      if (settled) return;
      settled = true;
      // Whatever the program left behind in its group does not outlive it.
      killGroup(pid, 'SIGKILL');
      unregister();
      resolvePromise({ code, signal, stdoutTail: stdout.text(), stderrTail: stderr.text(), stopped, ...(spawnError ? { spawnError } : {}) });
    };
    child.once('error', (e) => {
      if (pid === undefined) done(null, null, e.message);
    });
    child.once('exit', (code, signal) => {
      // Let the pipes drain; a grandchild holding them open must not hold the run. One still
      // holding them after the group kill has left the group (a daemon): it is found by its
      // mark and killed, and the pipes are let go, or they would keep the harness from exiting.
      const timer = setTimeout(() => {
        done(code, signal);
        killMarked(marked.mark);
        child.stdout.destroy();
        child.stderr.destroy();
      }, 250);
      child.once('close', () => {
        clearTimeout(timer);
        done(code, signal);
      });
    });
  });
  const stop = async (): Promise<ProcessExit> => {
    stopped = true;
    killGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), graceMs);
    const exit = await exited;
    clearTimeout(timer);
    return exit;
  };
  if (pid !== undefined) unregister = registerCleanup(async () => void (await stop()), () => killGroup(pid, 'SIGKILL'));
  return { pid, exited, stop };
}
