// A backend killer at a fast rhythm (pg_terminate_backend of this test's client backends every
// 0.25 s) during small searches: each cell's verdict equals the clean run's, or is an honest
// `incomplete` (an infrastructure fault) — never an internal error, never the scenario's own
// error — and no query is ever sent on a client still busy with another (pg's deprecation).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';
import { runMatrix, type CellResult } from '../../harness/run/index.ts';
import { counterScenario } from '../support/counter-scenario.ts';
import { sqlActor, type ActorPorts, type ActorSpec } from '../../harness/sched/index.ts';

const readThenWrite = (name: string): ActorSpec => ({
  name,
  run: async ({ sql }: ActorPorts) => {
    const { rows } = await sql.query<{ n: number }>('SELECT n FROM counter WHERE id = 1');
    await sql.query('UPDATE counter SET n = $1 WHERE id = 1', [(rows[0]?.n ?? 0) + 1]);
  },
});
const increments = (name: string, actors: () => readonly ActorSpec[], expect: 'holds' | 'violates') => counterScenario(name, actors, expect);
const scenarios = [
  increments('killer-lost-update', () => [readThenWrite('a'), readThenWrite('b')], 'violates'),
  increments('killer-atomic', () => [sqlActor('a', ['BEGIN', 'UPDATE counter SET n = n + 1 WHERE id = 1', 'COMMIT']), sqlActor('b', ['BEGIN', 'UPDATE counter SET n = n + 1 WHERE id = 1', 'COMMIT'])], 'holds'),
];
const options = { strategy: 'exhaustive' as const, strategyOptions: { budget: 60, seed: 1, depth: 2, reduce: false }, workers: 1 };

let server: StartedPostgres;
let admin: pg.Client;
/**
 * Queries sent on a client still executing another (pg warns once per process, "Calling
 * client.query() when the client is already executing a query"): recorded every time, with where.
 */
const busySends: string[] = [];
type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown;
const plainQuery = pg.Client.prototype.query as unknown as QueryFn;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
  admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  (pg.Client.prototype as unknown as { query: QueryFn }).query = function (this: pg.Client, ...args: unknown[]) {
    const queue = (this as unknown as { _queryQueue?: unknown[] })._queryQueue;
    if (queue && queue.length > 0) busySends.push(new Error('query on a busy client').stack ?? '');
    return plainQuery.apply(this, args);
  };
});
afterAll(async () => {
  (pg.Client.prototype as unknown as { query: QueryFn }).query = plainQuery;
  await admin.end();
});

/** Terminates every client backend on this process's harness databases (prh_*_<pid>_*) each `everyMs`. */
function startKiller(everyMs: number): { stop(): Promise<number> } {
  let killed = 0;
  let stopped = false;
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pending = pending.then(async () => {
      if (stopped) return;
      const r = await admin.query<{ n: string }>(
        `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity
          WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND datname LIKE $1`,
        [`prh\\_%\\_${process.pid}\\_%`],
      );
      killed += Number(r.rows[0]?.n ?? 0);
    });
  }, everyMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await pending;
      return killed;
    },
  };
}

const shape = (c: CellResult | undefined) => ({ scenario: c?.scenario, verdict: c?.verdict });

describe('a backend killer every 0.25 s during a small search', () => {
  it("leaves each cell's verdict as the clean run's, or an honest incomplete", async () => {
    const clean = await runMatrix({ scenarios, server, ...options });
    expect(clean.cells.map(shape)).toEqual([
      { scenario: 'killer-lost-update', verdict: 'violated' },
      { scenario: 'killer-atomic', verdict: 'proven' },
    ]);
    let killed = 0;
    // Until the killer has hit at least three backends (a search shorter than its rhythm would not be tested).
    // Bounded by rounds, not time: a fast machine runs more, shorter rounds before three kills.
    for (let round = 0; round < 40 && killed < 3; round++) {
      const killer = startKiller(250);
      let faulted;
      try {
        faulted = await runMatrix({ scenarios, server, ...options });
      } finally {
        killed += await killer.stop();
      }
      faulted.cells.forEach((c, i) => {
        const before = clean.cells[i];
        if (c.incomplete) {
          expect(c.incomplete).toBe('fault');
          expect(c.error ?? c.verdictReason).toMatch(/E_CONNECTION_LOST|connection/i);
        } else {
          expect(shape(c)).toEqual(shape(before));
          expect(c.error).toBeUndefined();
        }
        expect(c.error ?? '').not.toMatch(/internal error|not queryable/);
      });
    }
    expect(killed).toBeGreaterThanOrEqual(3);
    expect(busySends).toEqual([]);
  }, 180_000);
});
