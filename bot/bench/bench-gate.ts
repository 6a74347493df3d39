// The gate's figures (issue 19): what a step costs through the PostgreSQL wire gate against the
// in-process SQL port, on the same scenario and the same random schedules (signal-sync@baseline:
// the TypeScript bot in-process, the Python bot through the gate, in a long-lived runner and as a
// process per run), and the whole exhaustive search of the Python signal-sync@baseline through
// the CLI with 2 worker processes.
//   npm run bench -- --gate [--gate-runs 40]
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HarnessDatabases } from '../../harness/db/index.ts';
import { CellHarness, STRATEGIES, type RunResult } from '../../harness/run/index.ts';
import type { Strategy } from '../../harness/sched/index.ts';
import { resolveLayerSet } from '../layers/index.ts';
import { openBotCell, type BotScenario } from '../plugin/index.ts';
import { closePythonRunners, PYTHON_SCENARIOS } from '../python/scenarios/index.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { round } from './bench-throughput.ts';
import { cpuSince, livingChildrenCpu, sampleCpu, type CpuSample } from './process-cpu.ts';

const MAIN = fileURLToPath(new URL('../../harness/cli/main.ts', import.meta.url));
const PYTHON_CONFIG = fileURLToPath(new URL('../python/race.config.ts', import.meta.url));

export interface PortFigures {
  readonly port: string;
  readonly schedules: number;
  readonly steps: number;
  readonly msPerSchedule: number;
  readonly msPerStep: number;
  /**
   * CPU per step (ms): the harness's process, the program's long-lived runners (Python), and
   * PostgreSQL; where a step's time goes when nothing else runs.
   */
  readonly cpuPerStep: { readonly harness: number; readonly program: number; readonly postgres: number | null };
}

export interface GateFigures {
  readonly cell: string;
  readonly ports: readonly PortFigures[];
  /** Python through the gate (runner) per step, over the TypeScript bot in-process per step. */
  readonly gateToInProcessPerStep: number;
  /** The Python bot's process per run over the runner, per schedule. */
  readonly processToRunnerPerSchedule: number;
  readonly exhaustive: { readonly schedules: number; readonly wallSeconds: number; readonly searchSeconds: number; readonly schedulesPerSecond: number; readonly verdict: string; readonly complete: boolean } | null;
}

/** `runs` random schedules of `scenario` at the baseline: time and steps per schedule. */
async function portFigures(port: string, dbs: HarnessDatabases, scenario: BotScenario, runs: number): Promise<PortFigures> {
  const layerSet = resolveLayerSet('baseline');
  const template = await dbs.createTemplate(`bench-gate-${port.replace(/\W+/g, '-')}`, layerSet.sqlFiles);
  const h = await CellHarness.open(dbs, template, (clock) => openBotCell(layerSet, clock, 'direct'));
  const actors = scenario.actors({ policy: layerSet.policy, layerSet });
  const make = () => STRATEGIES.random.create({ budget: runs, seed: 1, depth: 2, reduce: true }) as Strategy;
  let strategy = make();
  let steps = 0;
  // One run first, not timed: the interpreter's start and imports are the runner's once per search.
  const started: number[] = [];
  let cpu: { harness: CpuSample; program: number } | undefined;
  try {
    for (let i = 0; i <= runs; i++) {
      if (i === 1) {
        started.push(performance.now());
        cpu = { harness: sampleCpu(), program: livingChildrenCpu('python') };
      }
      if (!strategy.beginRun()) {
        strategy = make();
        strategy.beginRun();
      }
      await h.prepare(scenario);
      const run = await h.scheduler.run(actors, strategy);
      strategy.endRun(run.schedule.choices.length);
      if (i > 0) steps += run.schedule.choices.length;
      await h.inspect(scenario, run, actors, { reset: true });
    }
  } finally {
    await h.close();
  }
  const ms = performance.now() - (started[0] ?? performance.now());
  const perStep = (x: number) => round(x / Math.max(steps, 1), 2);
  const spent = cpu ? cpuSince(cpu.harness) : undefined;
  const cpuPerStep = {
    harness: perStep(spent?.self ?? 0),
    // Runners alive at both samples (a run the harness kills takes its runner's CPU with it).
    program: perStep(livingChildrenCpu('python') - (cpu?.program ?? 0)),
    postgres: spent?.postgres === undefined ? null : perStep(spent.postgres),
  };
  return { port, schedules: runs, steps, msPerSchedule: round(ms / runs, 1), msPerStep: perStep(ms), cpuPerStep };
}

async function pythonExhaustive(databaseUrl: string, dir: string): Promise<GateFigures['exhaustive']> {
  const started = performance.now();
  const out = join(dir, 'python-exhaustive');
  const args = ['--config', PYTHON_CONFIG, '--scenario', 'signal-sync', '--variant', 'baseline', '--workers', '2', '--no-odds', '--db', 'url', '--database-url', databaseUrl, '--format', 'json', '--out', out];
  const child = spawn(process.execPath, [...process.execArgv, MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const wallSeconds = (performance.now() - started) / 1000;
  let result: RunResult;
  try {
    result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult;
  } catch {
    throw new Error(`the Python exhaustive search wrote no results (exit ${String(code)}):\n${stderr}`);
  }
  const cell = result.cells[0];
  const searchSeconds = (Date.parse(result.finishedAt) - Date.parse(result.startedAt)) / 1000;
  return {
    schedules: result.totals.schedules,
    wallSeconds: round(wallSeconds, 1),
    searchSeconds: round(searchSeconds, 1),
    schedulesPerSecond: round(result.totals.schedules / Math.max(searchSeconds, 0.001), 1),
    verdict: cell ? `${cell.verdict}: ${cell.verdictReason}` : 'no cell',
    complete: cell?.coverage.complete ?? false,
  };
}

/** Every figure of the gate; `runs` random schedules per port. */
export async function gateFigures(dbs: HarnessDatabases, databaseUrl: string, dir: string, runs: number, log: (line: string) => void, search = true): Promise<GateFigures> {
  const ts = SCENARIOS['signal-sync'];
  const py = PYTHON_SCENARIOS['signal-sync'];
  if (!ts || !py) throw new Error('the signal-sync scenario is missing');
  const ports: PortFigures[] = [];
  ports.push(await portFigures('TypeScript bot, in-process SQL port', dbs, ts, runs));
  log(`gate: ${JSON.stringify(ports.at(-1))}`);
  const launch = process.env['POSITION_BOT_LAUNCH'];
  try {
    process.env['POSITION_BOT_LAUNCH'] = 'runner';
    ports.push(await portFigures('Python bot through the gate, long-lived runner', dbs, py, runs));
    log(`gate: ${JSON.stringify(ports.at(-1))}`);
    process.env['POSITION_BOT_LAUNCH'] = 'process';
    ports.push(await portFigures('Python bot through the gate, a process per run', dbs, py, Math.max(5, Math.round(runs / 4))));
    log(`gate: ${JSON.stringify(ports.at(-1))}`);
  } finally {
    if (launch === undefined) delete process.env['POSITION_BOT_LAUNCH'];
    else process.env['POSITION_BOT_LAUNCH'] = launch;
    closePythonRunners();
  }
  if (search) log('gate: the Python signal-sync@baseline exhaustive search, 2 worker processes');
  const exhaustive = search ? await pythonExhaustive(databaseUrl, dir) : null;
  const [inProcess, runner, perProcess] = ports as [PortFigures, PortFigures, PortFigures];
  return {
    cell: 'signal-sync@baseline',
    ports,
    gateToInProcessPerStep: round(runner.msPerStep / inProcess.msPerStep, 2),
    processToRunnerPerSchedule: round(perProcess.msPerSchedule / runner.msPerSchedule, 2),
    exhaustive,
  };
}

export function renderGate(g: GateFigures): string {
  return [
    `the gate (${g.cell}, random schedules)            schedules   steps   ms/schedule   ms/step   CPU ms/step: harness + program + PostgreSQL`,
    ...g.ports.map(
      (p) =>
        `  ${p.port.padEnd(48)}${String(p.schedules).padStart(6)}${String(p.steps).padStart(8)}${String(p.msPerSchedule).padStart(14)}${String(p.msPerStep).padStart(10)}   ${p.cpuPerStep.harness} + ${p.cpuPerStep.program} + ${p.cpuPerStep.postgres ?? '?'}`,
    ),
    `  per step, through the gate (runner) / in-process: ${g.gateToInProcessPerStep} (goal ≤ 1.5)`,
    `  per schedule, a process per run / runner: ${g.processToRunnerPerSchedule}`,
    g.exhaustive
      ? `  Python signal-sync@baseline exhaustive, 2 workers: ${g.exhaustive.schedules} schedules in ${g.exhaustive.searchSeconds} s (${g.exhaustive.schedulesPerSecond}/s; ${g.exhaustive.wallSeconds} s wall; goal < 60 s), ${g.exhaustive.verdict}`
      : '',
  ].join('\n');
}
