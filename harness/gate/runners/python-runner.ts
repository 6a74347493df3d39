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

interface Pool {
  /** Runners started and not serving a run (a new one may still be importing). */
  readonly idle: Runner[];
  /** Runs going on now, and the most seen at once: how many spares the next run will want. */
  busy: number;
  peak: number;
}

const pools = new Map<string, Pool>();

/**
 * A launcher (ProgramActorDefinition.launch) that runs each run of a Python program as a call of
 * `entry(argv, env)` in a long-lived interpreter (python-runner.py) instead of a new process, so a
 * search starts Python and imports its driver once. A run the harness stops is cancelled and its
 * interpreter kept; one that will not end is killed, and the pool starts its replacement while
 * the next run goes on.
 */
export function pythonRunner(options: PythonRunnerOptions): Launcher {
  if (!/^[\w.]+(:\w+)?$/.test(options.entry)) throw new HarnessError('E_BAD_SCENARIO', `python runner entry '${options.entry}' is not 'module:function'`);
  const key = JSON.stringify([options.python, options.entry, options.cwd ?? null]);
  return (command) => {
    const pool = pools.get(key) ?? { idle: [], busy: 0, peak: 0 };
    pools.set(key, pool);
    let runner = pool.idle.shift();
    while (runner && runner.dead) runner = pool.idle.shift();
    const r = runner ?? new Runner(options);
    pool.busy++;
    pool.peak = Math.max(pool.peak, pool.busy);
    const started = r.run(argsOf(command.argv), command, () => {
      if (!r.dead) pool.idle.push(r);
    });
    void started.exited.then(() => {
      pool.busy--;
      topUp(pool, options);
    });
    topUp(pool, options);
    return started;
  };
}

/** Starts runners until the pool has, busy and idle, as many as its runs used at once. */
function topUp(pool: Pool, options: PythonRunnerOptions): void {
  for (let i = pool.idle.length - 1; i >= 0; i--) if (pool.idle[i]?.dead) pool.idle.splice(i, 1);
  while (pool.busy + pool.idle.length < pool.peak) pool.idle.push(new Runner(options));
}

/** Stops every idle runner (tests; the process's exit stops them anyway). */
export function closePythonRunners(): void {
  for (const pool of pools.values()) {
    for (const r of pool.idle.splice(0)) r.kill();
    pool.peak = 0;
  }
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

interface Pong {
  readonly pong: number;
  readonly idle: boolean;
}

/** The runner's first line: whether its runs can answer pings at all. */
interface Hello {
  readonly pings: boolean;
}

/**
 * How long a ping waits for its pong. A program computing longer, or one whose loop is not the
 * runner's (it answers no ping), is then looked at from /proc, which also sees a busy one.
 */
const PONG_WAIT_MS = 25;
/** How long a stopped run has to unwind before its runner is killed. */
const CANCEL_WAIT_MS = 1000;

class Runner {
  readonly #child: ChildProcessWithoutNullStreams;
  #waiting: ((a: Answer | Error) => void) | undefined;
  #stderr = '';
  #pings = 0;
  /** Runs served so far: a run's idle() speaks only while that run is the runner's. */
  #runs = 0;
  /** The run that left a ping unanswered. */
  #silentRun = 0;
  /** False when the runner's entry is a plain function: its runs block the loop that would answer. */
  #answers = true;
  readonly #pongs = new Map<number, (idle: boolean | undefined) => void>();
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
      let answer: Answer | Pong | Hello;
      try {
        answer = JSON.parse(line) as Answer | Pong | Hello;
      } catch {
        // Something else wrote to the runner's stdout: its answers can no longer be trusted.
        this.#fail(new Error(`the Python runner wrote a line that is not an answer: ${line.slice(0, 200)}`));
        this.kill();
        return;
      }
      if ('pong' in answer) {
        this.#answerPings(answer.pong, answer.idle);
        return;
      }
      if ('pings' in answer) {
        this.#answers = answer.pings;
        return;
      }
      // The run is over: a ping still out is answered by its end.
      this.#answerPings(Infinity, undefined);
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

  #answerPings(upTo: number, idle: boolean | undefined): void {
    for (const [k, resolve] of this.#pongs) {
      if (k > upTo) continue;
      this.#pongs.delete(k);
      resolve(idle);
    }
  }

  /**
   * Asks the runner's loop whether the run is idle (python-runner.py answers when it is about to
   * block). A run whose loop once left a ping unanswered (a plain function for an entry, blocking
   * calls, its own loop) is not asked again: /proc alone looks at it for the rest of the run.
   */
  #idle(run: number): Promise<boolean | undefined> {
    if (!this.#answers || this.dead || this.#waiting === undefined || run !== this.#runs || this.#silentRun === run) return Promise.resolve(undefined);
    const k = ++this.#pings;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pongs.delete(k);
        this.#silentRun = run;
        resolve(undefined);
      }, PONG_WAIT_MS);
      this.#pongs.set(k, (idle) => {
        clearTimeout(timer);
        resolve(idle);
      });
      this.#child.stdin.write(`{"ping":${k}}\n`);
    });
  }

  #fail(e: Error): void {
    this.#answerPings(Infinity, undefined);
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
    const run = ++this.#runs;
    const exited = new Promise<ProcessExit>((resolve) => {
      this.#waiting = (a) => {
        if (a instanceof Error) {
          resolve({ code: null, signal: stopped ? 'SIGKILL' : null, stdoutTail: '', stderrTail: a.message, stopped });
          return;
        }
        released();
        resolve({ code: a.code, signal: null, stdoutTail: a.stdout.slice(-8192), stderrTail: a.stderr.slice(-8192), stopped });
      };
    });
    this.#child.stdin.write(JSON.stringify({ argv: args, env: command.env, cwd: command.cwd ?? null }) + '\n');
    return {
      pid: this.pid,
      exited,
      idle: () => this.#idle(run),
      stop: () => {
        if (stopped) return exited;
        stopped = true;
        // A run cut short (an abandoned schedule, most often) has its tasks cancelled and the runner
        // serves the next run: starting an interpreter again costs more than the run. Its gates are
        // closed by then, so whatever it still awaits fails at once. One that does not end soon
        // (it swallows the cancellation, or blocks outside its loop) is killed.
        const timer = setTimeout(() => this.kill(), CANCEL_WAIT_MS);
        this.#child.stdin.write('{"cancel":true}\n');
        void exited.finally(() => clearTimeout(timer));
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
