// Generic scenarios on the real PostgreSQL: their own schema, emptied tables and restarted
// sequences between runs, async checks with read-only SQL and each actor's result by name, allowed
// errors ending an actor as aborted, the built-in checks, and a throwing setup or check reported
// against its scenario while the others go on.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';
import { runMatrix, type CellResult } from '../../harness/run/index.ts';
import { defineScenario, type Scenario } from '../../harness/scenario/index.ts';
import { ActorFailure, sqlActor } from '../../harness/sched/index.ts';

let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});
afterAll(async () => {
  await server.stop();
});

async function run(scenarios: readonly Scenario[], budget = 200, strategy: 'exhaustive' | 'random' = 'exhaustive'): Promise<Map<string, CellResult>> {
  const result = await runMatrix({ scenarios, strategy, strategyOptions: { budget, seed: 1, depth: 2, reduce: true }, workers: 2, server });
  return new Map(result.cells.map((c) => [c.scenario, c]));
}

function cellOf(cells: Map<string, CellResult>, name: string, errorExpected = false): CellResult {
  const c = cells.get(name);
  if (!c) throw new Error(`no cell for ${name}`);
  if (!errorExpected) expect(c.error, `${name}: ${c.error}`).toBeUndefined();
  return c;
}

/** Read n, write n + 1, log the visit: the classic lost update, as application code would write it. */
const increment = (name: string) => ({
  name,
  run: async ({ sql }: { sql: { query: (t: string, v?: readonly unknown[]) => Promise<{ rows: readonly Record<string, unknown>[] }> } }) => {
    const { rows } = await sql.query('SELECT n FROM counter WHERE id = 1');
    await sql.query('UPDATE counter SET n = $1 WHERE id = 1', [Number(rows[0]?.['n']) + 1]);
    const logged = await sql.query('INSERT INTO visit (actor) VALUES ($1) RETURNING id', [name]);
    return logged.rows[0]?.['id'];
  },
});

const lostUpdate = defineScenario({
  name: 'counter-lost-update',
  schema: 'CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL); CREATE TABLE visit (id serial PRIMARY KEY, actor text NOT NULL)',
  setup: async ({ sql }) => {
    await sql('INSERT INTO counter VALUES (1, 0)');
  },
  actors: [increment('a'), increment('b')],
  check: async ({ sql, results, actors }) => {
    const problems = [];
    const { rows } = await sql<{ n: number }>('SELECT n FROM counter WHERE id = 1');
    if (rows[0]?.n !== 2) problems.push(`two increments left n = ${rows[0]?.n}`);
    // The visit ids restart at 1 every run: each actor got 1 or 2, never the same.
    const ids = [results['a'], results['b']].sort();
    if (JSON.stringify(ids) !== '[1,2]') problems.push({ check: 'ids-restart', message: `visit ids ${JSON.stringify(ids)}` });
    if (actors['a']?.status !== 'ok' || actors['b']?.status !== 'ok') problems.push({ check: 'endings', message: JSON.stringify(actors) });
    return problems;
  },
  expect: 'violates',
});

/** Two on-call doctors each go off call if the other is still on (write skew), at `isolation`. */
function writeSkew(name: string, isolation: string, allowedErrors?: readonly string[]): Scenario {
  const doctor = (who: string) =>
    sqlActor(
      who,
      [
        `BEGIN ISOLATION LEVEL ${isolation}`,
        'SELECT count(*)::int AS on_call FROM doctor WHERE on_call',
        // Off call only while someone else is on: the application's rule, checked on a snapshot.
        `UPDATE doctor SET on_call = false WHERE name = '${who}' AND (SELECT count(*) FROM doctor WHERE on_call) >= 2`,
        'COMMIT',
      ],
      allowedErrors ? { allowedErrors } : {},
    );
  return defineScenario({
    name,
    schema: 'CREATE TABLE doctor (name text PRIMARY KEY, on_call boolean NOT NULL)',
    setup: ({ sql }) => sql("INSERT INTO doctor VALUES ('alice', true), ('bob', true)"),
    actors: [doctor('alice'), doctor('bob')],
    check: async ({ sql }) => {
      const { rows } = await sql<{ n: number }>('SELECT count(*)::int AS n FROM doctor WHERE on_call');
      return rows[0]?.n === 0 ? 'nobody is on call' : undefined;
    },
  });
}

describe('a generic scenario with its own schema', () => {
  it('finds the lost update; its tables are emptied and its sequences restarted before every run', async () => {
    const cell = cellOf(await run([lostUpdate]), 'counter-lost-update');
    expect(cell.error).toBeUndefined();
    expect(cell.variant).toBe('default');
    expect(cell.measured).toBe('violates');
    expect(cell.agrees).toBe(true);
    expect(cell.coverage.complete).toBe(true);
    expect(Object.keys(cell.violationsByInvariant)).toEqual(['scenario:counter-lost-update']);
    expect(cell.counterexample?.violations[0]?.message).toBe('two increments left n = 1');
    // The final state of every table of the schema, as the run left it.
    expect(cell.counterexample?.finalTables?.map((t) => t.name)).toEqual(['public.counter', 'public.visit']);
    expect(cell.counterexample?.finalTables?.[0]?.rows).toEqual([{ id: 1, n: 1 }]);
    // Two distinct outcomes: n = 1 (violated) and n = 2 (held); the log differs by who came first.
    const states = new Set(cell.distinctOutcomes?.map((o) => `${o.violated.join(',')}|${o.state.includes('"n":2') ? 2 : 1}`));
    expect(states).toEqual(new Set(['scenario:counter-lost-update|1', '|2']));
  });
});

describe('allowed errors and the built-in checks', () => {
  it('write skew: REPEATABLE READ violates the check; SERIALIZABLE holds once 40001 is allowed, and is an unexpected error otherwise', async () => {
    const cells = await run([
      writeSkew('skew-repeatable-read', 'REPEATABLE READ'),
      writeSkew('skew-serializable', 'SERIALIZABLE', ['40001']),
      writeSkew('skew-serializable-unallowed', 'SERIALIZABLE'),
    ]);
    const rr = cellOf(cells, 'skew-repeatable-read');
    expect(rr.measured).toBe('violates');
    expect(Object.keys(rr.violationsByInvariant)).toEqual(['scenario:skew-repeatable-read']);

    const ser = cellOf(cells, 'skew-serializable');
    expect(ser.measured, JSON.stringify(ser.counterexample?.violations)).toBe('holds');
    expect(ser.coverage.complete).toBe(true);
    // Some runs abort one doctor with 40001: an outcome of its own, not a violation.
    const aborted = ser.distinctOutcomes?.filter((o) => /aborted 40001/.test(o.actors)) ?? [];
    expect(aborted.length).toBeGreaterThan(0);
    for (const o of ser.distinctOutcomes ?? []) expect(o.violated).toEqual([]);

    const unallowed = cellOf(cells, 'skew-serializable-unallowed');
    expect(unallowed.measured).toBe('violates');
    expect(Object.keys(unallowed.violationsByInvariant)).toEqual(['no-unexpected-error']);
    expect(unallowed.counterexample?.violations[0]?.message).toMatch(/^(alice|bob) ended with SQLSTATE 40001: could not serialize/);
  });

  it('a deadlock is a violation unless the victim allows 40P01', async () => {
    const pair = (name: string, allowedErrors?: readonly string[]) =>
      defineScenario({
        name,
        schema: 'CREATE TABLE acct (id int PRIMARY KEY, v int NOT NULL)',
        setup: ({ sql }) => sql('INSERT INTO acct VALUES (1, 0), (2, 0)'),
        actors: [
          sqlActor('ab', ['BEGIN', 'UPDATE acct SET v = v + 1 WHERE id = 1', 'UPDATE acct SET v = v + 1 WHERE id = 2', 'COMMIT'], allowedErrors ? { allowedErrors } : {}),
          sqlActor('ba', ['BEGIN', 'UPDATE acct SET v = v + 1 WHERE id = 2', 'UPDATE acct SET v = v + 1 WHERE id = 1', 'COMMIT'], allowedErrors ? { allowedErrors } : {}),
        ],
      });
    // Sampled: which transaction PostgreSQL aborts is its own choice (the first waiter, almost
    // always), and an exhaustive search that replays a prefix through a deadlock relies on it.
    const cells = await run([pair('deadlock-unallowed'), pair('deadlock-allowed', ['40P01'])], 40, 'random');
    const bad = cellOf(cells, 'deadlock-unallowed');
    expect(bad.measured).toBe('violates');
    expect(Object.keys(bad.violationsByInvariant)).toEqual(['no-deadlock']);
    expect(bad.counterexample?.violations[0]?.message).toMatch(/^deadlock: PostgreSQL aborted (ab|ba) \(40P01\)/);
    const good = cellOf(cells, 'deadlock-allowed');
    expect(good.measured, JSON.stringify(good.counterexample?.violations)).toBe('holds');
    expect(good.distinctOutcomes?.some((o) => o.run === 'deadlock' && /aborted 40P01/.test(o.actors))).toBe(true);
  });

  it('a check sees what a failed actor had read, and how it ended', async () => {
    const seen: unknown[] = [];
    const cells = await run([
      defineScenario({
        name: 'partial-result',
        schema: 'CREATE TABLE item (id int PRIMARY KEY)',
        setup: ({ sql }) => sql('INSERT INTO item VALUES (1), (2)'),
        actors: [
          {
            name: 'reader',
            run: async ({ sql }) => {
              const { rows } = await sql.query('SELECT id FROM item ORDER BY id');
              try {
                await sql.query('INSERT INTO item VALUES (1)');
              } catch (e) {
                throw new ActorFailure(e, { read: rows.map((r) => r['id']) });
              }
            },
          },
        ],
        checks: [],
        check: ({ results, actors, trace, outcome }) => {
          seen.push({ result: results['reader'], ending: actors['reader']?.status, sqlState: (actors['reader'] as { sqlState?: string }).sqlState, steps: trace.length, outcome });
        },
      }),
    ]);
    expect(cellOf(cells, 'partial-result').measured).toBe('holds');
    expect(seen).toEqual([{ result: { read: [1, 2] }, ending: 'error', sqlState: '23505', steps: 2, outcome: 'completed' }]);
  });
});

describe('scenario code that throws', () => {
  it('is reported against its scenario (a write in a check fails: it is read-only), and the other scenarios go on', async () => {
    const one = sqlActor('one', ['SELECT 1']);
    const cells = await run([
      defineScenario({ name: 'setup-throws', actors: [one], setup: () => { throw new Error('boom'); } }),
      defineScenario({ name: 'check-writes', schema: 'CREATE TABLE t (id int)', actors: [one], check: async ({ sql }) => { await sql('INSERT INTO t VALUES (1)'); } }),
      defineScenario({ name: 'fine', actors: [one] }),
    ]);
    expect(cellOf(cells, 'setup-throws', true).error).toBe("the setup of scenario 'setup-throws' threw: boom");
    expect(cellOf(cells, 'setup-throws', true).agrees).toBe(false);
    expect(cellOf(cells, 'check-writes', true).error).toMatch(/^the check of scenario 'check-writes' threw: cannot execute INSERT in a read-only transaction/);
    const fine = cellOf(cells, 'fine');
    expect(fine.error).toBeUndefined();
    expect(fine.measured).toBe('holds');
    expect(fine.agrees).toBe(true);
  });
});

describe('defineScenario', () => {
  const one = sqlActor('one', ['SELECT 1']);
  it.each([
    ['a name that is not kebab-case', { name: 'My Race', actors: [one] }, /must be kebab-case/],
    ['no actors', { name: 'x', actors: [] }, /no actors/],
    ['two actors with one name', { name: 'x', actors: [one, one] }, /two actors named 'one'/],
    ['an unknown built-in check', { name: 'x', actors: [one], checks: ['no-typos'] }, /unknown built-in check 'no-typos'/],
    ['an unknown SQLSTATE class', { name: 'x', actors: [{ name: 'a', run: async () => 1, allowedErrors: ['QQ000'] }] }, /unknown SQLSTATE class 'QQ'/],
    ['an actor without run', { name: 'x', actors: [{ name: 'a' }] }, /has no run function/],
  ])('refuses %s with E_BAD_SCENARIO', (_what, def, message) => {
    expect(() => defineScenario(def as never)).toThrow(message);
  });
});
