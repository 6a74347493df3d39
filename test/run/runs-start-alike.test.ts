// Run N starts like run 1, or the search says it did not: a table a DELETE cannot empty (a rule
// that turns it into nothing) is truncated, a reset that leaves a row behind is done again with
// TRUNCATE, and DDL a run commits (which no reset restores) makes the search inconclusive.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';
import { runMatrix, type CellResult } from '../../harness/run/index.ts';
import { defineScenario, type Scenario } from '../../harness/scenario/index.ts';
import { sqlActor, type ActorSpec } from '../../harness/sched/index.ts';

let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});
afterAll(async () => {
  await server.stop();
});

async function cell(scenario: Scenario): Promise<CellResult> {
  const result = await runMatrix({ scenarios: [scenario], strategy: 'exhaustive', strategyOptions: { budget: 200, seed: 1, depth: 2, reduce: true }, workers: 1, server });
  const c = result.cells[0] as CellResult;
  expect(c.error, c.error).toBeUndefined();
  return c;
}

/** "Look, then insert" of one address: two of them may both insert. */
const signUp = (name: string): ActorSpec => ({
  name,
  async run({ sql }) {
    const found = await sql.query("SELECT 1 FROM signup WHERE email = 'ada@example.com'");
    if (found.rows.length === 0) await sql.query("INSERT INTO signup VALUES ('ada@example.com')");
  },
});

const oneAddress = async ({ sql }: { sql: (text: string) => Promise<{ rows: { n: number }[] }> }) => {
  const n = (await sql("SELECT count(*)::int AS n FROM signup WHERE email = 'ada@example.com'")).rows[0]?.n ?? 0;
  return n > 1 ? `${n} sign-ups for one address` : undefined;
};

describe('every run starts like the first', () => {
  it('a table whose DELETE does nothing (an append-only rule) is emptied: the race is found', async () => {
    const c = await cell(
      defineScenario({
        name: 'append-only-signup',
        schema: ['CREATE TABLE signup (email text NOT NULL)', 'CREATE RULE signup_append_only AS ON DELETE TO signup DO INSTEAD NOTHING'],
        actors: [signUp('click-1'), signUp('click-2')],
        check: oneAddress,
      }),
    );
    expect(c.verdict, c.verdictReason).toBe('violated');
  });

  it('a rule a run adds is caught by the reset itself (a row left after DELETE), then TRUNCATE empties the table', async () => {
    const c = await cell(
      defineScenario({
        name: 'rule-added-by-a-run',
        schema: 'CREATE TABLE signup (email text NOT NULL)',
        actors: [
          sqlActor('deployer', ["INSERT INTO signup VALUES ('grace@example.com')", 'CREATE OR REPLACE RULE signup_append_only AS ON DELETE TO signup DO INSTEAD NOTHING']),
          sqlActor('reader', ["SELECT count(*) FROM signup WHERE email = 'grace@example.com'"]),
        ],
        check: async ({ sql }) => {
          const n = (await sql<{ n: number }>('SELECT count(*)::int AS n FROM signup')).rows[0]?.n ?? 0;
          return n > 1 ? `${n} rows: an earlier run's row was still there` : undefined;
        },
      }),
    );
    expect(c.violating, c.verdictReason).toBe(0);
    // The rule is DDL a run committed: nothing after that run is a proof.
    expect(c.verdict).toBe('inconclusive');
    expect(c.verdictReason).toMatch(/changed the schema \(CREATE RULE\)/);
  });

  it('DDL a run commits makes the search inconclusive, naming the command', async () => {
    const c = await cell(
      defineScenario({
        name: 'deploy-during-sign-ups',
        schema: 'CREATE TABLE signup (email text NOT NULL)',
        actors: [signUp('click-1'), sqlActor('deploy', ['CREATE UNIQUE INDEX IF NOT EXISTS signup_email ON signup (email)'])],
        check: oneAddress,
      }),
    );
    expect(c.verdict).toBe('inconclusive');
    expect(c.verdictReason).toMatch(/changed the schema \(CREATE INDEX\)/);
  });

  it('DDL in the setup (the same in every run) is not a change', async () => {
    const c = await cell(
      defineScenario({
        name: 'setup-ddl',
        schema: 'CREATE TABLE signup (email text NOT NULL)',
        setup: async ({ sql }) => {
          await sql('CREATE INDEX IF NOT EXISTS signup_by_email ON signup (email)');
        },
        actors: [sqlActor('a', ["INSERT INTO signup VALUES ('a@example.com')"]), sqlActor('b', ["INSERT INTO signup VALUES ('b@example.com')"])],
      }),
    );
    expect(c.verdict, c.verdictReason).toBe('proven');
  });
});
