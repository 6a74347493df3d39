// The bench's figures through the real CLI: `npm run scenarios` processes (main.ts under the same
// loader), timed from outside — worker processes on one cell, and the default matrix.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../../harness/run/index.ts';
import { round } from './bench-throughput.ts';
import { cpuSince, sampleCpu } from './process-cpu.ts';

const MAIN = fileURLToPath(new URL('../../harness/cli/main.ts', import.meta.url));

/** One `npm run scenarios` process; resolves with its results.json, rejects on a non-zero exit. */
async function scenariosCli(args: readonly string[], out: string): Promise<RunResult> {
  const child = spawn(process.execPath, [...process.execArgv, MAIN, ...args, '--format', 'json', '--out', out], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`npm run scenarios -- ${args.join(' ')} exited with ${String(code)}:\n${stderr}`);
  return JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult;
}

export interface ProcessesFigures {
  readonly processes: number;
  readonly schedules: number;
  /** From the first run's start to the last one's end, as their results.json say (no process start-up). */
  readonly seconds: number;
  readonly schedulesPerSecond: number;
  /** Spawn to exit, start-up and PostgreSQL connections included. */
  readonly wallSeconds: number;
  /** CPU per schedule of the worker processes and of the PostgreSQL server. */
  readonly nodeCpuMsPerSchedule: number;
  readonly postgresCpuMsPerSchedule: number | null;
}

/**
 * `processes` CLI processes at once, each running `cell` (e.g. `--scenario signal-sync --layers
 * baseline --strategy random --budget n`) with its own seed on the server at `databaseUrl`, the way
 * `--workers` runs its worker processes.
 */
export async function workerProcesses(processes: number, cell: readonly string[], databaseUrl: string, dir: string): Promise<ProcessesFigures> {
  const cpu = sampleCpu();
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: processes }, (_, i) =>
      scenariosCli([...cell, '--seed', String(i + 1), '--workers', '1', '--db', 'url', '--database-url', databaseUrl], join(dir, `worker-${processes}-${i + 1}`)),
    ),
  );
  const wallSeconds = (performance.now() - started) / 1000;
  const used = cpuSince(cpu);
  const schedules = results.reduce((n, r) => n + r.totals.schedules, 0);
  const first = Math.min(...results.map((r) => Date.parse(r.startedAt)));
  const last = Math.max(...results.map((r) => Date.parse(r.finishedAt)));
  const seconds = (last - first) / 1000;
  return {
    processes,
    schedules,
    seconds: round(seconds, 2),
    schedulesPerSecond: Math.round(schedules / seconds),
    wallSeconds: round(wallSeconds, 2),
    nodeCpuMsPerSchedule: round(used.children / schedules, 3),
    postgresCpuMsPerSchedule: used.postgres === undefined ? null : round(used.postgres / schedules, 3),
  };
}

export interface MatrixFigures {
  readonly workers: number;
  /** The odds pass ran too (100 simulated runs a cell with a Signal). */
  readonly withOdds: boolean;
  readonly wallSeconds: number;
  readonly cells: number;
  readonly schedules: number;
  /** Exhaustive cells whose search the budget stopped before its end. */
  readonly stoppedByBudget: readonly string[];
  /** CPU seconds of everything the run started: its processes and its PostgreSQL. */
  readonly cpuSeconds: number;
}

/**
 * `npm run scenarios -- --all` (the whole matrix, its own embedded PostgreSQL): the searches alone
 * (`--no-odds`, what `--ci` runs), or with the odds pass the plain command adds.
 */
export async function defaultMatrix(workers: number, dir: string, withOdds: boolean): Promise<MatrixFigures> {
  const cpu = sampleCpu();
  const started = performance.now();
  const result = await scenariosCli(['--all', '--workers', String(workers), ...(withOdds ? [] : ['--no-odds'])], join(dir, withOdds ? 'matrix-odds' : 'matrix'));
  const wallSeconds = (performance.now() - started) / 1000;
  return {
    workers,
    withOdds,
    wallSeconds: round(wallSeconds, 1),
    cells: result.totals.cells,
    schedules: result.totals.schedules,
    stoppedByBudget: result.cells.filter((c) => c.coverage.kind === 'exhaustive' && !c.coverage.complete).map((c) => `${c.scenario}@${c.variant}`),
    cpuSeconds: round(cpuSince(cpu).children / 1000, 1),
  };
}
