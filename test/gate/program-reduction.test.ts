// Reduction loses no outcome of a program either: a program whose two connections hold steps at
// the same time (one waiting on another actor's lock) and then reads what that actor wrote, raced
// against an in-process transaction. The reduced search (DPOR, with program order across the
// program's lanes) reaches the outcomes of the unreduced one, on the real PostgreSQL.
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ExhaustiveStrategy, type ActorView, type Strategy } from '../../harness/sched/index.ts';
import { useScheduler } from '../sched/sched-fixtures.ts';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';
import { programActor } from '../../harness/gate/index.ts';
import { runMatrix, type CellResult } from '../../harness/run/index.ts';
import { defineScenario } from '../../harness/scenario/index.ts';
import { CLIENTS_DIR, named, PSQL, psqlMissing, PYTHON, pythonMissing } from '../support/client-programs.ts';

const missing = pythonMissing('psycopg2');

let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});

const Q = {
  name: 'q',
  run: async ({ sql }: { sql: { query(text: string): Promise<unknown> } }) => {
    await sql.query('BEGIN');
    await sql.query('UPDATE t1 SET v = 5');
    await sql.query('COMMIT');
  },
};
const P = programActor({ name: 'p', command: [PYTHON, join(CLIENTS_DIR, 'two_lanes.py')], connections: 2 });

const scenario = defineScenario({
  name: 'two-lanes',
  schema: 'CREATE TABLE t1 (v int NOT NULL); CREATE TABLE t3 (v int NOT NULL)',
  setup: async ({ sql }) => {
    await sql('INSERT INTO t1 VALUES (1)');
    await sql('INSERT INTO t3 VALUES (1)');
  },
  actors: [P, Q],
  check: async ({ sql }) => {
    const t3 = (await sql<{ v: number }>('SELECT v FROM t3')).rows[0]?.v;
    return `t3 = ${String(t3)}`;
  },
});

async function outcomes(reduce: boolean): Promise<{ cell: CellResult; seen: string[] }> {
  const result = await runMatrix({ scenarios: [scenario], server, strategy: 'exhaustive', strategyOptions: { budget: 5000, seed: 1, depth: 2, reduce }, workers: 1 });
  const cell = result.cells[0] as CellResult;
  return { cell, seen: (cell.distinctOutcomes ?? []).map((o) => `${o.actors} | ${o.state} | ${[...o.violated].sort().join(',')}`).sort() };
}

describe.skipIf(missing)(named('reduction with a program of two lanes', missing), { timeout: 600_000 }, () => {
  it('reaches what the unreduced search reaches', async () => {
    const reduced = await outcomes(true);
    const full = await outcomes(false);
    expect(reduced.cell.coverage.complete).toBe(true);
    expect(full.cell.coverage.complete).toBe(true);
    expect(full.seen.length).toBeGreaterThan(1);
    expect(reduced.seen).toEqual(full.seen);
  });
});

// A step a program withdraws (it closes the connection the step is held on) never runs, so it
// races with no step that did; the choices made while it waited must still be tried with it.
describe('a step withdrawn before it ran', { timeout: 300_000 }, () => {
  const hedged = defineScenario({
    name: 'hedged-request',
    schema: 'CREATE TABLE answered (lane text NOT NULL)',
    actors: [programActor({ name: 'hedger', command: [process.execPath, join(CLIENTS_DIR, 'hedged-request.mjs')], connections: 2 })],
  });

  it('the reduced search reaches both answers first, as the unreduced one does', async () => {
    const seen = async (reduce: boolean) => {
      const result = await runMatrix({ scenarios: [hedged], server, strategy: 'exhaustive', strategyOptions: { budget: 100, seed: 1, depth: 2, reduce }, workers: 1 });
      const cell = result.cells[0] as CellResult;
      expect(cell.coverage.complete).toBe(true);
      return [...new Set((cell.distinctOutcomes ?? []).map((o) => o.state))].sort();
    };
    const full = await seen(false);
    expect(full.length, full.join('\n')).toBe(2);
    expect(full.join('\n')).toMatch(/\bb\b/);
    expect(await seen(true)).toEqual(full);
  });
});

/** q's update first, its COMMIT last: p's first lane then waits on q's lock while its second has a step. */
class QFirst implements Strategy {
  readonly name = 'q-first';
  readonly seen: ActorView[][] = [];
  #ran = false;
  beginRun(): boolean {
    const first = !this.#ran;
    this.#ran = true;
    return first;
  }
  next(runnable: readonly ActorView[]): number {
    this.seen.push([...runnable]);
    const q = runnable.findIndex((v) => v.name === 'q' && !/COMMIT/i.test(v.label));
    if (q >= 0) return q;
    const p = runnable.findIndex((v) => v.name !== 'q');
    return p >= 0 ? p : 0;
  }
  endRun(): void {}
  stats() {
    return new ExhaustiveStrategy().stats();
  }
}

describe.skipIf(missing)(named('program order across the lanes of a program', missing), { timeout: 120_000 }, () => {
  const scheduler = useScheduler(async (db) => {
    await db.query('CREATE TABLE t1 (v int NOT NULL)');
    await db.query('CREATE TABLE t3 (v int NOT NULL)');
    await db.query('INSERT INTO t1 VALUES (1)');
    await db.query('INSERT INTO t3 VALUES (1)');
  });

  it("a step is its program's sole activity only while the program's other lanes are idle", async () => {
    const strategy = new QFirst();
    strategy.beginRun();
    const run = await scheduler.run([P, Q], strategy);
    expect(run.outcome).toBe('completed');
    const ofP = strategy.seen.flat().filter((v) => v.name.startsWith('p/'));
    // Connecting, one connection after the other: nothing else of the program goes on.
    expect(ofP.filter((v) => v.kind === 'connect').every((v) => v.program?.sole === true)).toBe(true);
    // The second lane's update while the first waits on q's lock: not sole, so the reduction
    // still tries the orders in which what the first lane does after its wait comes first.
    const whileBlocked = ofP.filter((v) => v.label.startsWith('UPDATE t3 SET v = v * 2'));
    expect(whileBlocked.length).toBeGreaterThan(0);
    expect(whileBlocked.every((v) => v.program?.sole === false)).toBe(true);
    expect(ofP.every((v) => v.program?.key === ofP[0]?.program?.key)).toBe(true);
  });
});

// A program's session may get REPEATABLE READ from what the harness never sees in its SQL (its
// startup options here; a role's or database's setting alike): the footprints must assume the
// level the server gives, or the reduced search takes a write before the program's first read
// to be the same as one after it, where the program's snapshot no longer sees it.
describe('a program whose sessions get REPEATABLE READ from their startup options', { timeout: 300_000 }, () => {
  const missingPsql = psqlMissing();
  const snapshot = defineScenario({
    name: 'startup-isolation',
    schema: 'CREATE TABLE ta (v int NOT NULL); CREATE TABLE tb (v int NOT NULL); CREATE TABLE seen (v int)',
    setup: async ({ sql }) => {
      await sql('INSERT INTO ta VALUES (1)');
      await sql('INSERT INTO tb VALUES (1)');
    },
    actors: [
      programActor({
        name: 'reader',
        command: [PSQL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', 'BEGIN', '-c', 'SELECT v FROM ta', '-c', 'INSERT INTO seen SELECT v FROM tb', '-c', 'COMMIT'],
        env: { PGOPTIONS: '-c default_transaction_isolation=repeatable\\ read' },
      }),
      { name: 'writer', run: async ({ sql }) => void (await sql.query('UPDATE tb SET v = 2')) },
    ],
  });

  it.skipIf(missingPsql)(named('the reduced search reaches what the unreduced one does', missingPsql), async () => {
    const seen = async (reduce: boolean) => {
      const result = await runMatrix({ scenarios: [snapshot], server, strategy: 'exhaustive', strategyOptions: { budget: 500, seed: 1, depth: 2, reduce }, workers: 1 });
      const cell = result.cells[0] as CellResult;
      expect(cell.coverage.complete).toBe(true);
      return [...new Set((cell.distinctOutcomes ?? []).map((o) => (JSON.parse(o.state) as Record<string, { v: number }[]>)['public.seen']?.[0]?.v))].sort();
    };
    const full = await seen(false);
    // Written before the program's first read, the row is seen; after it, its snapshot does not see it.
    expect(full).toEqual([1, 2]);
    expect(await seen(true)).toEqual(full);
  });
});
