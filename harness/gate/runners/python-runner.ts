// Long-lived Python runners for process actors: one interpreter serves many runs of a program's
// entry point (python-runner.py), so a search does not pay for starting Python and importing its
// driver on every run. A launcher for ProgramActorDefinition.launch: each run takes an idle runner
// (or starts one), sends it the run's argv, environment and directory, and reads its exit code and
// output. The runs still reach the database only through their gates, with fresh connections.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { registerCleanup } from '../../db/index.ts';
import { HarnessError } from '../../errors/index.ts';
import type { ProcessCommand, ProcessExit, StartedProcessActor } from '../process-actor.ts';

const RUNNER_PY = fileURLToPath(new URL('./python-runner.py', import.meta.url));

export interface PythonRunnerOptions {
  /** The interpreter (e.g. Debian's `/usr/bin/python3`). */
  readonly python: string;
  /** `module:function`, called per run as `function(argv, env)` → exit code (a coroutine function too). */
  readonly entry: string;
  /** Where the runner starts (its imports resolve from here, as `python -m` would). */
  readonly cwd?: string;
}

/** A launcher: the program's command `[python, -m, module, ...args]` (or `[python, script, ...args]`) becomes a call of `entry(args, env)`. */
export type Launcher = (command: ProcessCommand) => StartedProcessActor;

const pools = new Map<string, Runner[]>();

/** A launcher that runs the command in a long-lived runner of `options` instead of a new process. */
export function pythonRunner(options: PythonRunnerOptions): Launcher {
  if (!/^[\w.]+(:\w+)?$/.test(options.entry)) throw new HarnessError('E_BAD_SCENARIO', `python runner entry '${options.entry}' is not 'module:function'`);
  const key = JSON.stringify([options.python, options.entry, options.cwd ?? null]);
  return (command) => {
    const idle = pools.get(key) ?? [];
    pools.set(key, idle);
    let runner = idle.pop();
    while (runner && runner.dead) runner = idle.pop();
    const r = runner ?? new Runner(options);
    return r.run(argsOf(command.argv), command, () => {
      if (!r.dead) idle.push(r);
    });
  };
}

/** Stops every idle runner (tests; the process's exit stops them anyway). */
export function closePythonRunners(): void {
  for (const idle of pools.values()) for (const r of idle.splice(0)) r.kill();
}

/** What `sys.argv[1:]` of the program would hold. */
function argsOf(argv: readonly string[]): string[] {
  return argv[1] === '-m' ? argv.slice(3) : argv.slice(2);
}

interface Answer {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

class Runner {
  readonly #child: ChildProcessWithoutNullStreams;
  #waiting: ((a: Answer | Error) => void) | undefined;
  #stderr = '';
  dead = false;
  readonly #unregister: () => void;

  constructor(options: PythonRunnerOptions) {
    this.#child = spawn(options.python, [RUNNER_PY, options.entry], {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
      detached: true,
    });
    this.#child.stderr.on('data', (d: Buffer) => (this.#stderr = (this.#stderr + d.toString('utf8')).slice(-4096)));
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      let answer: Answer;
      try {
        answer = JSON.parse(line) as Answer;
      } catch {
        // Something else wrote to the runner's stdout: its answers can no longer be trusted.
        this.#fail(new Error(`the Python runner wrote a line that is not an answer: ${line.slice(0, 200)}`));
        this.kill();
        return;
      }
      const w = this.#waiting;
      this.#waiting = undefined;
      w?.(answer);
    });
    this.#child.on('exit', (code, signal) => this.#fail(new Error(`the Python runner exited (${signal ?? `exit ${code ?? '?'}`}): ${this.#stderr.trim()}`)));
    // A runner that could not start, or died while idle (a write to its stdin fails): the run
    // waiting on it ends with the reason, never an uncaught error of the harness.
    this.#child.on('error', (e) => this.#fail(e));
    this.#child.stdin.on('error', (e) => this.#fail(e));
    // An idle runner must not keep the harness alive: it ends when its stdin closes with the harness.
    this.#child.unref();
    for (const stream of [this.#child.stdin, this.#child.stdout, this.#child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
    this.#unregister = registerCleanup(
      () => Promise.resolve(this.kill()),
      () => this.kill(),
    );
  }

  #fail(e: Error): void {
    if (!this.dead) {
      this.dead = true;
      this.#unregister();
    }
    const w = this.#waiting;
    this.#waiting = undefined;
    w?.(e);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  run(args: readonly string[], command: ProcessCommand, released: () => void): StartedProcessActor {
    let stopped = false;
    const exited = new Promise<ProcessExit>((resolve) => {
      this.#waiting = (a) => {
        if (a instanceof Error) {
          resolve({ code: null, signal: stopped ? 'SIGKILL' : null, stdoutTail: '', stderrTail: a.message, stopped });
          return;
        }
        released();
        resolve({ code: a.code, signal: null, stdoutTail: a.stdout.slice(-8192), stderrTail: a.stderr.slice(-8192), stopped: false });
      };
    });
    this.#child.stdin.write(JSON.stringify({ argv: args, env: command.env, cwd: command.cwd ?? null }) + '\n');
    return {
      pid: this.pid,
      exited,
      stop: () => {
        // A run cut short leaves its coroutines mid-flight: the runner goes with it.
        stopped = true;
        this.kill();
        return exited;
      },
    };
  }

  kill(): void {
    if (this.dead || this.#child.pid === undefined) return;
    try {
      process.kill(-this.#child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
