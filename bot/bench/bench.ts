// `npm run bench`: every speed figure of the harness, measured in one run on this machine, printed
// and written to reports/bench.json. The machine's load is recorded with them: on a shared machine
// compare the ratios measured within one run, not absolute figures across runs.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { chooseProvider, HarnessDatabases, registerCleanup } from '../../harness/db/index.ts';
import { resolveLayerSet } from '../layers/index.ts';
import { DEFAULT_BUDGET, STRATEGIES, type StrategyName, type StrategyOptions } from '../../harness/run/index.ts';
import type { Strategy } from '../../harness/sched/index.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { exchangeRequestCost } from './bench-exchange.ts';
import { gateFigures, renderGate } from './bench-gate.ts';
import { crossCheckFigures, renderCrossCheck, type CrossCheckFigures } from './bench-cross-check.ts';
import { defaultMatrix, workerProcesses } from './bench-processes.ts';
import { sqlFloor } from './bench-sql-floor.ts';
import { exhaustiveStats, memoryOver, round, throughput, type BenchCell, type Throughput } from './bench-throughput.ts';

const USAGE = `Usage: npm run bench -- [options]

  --schedules <n>       runs per strategy in one process (default 2000)
  --cli-schedules <n>   schedules per worker process through the CLI (default 2500)
  --rss-schedules <n>   schedules between the two memory readings (default 20000)
  --no-matrix           skip the default matrix (npm run scenarios, 2 worker processes, without and with the odds pass)
  --quick               small counts and no matrix: 300, 500, 2000
  --gate                only the gate's figures (bench-gate.ts): per step through the wire gate
                        against in-process, and the Python signal-sync exhaustive search
  --gate-runs <n>       random schedules per port for --gate (default 40)
  --no-gate-search      --gate without the Python exhaustive search
  --cross-check         only the run-time cross-check's cost (bench-cross-check.ts): the same
                        reduced search with it on and off, alternating (also part of the full run)
  --cross-check-passes <n>  timed passes each way (default 8)
  --out <dir>           where bench.json goes (default reports)`;

/** The issue's targets on this 2-core machine kind, idle. */
const TARGETS = { twoWorkerSchedulesPerSecond: 600, controlledToFloor: 2, defaultMatrixSeconds: 60 };

function count(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`error: --${name} must be a whole number ≥ 1, got '${value}'\n\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

function flags() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        schedules: { type: 'string' },
        'cli-schedules': { type: 'string' },
        'rss-schedules': { type: 'string' },
        'no-matrix': { type: 'boolean', default: false },
        quick: { type: 'boolean', default: false },
        out: { type: 'string', default: 'reports' },
        gate: { type: 'boolean', default: false },
        'gate-runs': { type: 'string' },
        'no-gate-search': { type: 'boolean', default: false },
        'cross-check': { type: 'boolean', default: false },
        'cross-check-passes': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  return {
    schedules: count('schedules', values.schedules, quick ? 300 : 2000),
    cliSchedules: count('cli-schedules', values['cli-schedules'], quick ? 500 : 2500),
    rssSchedules: count('rss-schedules', values['rss-schedules'], quick ? 2000 : 20_000),
    matrix: !(values['no-matrix'] ?? false) && !quick,
    out: values.out ?? 'reports',
    gate: values.gate ?? false,
    gateRuns: count('gate-runs', values['gate-runs'], 40),
    gateSearch: !(values['no-gate-search'] ?? false),
    crossCheckOnly: values['cross-check'] ?? false,
    crossCheckPasses: count('cross-check-passes', values['cross-check-passes'], quick ? 4 : 8),
  };
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ v: string }>(`SELECT 'PostgreSQL ' || current_setting('server_version') AS v`);
    return r.rows[0]?.v ?? 'PostgreSQL';
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const o = flags();
  const scenario = SCENARIOS['signal-sync'];
  if (!scenario) throw new Error('the signal-sync scenario is missing');
  const layerSet = resolveLayerSet('baseline');
  const startedAt = new Date();
  const loadBefore = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'prh-bench-'));
  const removeDir = registerCleanup(
    async () => rmSync(dir, { recursive: true, force: true }),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  const server = await chooseProvider({ db: 'embedded' }).start();
  const dbs = await HarnessDatabases.open(server);
  try {
    if (o.gate) {
      const gate = await gateFigures(dbs, server.urlFor(server.maintenanceDatabase), dir, o.gateRuns, log, o.gateSearch);
      const result = { date: startedAt.toISOString(), cpus: cpus().length, loadAverage: { before: loadBefore.map((x) => round(x, 2)), after: loadavg().map((x) => round(x, 2)) }, gate };
      mkdirSync(o.out, { recursive: true });
      const file = join(o.out, 'bench-gate.json');
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
      process.stdout.write(`load ${result.loadAverage.before.join(' ')} → ${result.loadAverage.after.join(' ')}\n${renderGate(gate)}\nwritten: ${file}\n`);
      return;
    }
    if (o.crossCheckOnly) {
      const crossCheck = await crossCheckFigures(dbs, o.crossCheckPasses, log);
      const result = { date: startedAt.toISOString(), cpus: cpus().length, loadAverage: { before: loadBefore.map((x) => round(x, 2)), after: loadavg().map((x) => round(x, 2)) }, crossCheck };
      mkdirSync(o.out, { recursive: true });
      const file = join(o.out, 'bench-cross-check.json');
      writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
      process.stdout.write(`load ${result.loadAverage.before.join(' ')} → ${result.loadAverage.after.join(' ')}\n${renderCrossCheck(crossCheck)}\nwritten: ${file}\n`);
      return;
    }
    const template = await dbs.createTemplate('bench', layerSet.sqlFiles);
    const cell: BenchCell = { dbs, template, scenario, layerSet };
    const postgresVersion = await serverVersion(server.urlFor(server.maintenanceDatabase));

    log('exchange: one request over each transport');
    const exchange = await exchangeRequestCost(Math.max(3000, o.schedules));

    log('SQL floor: the statements of one Signal + Sync schedule, back to back, against the controlled schedule');
    const floor = await sqlFloor(cell, Math.min(o.schedules, 500));

    const options: StrategyOptions = { budget: o.schedules, seed: 1, depth: 2, reduce: true };
    const make = (name: StrategyName, extra: Partial<StrategyOptions> = {}) => () => STRATEGIES[name].create({ ...options, ...extra }) as Strategy;
    const strategies: [string, () => Strategy, 'direct' | 'http'][] = [
      ['exhaustive', make('exhaustive'), 'direct'],
      ['exhaustive (no reduction)', make('exhaustive', { reduce: false }), 'direct'],
      ['random', make('random'), 'direct'],
      ['pct', make('pct'), 'direct'],
      ['random, exchange over http', make('random'), 'http'],
    ];
    const inProcess: Record<string, Throughput> = {};
    for (const [name, factory, transport] of strategies) {
      inProcess[name] = await throughput(cell, factory, o.schedules, transport);
      log(`${name}: ${inProcess[name]?.schedulesPerSecond} schedules/s`);
    }

    const cliCell = ['--scenario', 'signal-sync', '--layers', 'baseline', '--strategy', 'random', '--budget', String(o.cliSchedules)];
    const url = server.urlFor(server.maintenanceDatabase);
    const processes = [];
    for (const n of [1, 2]) {
      processes.push(await workerProcesses(n, cliCell, url, dir));
      log(`${n} worker process${n > 1 ? 'es' : ''}: ${processes.at(-1)?.schedulesPerSecond} schedules/s`);
    }

    const defaultBudget = DEFAULT_BUDGET.exhaustive;
    log(`exhaustive search of every scenario at the baseline (budget ${defaultBudget})`);
    const exhaustive = await exhaustiveStats(dbs, template, Object.values(SCENARIOS), layerSet, { budget: defaultBudget, seed: 1, depth: 2, reduce: true });

    log('the run-time cross-check: the same reduced search with it on and off');
    const crossCheck = await crossCheckFigures(dbs, o.crossCheckPasses, log);

    log(`memory over ${o.rssSchedules} schedules`);
    const memory = await memoryOver(cell, make('random', { budget: o.rssSchedules }), o.rssSchedules, (done) => log(`  ${done}`));

    let matrix = null;
    let matrixWithOdds = null;
    if (o.matrix) {
      log('the default matrix without the odds pass: npm run scenarios -- --no-odds, 2 worker processes');
      matrix = await defaultMatrix(2, dir, false);
      log('the default matrix with the odds pass: npm run scenarios, 2 worker processes');
      matrixWithOdds = await defaultMatrix(2, dir, true);
    }

    const two = processes.find((p) => p.processes === 2);
    const one = processes.find((p) => p.processes === 1);
    const result = {
      date: startedAt.toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        node: process.version,
        postgres: postgresVersion,
        loadAverage: { before: loadBefore.map((x) => round(x, 2)), after: loadavg().map((x) => round(x, 2)) },
      },
      cell: 'signal-sync@baseline',
      exchangeRequestMicroseconds: { ...exchange, ratio: round(exchange.http.wall / exchange.direct.wall, 1) },
      sqlFloor: floor,
      inProcess,
      workerProcesses: { perProcessSchedules: o.cliSchedules, runs: processes, twoToOne: one && two ? round(two.schedulesPerSecond / one.schedulesPerSecond, 2) : null },
      exhaustiveAtBaseline: exhaustive,
      crossCheck,
      memory,
      defaultMatrix: matrix,
      defaultMatrixWithOdds: matrixWithOdds,
      targets: {
        twoWorkerSchedulesPerSecond: { target: TARGETS.twoWorkerSchedulesPerSecond, measured: two?.schedulesPerSecond ?? null, met: (two?.schedulesPerSecond ?? 0) >= TARGETS.twoWorkerSchedulesPerSecond },
        controlledToFloor: { target: TARGETS.controlledToFloor, measured: floor.ratio, met: floor.ratio <= TARGETS.controlledToFloor },
        defaultMatrixSeconds: matrix
          ? { target: TARGETS.defaultMatrixSeconds, measured: matrix.wallSeconds, met: matrix.wallSeconds <= TARGETS.defaultMatrixSeconds && matrix.stoppedByBudget.length === 0 }
          : null,
      },
    };
    mkdirSync(o.out, { recursive: true });
    const file = join(o.out, 'bench.json');
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${render(result)}\nwritten: ${file}\n`);
  } finally {
    await dbs.close();
    await server.stop();
    removeDir();
    rmSync(dir, { recursive: true, force: true });
  }
}

type BenchResult = {
  machine: { cpus: number; cpuModel: string; node: string; postgres: string | null; loadAverage: { before: number[]; after: number[] } };
  exchangeRequestMicroseconds: { http: { wall: number; cpu: number }; direct: { wall: number; cpu: number }; ratio: number };
  sqlFloor: Awaited<ReturnType<typeof sqlFloor>>;
  inProcess: Record<string, Throughput>;
  workerProcesses: { runs: Awaited<ReturnType<typeof workerProcesses>>[]; twoToOne: number | null };
  exhaustiveAtBaseline: Awaited<ReturnType<typeof exhaustiveStats>>;
  crossCheck: readonly CrossCheckFigures[];
  memory: Awaited<ReturnType<typeof memoryOver>>;
  defaultMatrix: Awaited<ReturnType<typeof defaultMatrix>> | null;
  defaultMatrixWithOdds: Awaited<ReturnType<typeof defaultMatrix>> | null;
  date: string;
};

function render(r: BenchResult): string {
  const pad = (s: string, n: number) => s.padEnd(n);
  const cpuCell = (t: { nodeCpuMsPerSchedule: number; postgresCpuMsPerSchedule: number | null }) =>
    `${t.nodeCpuMsPerSchedule.toFixed(2)} + ${t.postgresCpuMsPerSchedule === null ? '?' : t.postgresCpuMsPerSchedule.toFixed(2)}`;
  const f = r.sqlFloor;
  const lines = [
    `${r.date}, ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, ${r.machine.postgres ?? 'PostgreSQL'}; load ${r.machine.loadAverage.before.join(' ')} → ${r.machine.loadAverage.after.join(' ')}`,
    '',
    'signal-sync@baseline, in one process     schedules/s   CPU ms/schedule (node + postgres)',
    ...Object.entries(r.inProcess).map(([k, t]) => `  ${pad(k, 38)}${String(t.schedulesPerSecond).padStart(11)}   ${cpuCell(t)}`),
    ...r.workerProcesses.runs.map((p) => `  ${pad(`random, ${p.processes} worker process${p.processes > 1 ? 'es' : ''} (CLI)`, 38)}${String(p.schedulesPerSecond).padStart(11)}   ${cpuCell(p)}`),
    `  2 processes / 1 process: ${r.workerProcesses.twoToOne ?? '?'}`,
    '',
    `SQL floor (${f.statements} statements of one schedule, back to back on one connection):`,
    `  statements ${f.floorStatementsMs} ms, with state read and reset ${f.floorMs} ms`,
    `  controlled schedule ${f.controlledMs} ms (run alone ${f.controlledRunMs} ms): ratio ${f.ratio} (run alone ${f.ratioRunOnly}; target ≤ ${TARGETS.controlledToFloor})`,
    `exchange request: http (msw) ${r.exchangeRequestMicroseconds.http.wall} µs (CPU ${r.exchangeRequestMicroseconds.http.cpu} µs), direct ${r.exchangeRequestMicroseconds.direct.wall} µs (CPU ${r.exchangeRequestMicroseconds.direct.cpu} µs): ${r.exchangeRequestMicroseconds.ratio}×`,
    renderCrossCheck(r.crossCheck),
    `memory over ${r.memory.schedules} schedules: RSS ${r.memory.rssMiB.before} → ${r.memory.rssMiB.after} MiB, live heap ${r.memory.heapUsedMiB.before} → ${r.memory.heapUsedMiB.after} MiB`,
    ...[r.defaultMatrix, r.defaultMatrixWithOdds].map((m) =>
      m
        ? `default matrix${m.withOdds ? ' with the odds pass' : ', searches only (--no-odds)'}, ${m.workers} worker processes: ${m.wallSeconds} s wall, ${m.schedules} schedules in ${m.cells} cells, ${m.cpuSeconds} CPU s; stopped by the budget: ${m.stoppedByBudget.length === 0 ? 'none' : m.stoppedByBudget.join(', ')}`
        : 'default matrix: skipped',
    ),
    '',
    'exhaustive search at the baseline            schedules  violating  complete  strategy stats',
    ...r.exhaustiveAtBaseline.map((e) => {
      const { strategy: _name, ...stats } = e.stats;
      return `  ${pad(e.scenario, 42)}${String(e.schedules).padStart(9)}  ${String(e.violating).padStart(9)}  ${pad(e.complete ? 'yes' : 'no', 8)}  ${JSON.stringify(stats)}`;
    }),
  ];
  return lines.join('\n');
}

await main();
