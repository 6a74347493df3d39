// Shared pieces of the scheduler tests: actors made of plain SQL, a scheduler with no services,
// every run a strategy gives.
import type pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { freshDatabase } from '../support/test-database.ts';
import { Scheduler, type ActorSpec, type ScheduleRun, type Strategy } from '../../harness/sched/index.ts';

export function schedulerOn(databaseUrl: string, options: { hangTimeoutMs?: number } = {}): Promise<Scheduler> {
  return Scheduler.connect({ databaseUrl, ...options });
}

/**
 * A fresh database and a scheduler on it for one describe block (`prepare` may create tables
 * first); both closed after the block. The handle works in the block's hooks and tests.
 */
export function useScheduler(prepare?: (client: pg.Client) => Promise<void>): Scheduler {
  let db: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  let current: Scheduler | undefined;
  beforeAll(async () => {
    db = await freshDatabase();
    await prepare?.(db.client);
    current = await schedulerOn(db.db.url);
  });
  afterAll(async () => {
    await current?.close();
    await db?.close();
  });
  return new Proxy({} as Scheduler, {
    get(_target, key) {
      if (!current) throw new Error('the scheduler exists only inside the tests and hooks of its describe block');
      const value: unknown = Reflect.get(current, key);
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
}

/** An actor that runs `statements` in order on its session. */
export function sqlActor(name: string, statements: readonly string[]): ActorSpec {
  return {
    name,
    run: async ({ sql }) => {
      for (const text of statements) await sql.query(text);
      return statements.length;
    },
  };
}

/** Every run the strategy gives, in order (abandoned ones included). */
export async function allRuns(scheduler: Scheduler, actors: readonly ActorSpec[], strategy: Strategy, before?: () => Promise<void>): Promise<ScheduleRun[]> {
  const runs: ScheduleRun[] = [];
  while (strategy.beginRun()) {
    await before?.();
    const run = await scheduler.run(actors, strategy);
    strategy.endRun(run.schedule.choices.length);
    runs.push(run);
  }
  return runs;
}

/** (Σs)! / ∏ s! — the interleavings of independent actors taking s_i steps each. */
export function multinomial(sizes: readonly number[]): number {
  let result = 1;
  let n = 0;
  for (const s of sizes) {
    for (let k = 1; k <= s; k++) {
      n++;
      result = (result * n) / k;
    }
  }
  return result;
}
