// What the run-time cross-check of footprints costs (issue 18): the same reduced exhaustive search
// with it on and off, alternating pass by pass so load hits both alike, on plain SQL actors (two
// transactions of four statements, the shape it checks; two actors of two autocommit statements,
// which it does not). Reported per schedule; a figure, never a test.
//   npm run bench -- --cross-check [--cross-check-passes 8]
import type { HarnessDatabases } from '../../harness/db/index.ts';
import { ExhaustiveStrategy, Scheduler, sqlActor, type ActorSpec } from '../../harness/sched/index.ts';
import { round } from './bench-throughput.ts';

const SCHEMA = 'CREATE TABLE account (id int PRIMARY KEY, balance int NOT NULL); CREATE TABLE audit (id serial PRIMARY KEY, note text NOT NULL)';
const RESET = 'TRUNCATE account, audit RESTART IDENTITY; INSERT INTO account VALUES (1, 100), (2, 100)';

const SHAPES: readonly { readonly name: string; readonly actors: readonly ActorSpec[] }[] = [
  {
    name: 'two transactions of four statements',
    actors: ['a', 'b'].map((n) =>
      sqlActor(n, ['BEGIN', 'SELECT balance FROM account WHERE id = 1', `UPDATE account SET balance = balance - 10 WHERE id = 1`, `INSERT INTO audit (note) VALUES ('${n}')`, 'COMMIT']),
    ),
  },
  {
    name: 'two actors of two autocommit statements',
    actors: ['a', 'b'].map((n) => sqlActor(n, ['SELECT balance FROM account WHERE id = 1', 'UPDATE account SET balance = balance - 10 WHERE id = 1'])),
  },
];

export interface CrossCheckFigures {
  readonly shape: string;
  readonly schedulesPerPass: number;
  readonly passes: number;
  /** Median ms per schedule over the passes. */
  readonly off: number;
  readonly on: number;
  /** on / off − 1, as a percentage. */
  readonly costPercent: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** One whole reduced search; ms per schedule. */
async function pass(url: string, actors: readonly ActorSpec[], crossCheck: boolean): Promise<{ ms: number; schedules: number }> {
  const scheduler = await Scheduler.connect({ databaseUrl: url, crossCheck });
  try {
    const strategy = new ExhaustiveStrategy({ reduce: true });
    let schedules = 0;
    const t0 = performance.now();
    while (strategy.beginRun()) {
      await scheduler.observer.query(RESET);
      const run = await scheduler.run(actors, strategy);
      strategy.endRun(run.schedule.choices.length);
      schedules++;
    }
    return { ms: (performance.now() - t0) / schedules, schedules };
  } finally {
    await scheduler.close();
  }
}

export async function crossCheckFigures(dbs: HarnessDatabases, passes: number, log: (line: string) => void): Promise<CrossCheckFigures[]> {
  const template = await dbs.createTemplate('bench-cross-check', [{ name: 'schema', sql: SCHEMA }]);
  const db = await dbs.clone(template, 'xc');
  const out: CrossCheckFigures[] = [];
  for (const shape of SHAPES) {
    // One pass each way first, not timed: connections, plans and the JIT warm up.
    await pass(db.url, shape.actors, false);
    await pass(db.url, shape.actors, true);
    const off: number[] = [];
    const on: number[] = [];
    let schedules = 0;
    for (let i = 0; i < passes; i++) {
      // Alternating, and in either order, so a drift in load hits both alike.
      for (const crossCheck of i % 2 === 0 ? [false, true] : [true, false]) {
        const r = await pass(db.url, shape.actors, crossCheck);
        (crossCheck ? on : off).push(r.ms);
        schedules = r.schedules;
      }
    }
    const figures = { shape: shape.name, schedulesPerPass: schedules, passes, off: round(median(off), 2), on: round(median(on), 2), costPercent: round((median(on) / median(off) - 1) * 100, 1) };
    log(`cross-check: ${JSON.stringify(figures)}`);
    out.push(figures);
  }
  return out;
}

export function renderCrossCheck(figures: readonly CrossCheckFigures[]): string {
  const lines = ['the run-time cross-check (reduced exhaustive search, median ms per schedule)   off      on    cost'];
  for (const f of figures) lines.push(`  ${`${f.shape} (${f.schedulesPerPass} schedules × ${f.passes})`.padEnd(72)} ${String(f.off).padStart(6)}  ${String(f.on).padStart(6)}  ${`${f.costPercent >= 0 ? '+' : ''}${f.costPercent} %`.padStart(7)}`);
  lines.push('  goal: under 15 % of a schedule');
  return lines.join('\n');
}
