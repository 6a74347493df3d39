// A command's specs share a database only while each leaves it as it found it: a spec that leaves
// a table, a comment on a system object or a setting on the control session never shows in the
// next spec's output, and a spec that cleans up hands its database and sessions on.
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { readSpec, SpecDatabases, SpecRunner, specOutput, specPermutations, type PermutationRun } from '../../harness/isolation/index.ts';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';
import { suiteServer } from './spec-server.ts';

let databases: SpecDatabases | undefined;
afterEach(async () => {
  await databases?.close();
  databases = undefined;
});

async function run(server: StartedPostgres, text: string, env?: Readonly<Record<string, string | undefined>>): Promise<{ output: string; database: string }> {
  const spec = readSpec(text, 'inline.spec');
  const runner = await SpecRunner.open(spec, server, { ...(databases ? { databases } : {}), ...(env ? { env } : {}) });
  try {
    const runs: PermutationRun[] = [];
    for (const p of specPermutations(spec)) runs.push(await runner.runPermutation(p.steps));
    return { output: specOutput(spec, runs), database: runner.db.name };
  } finally {
    await runner.close();
  }
}

/** What the next spec sees: leftovers, the control session's and an actor session's settings, a lock. */
const PROBE = `
setup { SELECT current_setting('search_path') AS control_path; }
session s1
step look { SELECT (SELECT count(*) FROM pg_class WHERE relname = 'leftover') AS leftovers, obj_description('public'::regnamespace) AS public_comment, current_setting('work_mem') AS work_mem, pg_try_advisory_lock(7) AND pg_try_advisory_lock(8) AS lock_free; }
session s2
step other { SELECT 1 AS one; }
permutation look other
`;

describe('SpecDatabases', () => {
  it('hands a cleaned-up database and its sessions to the next spec, which sees nothing of the first', async () => {
    const server = await suiteServer();
    databases = await SpecDatabases.open(server);
    const first = await run(server, `
setup { CREATE TABLE leftover (a int); SET search_path = nowhere, public; SELECT pg_advisory_lock(7); }
teardown { DROP TABLE public.leftover; }
session s1
step a { SET work_mem = '1MB'; SELECT pg_advisory_lock(8); }
session s2
step b { INSERT INTO public.leftover VALUES (1); }
permutation b a
`);
    const probe = await run(server, PROBE);
    expect(databases.reused).toBe(1);
    expect(probe.database).toBe(first.database);
    expect(probe.output).toContain('control_path   \n---------------\n"$user", public\n');
    expect(probe.output).toMatch(/leftovers\|public_comment\s*\|work_mem\|lock_free\n-+\+-+\+-+\+-+\n\s*0\|standard public schema\|4MB\s*\|t\s*\n/);
  });

  it('gives the next spec a fresh database when a spec leaves a table or changes a system object', async () => {
    const server = await suiteServer();
    databases = await SpecDatabases.open(server);
    const leaves = await run(server, `
setup { CREATE TABLE leftover (a int); }
session s1
step a { INSERT INTO leftover VALUES (1); }
`);
    const after = await run(server, PROBE);
    expect(databases.reused).toBe(0);
    expect(after.database).not.toBe(leaves.database);
    expect(after.output).toMatch(/\n\s*0\|standard public schema\|4MB\s*\|t\s*\n/);

    const comments = await run(server, `
setup { COMMENT ON SCHEMA public IS 'changed'; }
teardown { COMMENT ON SCHEMA public IS 'standard public schema'; }
session s1
step a { SELECT 1; }
`);
    const probe = await run(server, PROBE);
    // Same rows as before, but one written since: not reused, though the text is the same again.
    expect(comments.database).toBe(after.database);
    expect(databases.reused).toBe(1);
    expect(probe.database).not.toBe(comments.database);
  });

  it("shares a database between specs run with libpq's environment (PGDATESTYLE, as pg_regress sets it), never with a spec connecting otherwise", async () => {
    const server = await suiteServer();
    databases = await SpecDatabases.open(server);
    const DATESTYLE = `
session s1
step show { SELECT current_setting('DateStyle') AS style; }
`;
    const regress = { PGDATESTYLE: 'Postgres, MDY' };
    const first = await run(server, DATESTYLE, regress);
    const second = await run(server, DATESTYLE, regress);
    expect(first.output).toContain('Postgres, MDY');
    expect(second.output).toContain('Postgres, MDY');
    expect(second.database).toBe(first.database);
    // Sessions connected with other startup options are not the ones this spec asks for.
    const plain = await run(server, DATESTYLE, {});
    expect(plain.output).toContain('ISO, MDY');
    expect(plain.database).not.toBe(first.database);
    expect(databases.reused).toBe(1);
  });

  it('shares a database between specs for a role that may only create databases (it cannot read every catalog)', async () => {
    const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await admin.connect();
    const role = `prh_specs_${process.pid}`;
    await admin.query(`CREATE ROLE ${role} LOGIN CREATEDB PASSWORD 'specs'`);
    try {
      const url = new URL(inject('pgAdminUrl'));
      url.username = role;
      url.password = 'specs';
      const server = await new UrlPostgresProvider(url.toString()).start();
      databases = await SpecDatabases.open(server);
      const SPEC = `
setup { CREATE TABLE t (a int); INSERT INTO t VALUES (1); }
teardown { DROP TABLE t; }
session s1
step r { SELECT a FROM t; }
`;
      const first = await run(server, SPEC);
      const second = await run(server, SPEC);
      expect(second.output).toBe(first.output);
      expect(second.database).toBe(first.database);
      expect(databases.reused).toBe(1);
      await databases.close();
      databases = undefined;
    } finally {
      await admin.query(`DROP ROLE ${role}`).catch(() => undefined);
      await admin.end();
    }
  });
});
