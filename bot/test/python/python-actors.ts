// Runs the Python bot's actors (bot/python) from tests: as a process per run (`python3 -m
// position_bot`, the contract the harness uses) or through long-lived runners that call
// run_actor per run (actor_runner.py), and reads how a run ended.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Debian's Python: the one with python3-asyncpg (the `python3` first on PATH may be another). */
export const PYTHON = '/usr/bin/python3';
export const PACKAGE_DIR = fileURLToPath(new URL('../../python', import.meta.url));
const RUNNER = fileURLToPath(new URL('./actor_runner.py', import.meta.url));

/** Null when Python and asyncpg are there; else why the Python tests cannot run. */
export function pythonUnavailable(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import sys, asyncpg; assert sys.version_info >= (3, 11), sys.version'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} cannot be started (${r.error.message}); install Debian's python3 and python3-asyncpg`;
  if (r.status !== 0) return `${PYTHON} cannot import asyncpg or is older than 3.11: ${r.stderr.trim().split('\n').pop() ?? ''}; install python3-asyncpg`;
  return null;
}

export interface ProcessResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How an actor ended, in the terms the harness records for in-process actors. */
export type Ending =
  | { readonly status: 'ok'; readonly value: unknown }
  | { readonly status: 'error'; readonly code: string | null; readonly sqlState: string | null; readonly message: string };

const ERROR_LINE = /^position-bot: (\S+?)(?: SQLSTATE ([0-9A-Z]{5}))?: (.*)$/;

/** Reads a run's ending from its exit code, its JSON stdout line and its last stderr line. */
export function endingOf(r: ProcessResult): Ending {
  if (r.exitCode === 0) return { status: 'ok', value: JSON.parse(r.stdout.trim().split('\n').pop() ?? 'null') as unknown };
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const m = ERROR_LINE.exec(last);
  if (!m) throw new Error(`exit ${r.exitCode} without the one-line error on stderr: ${JSON.stringify(r.stderr)}`);
  return { status: 'error', code: m[1] ?? null, sqlState: m[2] ?? null, message: m[3] ?? '' };
}

/** The environment of one run: only what the contract names (no PYTHONPATH, no proxies). */
export function actorEnv(vars: Readonly<Record<string, string>>): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...vars };
}

/** One run as its own process: `python3 -m position_bot <argv>` in bot/python. */
export function runPythonProcess(argv: readonly string[], env: Readonly<Record<string, string>>): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-m', 'position_bot', ...argv], { cwd: PACKAGE_DIR, env: actorEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ exitCode: code ?? -1, stdout, stderr }));
  });
}

/** Long-lived interpreters, each running one actor run at a time through run_actor. */
export class PythonRunners {
  readonly #idle: Runner[] = [];
  readonly #all: Runner[] = [];
  readonly #waiting: ((r: Runner) => void)[] = [];

  constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const r = new Runner();
      this.#all.push(r);
      this.#idle.push(r);
    }
  }

  async run(argv: readonly string[], env: Readonly<Record<string, string>>): Promise<ProcessResult> {
    const runner = this.#idle.pop() ?? (await new Promise<Runner>((resolve) => this.#waiting.push(resolve)));
    try {
      return await runner.run(argv, actorEnv(env));
    } finally {
      const next = this.#waiting.shift();
      if (next) next(runner);
      else this.#idle.push(runner);
    }
  }

  close(): void {
    for (const r of this.#all) r.close();
  }
}

class Runner {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #answers: { resolve(line: string): void; reject(e: Error): void }[] = [];
  #stderr = '';
  #exited = false;

  constructor() {
    this.#child = spawn(PYTHON, [RUNNER], { cwd: PACKAGE_DIR, env: { ...actorEnv({}), PYTHONPATH: PACKAGE_DIR } });
    this.#child.stderr.on('data', (d: Buffer) => (this.#stderr += d.toString('utf8')));
    createInterface({ input: this.#child.stdout }).on('line', (line) => this.#answers.shift()?.resolve(line));
    this.#child.on('exit', (code) => {
      this.#exited = true;
      for (const a of this.#answers.splice(0)) a.reject(new Error(`the Python actor runner exited (${code}): ${this.#stderr}`));
    });
  }

  run(argv: readonly string[], env: Record<string, string>): Promise<ProcessResult> {
    return new Promise((resolve, reject) => {
      if (this.#exited) {
        reject(new Error(`the Python actor runner has exited: ${this.#stderr}`));
        return;
      }
      this.#answers.push({ resolve: (line) => resolve(JSON.parse(line) as ProcessResult), reject });
      this.#child.stdin.write(JSON.stringify({ argv, env }) + '\n');
    });
  }

  close(): void {
    this.#child.stdin.end();
    this.#child.kill();
  }
}
