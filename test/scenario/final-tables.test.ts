// The tables a generic scenario's counterexample shows after the run: those its setup and actors
// read or wrote (a trigger's writes included), or those it declares; every table when a statement
// calls a function of the user's. The final-state signature still covers every table.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';
import { runMatrix, type CellResult } from '../../harness/run/index.ts';
import { defineScenario, type Scenario } from '../../harness/scenario/index.ts';
import { sqlActor } from '../../harness/sched/index.ts';
import { harnessErrorOf } from '../support/harness-error-of.ts';

let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});
afterAll(async () => {
  await server.stop();
});

const SCHEMA = `
CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL);
CREATE TABLE seeded (id int PRIMARY KEY);
CREATE TABLE untouched (id int PRIMARY KEY);
CREATE TABLE audit (id serial PRIMARY KEY, n int NOT NULL);
CREATE FUNCTION bump() RETURNS void LANGUAGE sql AS 'UPDATE counter SET n = n + 1 WHERE id = 1';
CREATE FUNCTION log_n() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit (n) VALUES (NEW.n); RETURN NEW; END $$;
CREATE TABLE logged (id int PRIMARY KEY, n int NOT NULL);
CREATE TRIGGER logged_audit AFTER UPDATE ON logged FOR EACH ROW EXECUTE FUNCTION log_n();
`;

/** Two read-then-write increments of `table`: a lost update, so the cell has a counterexample. */
function lostUpdate(name: string, table: string, extra: Partial<Parameters<typeof defineScenario>[0]> = {}): Scenario {
  const increment = (actor: string) =>
    sqlActor(actor, [`SELECT set_config('app.n', n::text, false) FROM ${table} WHERE id = 1`, { sql: `UPDATE ${table} SET n = current_setting('app.n')::int + 1 WHERE id = $1`, params: [1] }]);
  return defineScenario({
    name,
    schema: SCHEMA,
    setup: async ({ sql }) => {
      await sql(`INSERT INTO ${table} VALUES (1, 0)`);
      await sql('INSERT INTO seeded VALUES (7)');
    },
    actors: [increment('a'), increment('b')],
    check: async ({ sql }) => {
      const { rows } = await sql<{ n: number }>(`SELECT n FROM ${table} WHERE id = 1`);
      return rows[0]?.n === 2 ? [] : [`n = ${rows[0]?.n}`];
    },
    expect: 'violates',
    ...extra,
  });
}

async function counterexamples(scenarios: readonly Scenario[]): Promise<Map<string, NonNullable<CellResult['counterexample']>>> {
  const result = await runMatrix({ title: 'final-tables', scenarios, strategy: 'exhaustive', strategyOptions: { budget: 50, seed: 1, depth: 2, reduce: true }, workers: 1, server });
  const out = new Map<string, NonNullable<CellResult['counterexample']>>();
  for (const c of result.cells) {
    expect(c.error, c.error).toBeUndefined();
    if (c.counterexample) out.set(c.scenario, c.counterexample);
  }
  return out;
}

describe('the tables after a run', () => {
  it('are those the setup and the actors touched, a trigger’s target included; or those declared; or all when a function of the user’s runs', async () => {
    const touched = lostUpdate('touched', 'counter');
    const triggered = lostUpdate('triggered', 'logged');
    const declared = lostUpdate('declared', 'counter', { tables: ['untouched', 'public.counter'] });
    const viaFunction = defineScenario({
      name: 'via-function',
      schema: SCHEMA,
      setup: ({ sql }) => sql('INSERT INTO counter VALUES (1, 0)'),
      actors: [sqlActor('a', ['SELECT bump()']), sqlActor('b', ['SELECT bump()'])],
      check: () => 'always',
      expect: 'violates',
    });
    const cx = await counterexamples([touched, triggered, declared, viaFunction]);
    const names = (s: string) => cx.get(s)?.finalTables.map((t) => t.name);
    expect(names('touched')).toEqual(['public.counter', 'public.seeded']);
    expect(names('triggered')).toEqual(['public.audit', 'public.logged', 'public.seeded']);
    expect(names('declared')).toEqual(['public.counter', 'public.untouched']);
    expect(names('via-function')).toEqual(['public.audit', 'public.counter', 'public.logged', 'public.seeded', 'public.untouched']);
    expect(cx.get('touched')?.finalTables[0]?.rows).toEqual([{ id: 1, n: 1 }]);
    // The parameterized step keeps its value in the trace.
    expect(cx.get('touched')?.trace.find((s) => s.detail.startsWith('UPDATE'))?.values).toEqual(['1']);
  });

  it('a declaration that is not a list of names is refused', () => {
    const e = harnessErrorOf(() => lostUpdate('bad', 'counter', { tables: 'counter' as unknown as string[] }));
    expect(e.code).toBe('E_BAD_SCENARIO');
    expect(e.message).toContain('tables must be a list of table names');
  });
});
