// The fault rules on plain SQL scenarios: a session killed before a run, in a scenario's own setup,
// or after a violation was found, is an infrastructure fault — retried, or an honest `incomplete` —
// never an internal error, never the scenario's own error, and never a reason to drop a violation;
// a template whose session dies every time makes its cells incomplete, not the run's error.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';
import { runMatrix } from '../../harness/run/index.ts';
import { defineScenario } from '../../harness/scenario/index.ts';
import { ExhaustiveStrategy, Scheduler, sqlActor } from '../../harness/sched/index.ts';
import { loadSqlParser } from '../../harness/footprint/index.ts';
import { freshDatabase } from '../support/test-database.ts';

const SCHEMA = 'CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)';
const options = { strategy: 'exhaustive' as const, strategyOptions: { budget: 100, seed: 1, depth: 2, reduce: true }, workers: 1 };

let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});

describe('a violation found before a fault', () => {
  it('stays violated with its counterexample, although later runs lose their session until the retries run out', async () => {
    let runs = 0;
    // A lost update (two read-then-write increments) violates in some runs; from the third run
    // on, the reader kills its own backend at its first step, every time it is retried.
    const scenario = defineScenario({
      name: 'lost-then-lost',
      schema: SCHEMA,
      setup: async ({ sql }) => {
        await sql('INSERT INTO counter VALUES (1, 0)');
      },
      actors: () => [
        {
          name: 'a',
          run: async ({ sql }) => {
            if (++runs > 2) await sql.query('SELECT pg_terminate_backend(pg_backend_pid())');
            const { rows } = await sql.query<{ n: number }>('SELECT n FROM counter WHERE id = 1');
            await sql.query('UPDATE counter SET n = $1 WHERE id = 1', [(rows[0]?.n ?? 0) + 1]);
          },
        },
        {
          name: 'b',
          run: async ({ sql }) => {
            const { rows } = await sql.query<{ n: number }>('SELECT n FROM counter WHERE id = 1');
            await sql.query('UPDATE counter SET n = $1 WHERE id = 1', [(rows[0]?.n ?? 0) + 1]);
          },
        },
      ],
      check: async ({ sql }) => ((await sql<{ n: number }>('SELECT n FROM counter')).rows[0]?.n === 2 ? undefined : 'an increment was lost'),
      expect: 'violates',
    });
    const result = await runMatrix({ scenarios: [scenario], server, ...options });
    const cell = result.cells[0];
    expect(cell?.violating).toBeGreaterThan(0);
    expect(cell?.counterexample).not.toBeNull();
    expect(cell?.verdict).toBe('violated');
    expect(cell?.agrees).toBe(true);
    expect(cell?.incomplete).toBeUndefined();
    expect(cell?.verdictReason).toMatch(/the search then stopped \(E_CONNECTION_LOST/);
    expect(cell?.outcomes['connection-lost']).toBeGreaterThanOrEqual(4);
  });
});

describe("a session killed in the scenario's own setup", () => {
  it('is retried as a fault, not reported as the scenario throwing', async () => {
    let setups = 0;
    // The first setup terminates its own session (the observer, where setup runs).
    const scenario = defineScenario({
      name: 'setup-killed',
      schema: SCHEMA,
      setup: async ({ sql }) => {
        if (++setups === 1) await sql('SELECT pg_terminate_backend(pg_backend_pid())');
        await sql('INSERT INTO counter VALUES (1, 0)');
      },
      actors: [sqlActor('a', ['UPDATE counter SET n = n + 1 WHERE id = 1']), sqlActor('b', ['UPDATE counter SET n = n + 1 WHERE id = 1'])],
      check: async ({ sql }) => ((await sql<{ n: number }>('SELECT n FROM counter')).rows[0]?.n === 2 ? undefined : 'an increment was lost'),
    });
    const result = await runMatrix({ scenarios: [scenario], server, ...options });
    const cell = result.cells[0];
    expect(cell?.error).toBeUndefined();
    expect(cell?.verdict).toBe('proven');
    expect(cell?.faults?.some((f) => f.phase === 'setup')).toBe(true);
  });
});

describe('a session killed while a cell opens', () => {
  const killedOnce = (times: number) => {
    let opened = 0;
    const scenario = defineScenario({
      name: `open-killed-${times}`,
      schema: SCHEMA,
      actors: [sqlActor('a', ['SELECT 1'])],
    });
    // The cell's services open on a session the server terminates (57P01), `times` times.
    const plugin = {
      ...scenario.plugin,
      openCell: (variant: Parameters<typeof scenario.plugin.openCell>[0], context: Parameters<typeof scenario.plugin.openCell>[1]) => {
        if (opened++ < times) return Promise.reject(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }));
        return scenario.plugin.openCell(variant, context);
      },
    };
    return { ...scenario, plugin };
  };

  it('is opened again, and the cell runs to its verdict', async () => {
    const result = await runMatrix({ scenarios: [killedOnce(1)], server, ...options });
    expect(result.cells[0]).toMatchObject({ verdict: 'proven' });
    expect(result.cells[0]?.error).toBeUndefined();
  });

  it('is an incomplete cell (an infrastructure fault), not the scenario failing, once the retries run out', async () => {
    const result = await runMatrix({ scenarios: [killedOnce(10)], server, ...options });
    expect(result.cells[0]).toMatchObject({ verdict: 'inconclusive', incomplete: 'fault', agrees: false });
    expect(result.cells[0]?.error).toMatch(/E_CONNECTION_LOST/);
  });
});

describe('a session that died between runs, unnoticed', () => {
  it('ends the next run as connection-lost (the catalog read included), and the run after it completes', async () => {
    const db = await freshDatabase([{ name: 'schema', sql: SCHEMA }]);
    const scheduler = await Scheduler.connect({ databaseUrl: db.db.url });
    try {
      // Sessions open and the parser loaded (an uncontrolled run reads no catalog): the next
      // controlled run reaches its catalog read within a few microtasks.
      await loadSqlParser();
      await scheduler.runRealtime([sqlActor('warm-up', ['SELECT 1'])]);
      // The socket closes with no 'error' event processed yet: the catalog is read on a dead session.
      (scheduler.observer as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      const actors = [sqlActor('a', ['SELECT 1'])];
      const strategy = new ExhaustiveStrategy({ budget: 1 });
      strategy.beginRun();
      const lost = await scheduler.run(actors, strategy);
      expect(lost.outcome).toBe('connection-lost');
      expect(lost.fault?.session).toBe('before the run');
      const again = new ExhaustiveStrategy({ budget: 1 });
      again.beginRun();
      expect((await scheduler.run(actors, again)).outcome).toBe('completed');
    } finally {
      await scheduler.close();
      await db.close();
    }
  });
});


describe('a template whose connection dies every time it is built', () => {
  it("makes its cells incomplete (a fault), not the run's error, and the other cells run", async () => {
    // The schema kills the session that applies it: every attempt to build the template loses its connection.
    const killing = defineScenario({ name: 'template-dies', schema: 'SELECT pg_terminate_backend(pg_backend_pid())', actors: () => [sqlActor('a', ['SELECT 1'])], expect: 'holds' });
    const fine = defineScenario({ name: 'template-fine', schema: SCHEMA, actors: () => [sqlActor('a', ['SELECT 1'])], expect: 'holds' });
    const result = await runMatrix({ scenarios: [killing, fine], server, ...options });
    const [lost, ran] = result.cells;
    expect(lost?.incomplete).toBe('fault');
    expect(lost?.error ?? lost?.verdictReason).toMatch(/E_CONNECTION_LOST: the connection building the template of '.*' died 4 times/);
    expect(ran?.scenario).toBe('template-fine');
    expect(ran?.incomplete).toBeUndefined();
    expect(ran?.verdict).toBe('proven');
  });
});

describe('an actor that terminates the other sessions', () => {
  it("is named as the likely cause when every retry loses a session to 57P01, not the network", async () => {
    const scenario = defineScenario({
      name: 'terminator',
      schema: SCHEMA,
      actors: [
        sqlActor('killer', ['SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()']),
        sqlActor('victim', ['BEGIN', 'SELECT 1', 'COMMIT']),
      ],
    });
    const result = await runMatrix({ scenarios: [scenario], server, ...options });
    const cell = result.cells[0];
    expect(cell?.incomplete).toBe('fault');
    expect(cell?.error).toMatch(/its backend was terminated \(57P01\).*pg_terminate_backend/);
  });
});
