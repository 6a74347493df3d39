// Real client programs for the gate's tests: Debian's Python with its drivers, and psql. Where
// one is missing the test that needs it is skipped with the reason, and the rest runs.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { actorEnv, startProcessActor, type GateAddress, type ProcessExit } from '../../harness/gate/index.ts';

/** Debian's Python: its python3-asyncpg, python3-psycopg and python3-psycopg2 are for it alone. */
export const PYTHON = '/usr/bin/python3';
export const PSQL = '/usr/bin/psql';
export const CLIENTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'gate', 'clients');

const checked = new Map<string, string | null>();

/** Why `/usr/bin/python3` cannot import `module` (null when it can). */
export function pythonMissing(module: string): string | null {
  if (!checked.has(module)) {
    let reason: string | null = null;
    if (!existsSync(PYTHON)) reason = `${PYTHON} is not installed (apt-get install python3)`;
    else {
      try {
        execFileSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' });
      } catch {
        reason = `${PYTHON} cannot import ${module} (apt-get install python3-${module})`;
      }
    }
    checked.set(module, reason);
  }
  return checked.get(module)!;
}

/** Why psql cannot run here (null when it can). */
export function psqlMissing(): string | null {
  return existsSync(PSQL) ? null : `${PSQL} is not installed (apt-get install postgresql-client)`;
}

/** A test name that says why it was skipped. */
export function named(title: string, missing: string | null): string {
  return missing ? `${title} (skipped: ${missing})` : title;
}

/** Runs a program as a process actor against `gate` and waits until it exits. */
export function runProgram(argv: readonly string[], gate: GateAddress | undefined, extra: Record<string, string> = {}, endpoints: { services?: Record<string, string>; clockUrl?: string } = {}): Promise<ProcessExit> {
  const env = actorEnv(process.env, { ...(gate ? { database: gate } : {}), ...endpoints }, extra);
  return startProcessActor({ argv, cwd: CLIENTS_DIR, env }).exited;
}

/** A Python client script of test/gate/clients. */
export function runPython(script: string, gate: GateAddress | undefined, extra: Record<string, string> = {}, endpoints: { services?: Record<string, string>; clockUrl?: string } = {}): Promise<ProcessExit> {
  return runProgram([PYTHON, join(CLIENTS_DIR, script)], gate, extra, endpoints);
}

/** The JSON the client printed last on stdout. */
export function printed<T = Record<string, unknown>>(exit: ProcessExit): T {
  const lines = exit.stdoutTail.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1] ?? '') as T;
  } catch {
    throw new Error(`the client printed no JSON (exit ${exit.code}):\n${exit.stdoutTail}\n${exit.stderrTail}`);
  }
}
