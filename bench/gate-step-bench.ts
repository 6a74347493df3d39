// `npm run bench:gate-step`: what a step costs through the wire gate against the in-process SQL
// port when the code is the same — each actor runs the same UPDATE statements, as an in-process
// sqlActor and as a psql script through its gate, on the same random schedules. A run's fixed
// cost (a process's start and connection, the template's copy) is taken out by running n and 9n
// statements per actor: the cost of a step is the difference over the steps added. The same
// statements are also timed without the harness, paced as steps are (a pg client here against
// psql through a relay): the difference is the hop any gate adds, a floor under the ratio. Never a test.
import { writeFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chooseProvider } from '../harness/db/index.ts';
import { programActor } from '../harness/gate/index.ts';
import { defineScenario, sqlActor } from '../harness/index.ts';
import { runMatrix } from '../harness/run/index.ts';
import pg from 'pg';
import { median, timedRun, uptime } from './timed-process.ts';

const USAGE = `Usage: npm run bench:gate-step -- [options]

  --runs <n>        random schedules per measurement (default 40)
  --reps <n>        measurements of each port, alternating (default 5); medians are reported
  --psql <path>     the psql client (default /usr/bin/psql)
  --out <dir>       where bench-gate-step.json goes (default reports)`;

/** Statements per actor: the short runs and the long ones. */
const SHORT = 5;
const LONG = 45;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '40' }, reps: { type: 'string', default: '5' }, psql: { type: 'string', default: '/usr/bin/psql' }, out: { type: 'string', default: 'reports' }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const runs = Number(values.runs);
  const reps = Number(values.reps);
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(reps) || reps < 1) throw new Error('--runs and --reps must be whole numbers ≥ 1');
  const loadBefore = uptime();
  process.stderr.write(`${loadBefore}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'prh-bench-gate-step-'));
  const server = await chooseProvider({ db: 'embedded', env: process.env, notice: () => undefined }).start();
  // Two actors on rows of their own: every order is possible, none blocks.
  const statements = (who: string, n: number) => Array.from({ length: n }, (_, i) => `UPDATE counter SET n = n + 1 WHERE id = ${who === 'a' ? 1 : 2} /* ${i} */`);
  const scenario = (port: 'in-process' | 'gate', n: number) =>
    defineScenario({
      name: `${port}-${n}`,
      schema: 'CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)',
      setup: async ({ sql }) => {
        await sql('INSERT INTO counter VALUES (1, 0), (2, 0)');
      },
      actors: ['a', 'b'].map((who) => {
        if (port === 'in-process') return sqlActor(who, statements(who, n));
        const file = join(dir, `${who}-${n}.sql`);
        writeFileSync(file, `${statements(who, n).map((s) => `${s};`).join('\n')}\n`);
        return programActor({ name: who, command: [values.psql, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file] });
      }),
    });
  /** Wall time and the harness's own CPU time (this process: the engine, the gates) per run. */
  const msPerRun = async (port: 'in-process' | 'gate', n: number): Promise<{ wall: number; cpu: number }> => {
    const cpuBefore = process.cpuUsage();
    const r = await runMatrix({ scenarios: [scenario(port, n)], server, strategy: 'random', strategyOptions: { budget: runs, seed: 1, depth: 2, reduce: true }, workers: 1 });
    const cpu = process.cpuUsage(cpuBefore);
    const cell = r.cells[0];
    if (!cell || cell.schedules !== runs || cell.error) throw new Error(`${port} with ${n} statements: ${cell?.error ?? `${cell?.schedules ?? 0} of ${runs} runs`}`);
    return { wall: cell.elapsedMs / cell.schedules, cpu: (cpu.user + cpu.system) / 1000 / cell.schedules };
  };
  const perStep: Record<'in-process' | 'gate', number[]> = { 'in-process': [], gate: [] };
  const cpuPerStep: Record<'in-process' | 'gate', number[]> = { 'in-process': [], gate: [] };
  const perRun: Record<'in-process' | 'gate', number[]> = { 'in-process': [], gate: [] };
  /** Each measurement's gate step over the in-process step measured just before it: the machine's load changes less within a pair. */
  const pairRatios: number[] = [];
  const pairCpuRatios: number[] = [];
  let floor: Floor | undefined;
  try {
    for (let rep = 0; rep < reps; rep++) {
      for (const port of ['in-process', 'gate'] as const) {
        const short = await msPerRun(port, SHORT);
        const long = await msPerRun(port, LONG);
        // Two actors, (LONG - SHORT) statements more each.
        const step = (long.wall - short.wall) / (2 * (LONG - SHORT));
        const cpuStep = (long.cpu - short.cpu) / (2 * (LONG - SHORT));
        perStep[port].push(step);
        cpuPerStep[port].push(cpuStep);
        perRun[port].push(short.wall - 2 * SHORT * step);
        process.stderr.write(`${port}: ${short.wall.toFixed(1)} ms a run of ${2 * SHORT} steps, ${long.wall.toFixed(1)} ms of ${2 * LONG}: ${step.toFixed(3)} ms a step (harness CPU ${cpuStep.toFixed(3)} ms)\n`);
      }
      pairRatios.push((perStep.gate.at(-1) ?? 0) / (perStep['in-process'].at(-1) ?? 1));
      pairCpuRatios.push((cpuPerStep.gate.at(-1) ?? 0) / (cpuPerStep['in-process'].at(-1) ?? 1));
    }
    floor = await measureFloor(server.urlFor(server.maintenanceDatabase), dir, values.psql, reps);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const m = (xs: readonly number[]) => Math.round(median(xs) * 1000) / 1000;
  const report = {
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', loadBefore, loadAfter: uptime(), node: process.version },
    runs,
    reps,
    statements: { short: SHORT, long: LONG },
    msPerStep: { inProcess: m(perStep['in-process']), gate: m(perStep.gate), each: perStep },
    harnessCpuMsPerStep: { inProcess: m(cpuPerStep['in-process']), gate: m(cpuPerStep.gate), each: cpuPerStep },
    msFixedPerRun: { inProcess: m(perRun['in-process']), gate: m(perRun.gate) },
    gateToInProcessPerStep: Math.round((median(perStep.gate) / median(perStep['in-process'])) * 100) / 100,
    gateToInProcessPerStepPaired: { median: Math.round(median(pairRatios) * 100) / 100, each: pairRatios.map((r) => Math.round(r * 100) / 100) },
    harnessCpuGateToInProcessPaired: { median: Math.round(median(pairCpuRatios) * 100) / 100, each: pairCpuRatios.map((r) => Math.round(r * 100) / 100) },
    withoutHarness: floor,
  };
  const hop = floor?.hopMs ?? NaN;
  mkdirSync(values.out, { recursive: true });
  const file = join(values.out, 'bench-gate-step.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    [
      `the same UPDATEs, two actors, random schedules (${runs} a measurement, ${reps} measurements each; medians)`,
      `  in-process sqlActor        ${report.msPerStep.inProcess.toFixed(3)} ms a step, ${report.msFixedPerRun.inProcess.toFixed(1)} ms a run besides`,
      `  psql through its gate      ${report.msPerStep.gate.toFixed(3)} ms a step, ${report.msFixedPerRun.gate.toFixed(1)} ms a run besides (the processes' start)`,
      `  per step, gate / in-process: ${report.gateToInProcessPerStep} (goal ≤ 1.5); the median of the ${reps} pairs measured one after the other: ${report.gateToInProcessPerStepPaired.median} (${report.gateToInProcessPerStepPaired.each.join(', ')})`,
      `  the harness's own CPU a step: in-process ${report.harnessCpuMsPerStep.inProcess.toFixed(3)} ms, gate ${report.harnessCpuMsPerStep.gate.toFixed(3)} ms; paired median ${report.harnessCpuGateToInProcessPaired.median}`,
      ...(floor
        ? [
            `without the harness, each statement held ${floor.pauseMs} ms first (medians of ${reps}):`,
            `  a pg client in this process ${floor.msPerStatement.pg.toFixed(3)} ms a statement, psql through a relay in this process ${floor.msPerStatement.psqlRelayed.toFixed(3)} ms`,
            `  the hop a gate adds (the difference): ${hop.toFixed(3)} ms; with no decision cost at all a gate step would be ${((report.msPerStep.inProcess + hop) / report.msPerStep.inProcess).toFixed(2)}× the in-process one`,
            `  what is left of a gate step (gate − in-process − hop: holding, relaying and deciding when the program is parked): ${(report.msPerStep.gate - report.msPerStep.inProcess - hop).toFixed(3)} ms`,
          ]
        : []),
      `load: before ${loadBefore}`,
      `      after  ${report.machine.loadAfter}`,
      `written: ${file}`,
    ].join('\n') + '\n',
  );
}


interface Floor {
  /** The pause before each statement, as between two steps of one actor. */
  readonly pauseMs: number;
  readonly msPerStatement: { readonly pg: number; readonly psqlRelayed: number };
  /** What the second process adds to a statement: psqlRelayed − pg. */
  readonly hopMs: number;
}

/** How long the bench holds each statement (busy, as the harness is while it decides): about a step of the other actor. */
const FLOOR_PAUSE_MS = 0.3;

/**
 * The same UPDATEs with no harness, each held a moment first as a step is: sent by a pg client in
 * this process, and by psql through a relay in this process that holds each request as long and
 * then only copies bytes. Both wait alike and the server does the same work; what psql's way adds
 * is a second process woken from idle each way, the hop any gate adds (on a VM, a CPU gone idle
 * takes far longer to wake than a busy one: back to back, the hop is a fraction of it). Short and
 * long runs again, so psql's start is taken out.
 */
async function measureFloor(adminUrl: string, dir: string, psql: string, reps: number): Promise<Floor> {
  const db = `prh_gate_step_floor_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${db}`);
  await admin.query(`CREATE DATABASE ${db}`);
  const url = new URL(adminUrl);
  url.pathname = `/${db}`;
  const hold = () => {
    const until = performance.now() + FLOOR_PAUSE_MS;
    while (performance.now() < until);
  };
  const relay = createServer((client) => {
    const upstream = connect(Number(url.port || 5432), url.hostname);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk: Buffer) => {
      hold();
      upstream.write(chunk);
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const relayed = new URL(url);
  relayed.hostname = '127.0.0.1';
  relayed.port = String((relay.address() as AddressInfo).port);
  const client = new pg.Client({ connectionString: url.toString() });
  try {
    await client.connect();
    await client.query('CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counter VALUES (1, 0)');
    const text = (n: number) => Array.from({ length: n }, (_, i) => `UPDATE counter SET n = n + 1 WHERE id = 1 /* ${i} */`);
    const N = { short: 10, long: 210 };
    const files = { short: join(dir, 'floor-short.sql'), long: join(dir, 'floor-long.sql') };
    writeFileSync(files.short, `${text(N.short).join(';\n')};\n`);
    writeFileSync(files.long, `${text(N.long).join(';\n')};\n`);
    const psqlRun = async (which: 'short' | 'long'): Promise<number> => {
      const r = await timedRun(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', relayed.toString(), '-f', files[which]]);
      if (r.code !== 0) throw new Error(`psql failed (${r.code}): ${r.stderr.trim()}`);
      return r.ms;
    };
    const pgRun = async (which: 'short' | 'long'): Promise<number> => {
      const t0 = performance.now();
      for (const st of text(N[which])) {
        hold();
        await client.query(st);
      }
      return performance.now() - t0;
    };
    /** The medians of 15 short and 15 long runs, alternating: their difference over the statements added. */
    const perStatement = async (run: (which: 'short' | 'long') => Promise<number>): Promise<number> => {
      const short: number[] = [];
      const long: number[] = [];
      for (let i = 0; i < 15; i++) {
        short.push(await run('short'));
        long.push(await run('long'));
      }
      return (median(long) - median(short)) / (N.long - N.short);
    };
    const each = { pg: [] as number[], psqlRelayed: [] as number[] };
    for (let rep = 0; rep < reps; rep++) {
      each.pg.push(await perStatement(pgRun));
      each.psqlRelayed.push(await perStatement(psqlRun));
    }
    const m = (xs: readonly number[]) => Math.round(median(xs) * 1000) / 1000;
    const hops = each.psqlRelayed.map((r, i) => r - (each.pg[i] ?? NaN));
    return { pauseMs: FLOOR_PAUSE_MS, msPerStatement: { pg: m(each.pg), psqlRelayed: m(each.psqlRelayed) }, hopMs: m(hops) };
  } finally {
    await client.end().catch(() => undefined);
    await new Promise<void>((resolve) => relay.close(() => resolve()));
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

await main();
