// Through the public API: what the catalog attaches to a table (a column's DEFAULT calling a
// PL/pgSQL function that writes another table, a CHECK calling a STABLE SQL function, a nested
// DOMAIN's CHECK) is part of a write's footprint. The violating order is found with the default
// reduction exactly as without it: the reduction never proves what the unreduced search refutes.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';
import { runMatrix, type CellResult } from '../../harness/run/index.ts';
import { defineScenario, type Scenario } from '../../harness/scenario/index.ts';
import { sqlActor, type SqlActorResult } from '../../harness/sched/index.ts';

let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});
afterAll(async () => {
  await server.stop();
});

async function cells(scenarios: readonly Scenario[], reduce: boolean): Promise<Map<string, CellResult>> {
  const result = await runMatrix({ scenarios, strategy: 'exhaustive', strategyOptions: { budget: 100, seed: 1, depth: 2, reduce }, workers: 1, server });
  return new Map(result.cells.map((c) => [c.scenario, c]));
}

/** The rows the actor's first step returned. */
function firstRows(result: unknown): readonly Record<string, unknown>[] {
  const step = (result as SqlActorResult | undefined)?.steps[0];
  return step?.status === 'ok' ? step.rows : [];
}

// The reader comes first in the default order: only an order the reduction must not skip shows n = 1.
const volatileDefault = defineScenario({
  name: 'attached-volatile-default',
  schema: `
    CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL);
    CREATE FUNCTION next_no() RETURNS int VOLATILE LANGUAGE plpgsql AS $$
      DECLARE v int;
      BEGIN UPDATE counter SET n = n + 1 WHERE id = 1 RETURNING n INTO v; RETURN v; END $$;
    CREATE TABLE ticket (id serial PRIMARY KEY, no int NOT NULL DEFAULT next_no(), who text NOT NULL)`,
  setup: ({ sql }) => sql('INSERT INTO counter VALUES (1, 0)'),
  actors: [sqlActor('reader', ['SELECT n FROM counter WHERE id = 1']), sqlActor('issuer', ["INSERT INTO ticket (who) VALUES ('issuer')"])],
  check: ({ results }) => (Number(firstRows(results['reader'])[0]?.['n']) === 1 ? 'the reader saw a ticket number taken' : undefined),
});

const CAP = `
  CREATE TABLE cap (id int PRIMARY KEY, max int NOT NULL);
  CREATE FUNCTION cap_max() RETURNS int STABLE LANGUAGE sql AS 'SELECT max FROM cap WHERE id = 1';`;

/** The inserter is refused (23514, allowed) only when the cap is lowered first. */
function capped(name: string, schema: string): Scenario {
  return defineScenario({
    name,
    schema: CAP + schema,
    setup: ({ sql }) => sql('INSERT INTO cap VALUES (1, 10)'),
    actors: [sqlActor('inserter', ['INSERT INTO item VALUES (1, 5)'], { allowedErrors: ['23514'] }), sqlActor('lowerer', ['UPDATE cap SET max = 3 WHERE id = 1'])],
    check: async ({ sql }) => {
      const { rows } = await sql<{ n: number }>('SELECT count(*)::int AS n FROM item');
      return rows[0]?.n === 0 ? 'the item was refused' : undefined;
    },
  });
}

const stableCheck = capped('attached-stable-check', 'CREATE TABLE item (id int PRIMARY KEY, qty int NOT NULL CHECK (qty <= cap_max()))');
const domainCheck = capped(
  'attached-domain-check',
  'CREATE DOMAIN qty_capped AS int CHECK (VALUE <= cap_max()); CREATE DOMAIN qty AS qty_capped NOT NULL; CREATE TABLE item (id int PRIMARY KEY, qty qty)',
);

const SCENARIOS = [volatileDefault, stableCheck, domainCheck];

describe('a write touches what the catalog attaches to its table', () => {
  it.each([true, false])('reduce = %s: each scenario is violated', async (reduce) => {
    const byName = await cells(SCENARIOS, reduce);
    for (const s of SCENARIOS) {
      const c = byName.get(s.name);
      expect(c?.error, `${s.name}: ${c?.error}`).toBeUndefined();
      expect(c?.measured, s.name).toBe('violates');
      expect(c?.coverage.complete, s.name).toBe(true);
    }
  });
});
