// `npm run bench:isolation:phases`: where a spec run's time goes, in one process on one server —
// reading and checking the spec, its database, the scheduler's sessions, the catalog, setup and
// teardown blocks, the steps, the blocked checks, dropping the database — summed over the bench's
// spec files. Each phase is timed by wrapping the method that does it (no change to the code).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chooseProvider, HarnessDatabases } from '../harness/db/index.ts';
import { prepareSpecFile, runPreparedSpecFile, SpecDatabases, SpecRunner } from '../harness/isolation/index.ts';
import { SqlFootprinter } from '../harness/footprint/index.ts';
import { Scheduler } from '../harness/sched/index.ts';
import { ActorSession } from '../harness/sched/actor-session.ts';

const SPEC_DIRS = ['fixtures/specs', 'bench/specs'];
const totals = new Map<string, { ms: number; calls: number }>();

function timed(where: object, method: string, phase: string): void {
  const target = where as Record<string, unknown>;
  const original = target[method] as (...args: unknown[]) => Promise<unknown>;
  target[method] = async function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      const e = totals.get(phase) ?? { ms: 0, calls: 0 };
      e.ms += performance.now() - t0;
      e.calls++;
      totals.set(phase, e);
    }
  };
}

function timedSync(where: object, method: string, phase: string): void {
  const target = where as Record<string, unknown>;
  const original = target[method] as (...args: unknown[]) => unknown;
  target[method] = function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      const e = totals.get(phase) ?? { ms: 0, calls: 0 };
      e.ms += performance.now() - t0;
      e.calls++;
      totals.set(phase, e);
    }
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '1' } } });
  const specs = SPEC_DIRS.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.spec')).sort().map((f) => join(d, f)));
  const server = await chooseProvider({ db: 'embedded', env: process.env }).start();
  timed(HarnessDatabases, 'open', 'harness databases: open (admin connection, reclaim)');
  timed(HarnessDatabases.prototype, 'createTemplate', "spec's database: CREATE DATABASE");
  timed(HarnessDatabases.prototype, 'drop', "spec's database: DROP DATABASE (in the background)");
  timed(HarnessDatabases.prototype, 'close', 'databases: close (what is left dropped)');
  timed(Scheduler, 'connect', 'scheduler: observer session');
  timed(Scheduler.prototype, 'beginWorkload', 'a database handed on: scheduler reset (DISCARD ALL)');
  timed(SpecDatabases.prototype, 'unchanged' as never, 'a next spec: the last database checked (catalogs)');
  timed(Scheduler.prototype, 'prepareSessions', 'run: sessions ready (first: connect + catalog)');
  timed(ActorSession.prototype, 'connect', '  of which: actor session connect');
  timed(ActorSession.prototype, 'restore', 'run end: session restore (ROLLBACK)');
  timed(Scheduler.prototype, 'pollBlocked', 'blocked check (pg_blocking_pids), overlapping the steps');
  timed(Scheduler.prototype, 'run', 'permutation: the steps (scheduler run)');
  timedSync(SqlFootprinter.prototype, 'footprint', "footprints of the steps' SQL (libpg-query)");
  timed(Scheduler.prototype, 'close', 'scheduler: close sessions');
  timed(SpecRunner.prototype, 'control', 'setup and teardown blocks (control session)');
  timed(SpecRunner.prototype, 'runPermutation', 'permutation: whole (setup + steps + teardown)');
  let prepareMs = 0;
  let totalMs = 0;
  let permutations = 0;
  let steps = 0;
  let reused = 0;
  try {
    for (let rep = 0; rep < Number(values.reps); rep++) {
      // As the CLI runs them: one manager of the specs' databases for all.
      const databases = await SpecDatabases.open(server);
      const prepared = [];
      const t0 = performance.now();
      for (const file of specs) prepared.push(await prepareSpecFile(file));
      prepareMs += performance.now() - t0;
      totalMs += performance.now() - t0;
      for (const p of prepared) {
        const t1 = performance.now();
        const r = await runPreparedSpecFile(p, server, { databases });
        totalMs += performance.now() - t1;
        permutations += r.runs.length;
        steps += r.runs.reduce((n, run) => n + run.steps.length, 0);
      }
      const t2 = performance.now();
      reused += databases.reused;
      await databases.close();
      totalMs += performance.now() - t2;
    }
  } finally {
    await server.stop();
  }
  const line = (name: string, ms: number, calls?: number) => `${name.padEnd(62)} ${ms.toFixed(0).padStart(7)} ms${calls !== undefined ? `  (${calls} calls, ${(ms / Math.max(calls, 1)).toFixed(1)} ms each)` : ''}`;
  const out = [
    `${specs.length} spec files × ${values.reps}: ${permutations} permutations, ${steps} steps, ${totalMs.toFixed(0)} ms in all (${(totalMs / permutations).toFixed(1)} ms a permutation); ${reused} specs ran on a database an earlier spec left unchanged`,
    line('read, parse, refusals (libpg-query), expected .out', prepareMs),
    ...[...totals.entries()].map(([k, v]) => line(k, v.ms, v.calls)),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
