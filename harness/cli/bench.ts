// `npm run bench`: speed of controlled scheduling on the Signal + Sync race, measured in one run
// on this machine: schedules per second per strategy, on one and two workers, and the ratio of
// one controlled schedule to the same flows run back to back on one connection without control.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createPositionBot, PgSqlClient, type Clock } from '../bot/index.ts';
import { EmbeddedPostgresProvider, HarnessDatabases, RESET_SQL, type HarnessDatabase } from '../db/index.ts';
import { MockExchange, serveMockExchange } from '../exchange/index.ts';
import { resolveLayerSet } from '../fixes/index.ts';
import { CellHarness, STRATEGIES, type StrategyName } from '../run/index.ts';
import { ReplayStrategy, Schedule, type Strategy } from '../sched/index.ts';
import { openBotCell } from '../bot-plugin/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 400);
const scenario = SCENARIOS['signal-sync'];
if (!scenario) throw new Error('signal-sync scenario missing');
const layerSet = resolveLayerSet('baseline');
const env = { policy: layerSet.policy, layerSet };

async function throughput(dbs: HarnessDatabases, template: HarnessDatabase, make: () => Strategy, runs: number): Promise<{ runs: number; seconds: number; perSecond: number }> {
  const h = await CellHarness.open(dbs, template, (clock) => openBotCell(layerSet, clock));
  const actors = scenario!.actors(env);
  const strategy = make();
  const started = performance.now();
  let n = 0;
  try {
    while (n < runs && strategy.beginRun()) {
      await h.prepare(scenario!);
      const run = await h.scheduler.run(actors, strategy);
      strategy.endRun(run.schedule.choices.length);
      if (run.outcome !== 'abandoned') await h.inspect(scenario!, run, actors);
      n++;
    }
  } finally {
    await h.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { runs: n, seconds, perSecond: n / seconds };
}

/** The same two flows, Signal then Sync, sent straight to one connection: no gates, no polls. */
async function uncontrolled(template: HarnessDatabase, dbs: HarnessDatabases, runs: number): Promise<number> {
  const db = await dbs.clone(template);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const mock = new MockExchange({ prices: { APTUSDT: 10 } });
  const served = serveMockExchange(mock);
  const pool = { query: (t: string, v?: unknown[]) => client.query(t, v), connect: async () => Object.assign(client, { release: () => undefined }) };
  const sql = new PgSqlClient(pool as unknown as ConstructorParameters<typeof PgSqlClient>[0]);
  const clock: Clock = { now: () => 0, sleep: async () => undefined };
  const exchange = served.client('binance');
  const bot = createPositionBot({ sql, exchange, clock, policy: layerSet.policy });
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    await client.query(RESET_SQL);
    mock.reset();
    await bot.manager.openPositionAtomic({ symbol: 'APTUSDT', side: 'long', quantity: 5, stopLossPercent: 0.02 });
    await bot.synchronizer.sync(exchange);
  }
  const ms = (performance.now() - started) / runs;
  served.close();
  await client.end();
  await dbs.drop(db);
  return ms;
}

async function controlledSerial(dbs: HarnessDatabases, template: HarnessDatabase, runs: number): Promise<number> {
  const h = await CellHarness.open(dbs, template, (clock) => openBotCell(layerSet, clock));
  const actors = scenario!.actors(env);
  // Signal to the end, then Sync: the order the uncontrolled loop uses.
  let schedule: Schedule;
  const serial: Strategy = {
    name: 'serial',
    beginRun: () => true,
    next: (r) => Math.max(0, r.findIndex((v) => v.actor === 0)),
    endRun: () => undefined,
    stats: () => ({ strategy: 'serial', runs: 0 }),
  };
  await h.prepare(scenario!);
  schedule = (await h.scheduler.run(actors, serial)).schedule;
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    await h.prepare(scenario!);
    const s = new ReplayStrategy(schedule);
    s.beginRun();
    await h.scheduler.run(actors, s);
  }
  const ms = (performance.now() - started) / runs;
  await h.close();
  return ms;
}

async function main(): Promise<void> {
  const server = await new EmbeddedPostgresProvider().start();
  const dbs = await HarnessDatabases.open(server);
  try {
    const template = await dbs.createTemplate('bench', layerSet.sqlFiles);
    const options = { budget: RUNS, seed: 1, depth: 2, reduce: true };
    const strategies: Record<string, () => Strategy> = {};
    for (const name of ['exhaustive', 'random', 'pct'] as StrategyName[]) strategies[name] = () => STRATEGIES[name].create(options) as Strategy;
    strategies['exhaustive (no reduction)'] = () => STRATEGIES.exhaustive.create({ ...options, reduce: false }) as Strategy;
    const rows: Record<string, { runs: number; seconds: number; perSecond: number }> = {};
    const rssBefore = process.memoryUsage().rss;
    for (const [name, make] of Object.entries(strategies)) {
      rows[name] = await throughput(dbs, template, make, RUNS);
      process.stderr.write(`${name}: ${rows[name]?.perSecond.toFixed(0)} schedules/s\n`);
    }
    const two = performance.now();
    const pair = await Promise.all([0, 1].map((i) => throughput(dbs, template, () => STRATEGIES.random.create({ ...options, seed: i + 1 }) as Strategy, RUNS)));
    const twoSeconds = (performance.now() - two) / 1000;
    const twoWorkers = (pair[0]!.runs + pair[1]!.runs) / twoSeconds;
    const rawMs = await uncontrolled(template, dbs, Math.min(RUNS, 200));
    const controlledMs = await controlledSerial(dbs, template, Math.min(RUNS, 200));
    const rssAfter = process.memoryUsage().rss;
    const result = {
      scenario: 'signal-sync',
      layers: 'baseline',
      runsPerStrategy: RUNS,
      schedulesPerSecond: Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, Math.round(v.perSecond)])),
      twoWorkersSchedulesPerSecond: Math.round(twoWorkers),
      controlledScheduleMs: Number(controlledMs.toFixed(2)),
      uncontrolledSameFlowsMs: Number(rawMs.toFixed(2)),
      controlledToUncontrolledRatio: Number((controlledMs / rawMs).toFixed(2)),
      rssMiB: { before: Math.round(rssBefore / 2 ** 20), after: Math.round(rssAfter / 2 ** 20) },
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    };
    mkdirSync('reports', { recursive: true });
    writeFileSync(join('reports', 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
    const lines = [
      'strategy                      schedules/s',
      ...Object.entries(result.schedulesPerSecond).map(([k, v]) => `${k.padEnd(30)}${v}`),
      `${'random, 2 workers'.padEnd(30)}${result.twoWorkersSchedulesPerSecond}`,
      '',
      `one controlled schedule:           ${result.controlledScheduleMs} ms`,
      `same flows back to back, no gates: ${result.uncontrolledSameFlowsMs} ms`,
      `ratio:                             ${result.controlledToUncontrolledRatio} (aim: under 3)`,
      `RSS: ${result.rssMiB.before} → ${result.rssMiB.after} MiB`,
      'written: reports/bench.json',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await dbs.close();
    await server.stop();
  }
}

await main();
