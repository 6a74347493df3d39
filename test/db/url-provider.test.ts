// A --database-url whose role may not create databases is refused when the provider starts, as
// bad input (exit 2) saying what the role needs, not later as "internal error: permission denied".
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../harness/cli/run-cli.ts';
import { UrlPostgresProvider } from '../../harness/db/index.ts';
import { HarnessError, INPUT_ERROR_CODES } from '../../harness/errors/index.ts';
import { fakeStream } from '../support/fake-stream.ts';

const roles = { without: `prh_test_nocreatedb_${process.pid}`, with: `prh_test_createdb_${process.pid}` };
const password = 'not-a-secret';
let admin: pg.Client;
let out: string;

function urlAs(role: string): string {
  const u = new URL(inject('pgAdminUrl'));
  u.username = role;
  u.password = password;
  return u.toString();
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  await admin.query(`CREATE ROLE ${pg.escapeIdentifier(roles.without)} LOGIN NOCREATEDB PASSWORD ${pg.escapeLiteral(password)}`);
  await admin.query(`CREATE ROLE ${pg.escapeIdentifier(roles.with)} LOGIN CREATEDB PASSWORD ${pg.escapeLiteral(password)}`);
  out = await mkdtemp(join(tmpdir(), 'prh-role-'));
});
afterAll(async () => {
  for (const role of Object.values(roles)) await admin?.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
  await admin?.end();
  await rm(out, { recursive: true, force: true });
});

describe('a --database-url role without CREATEDB', () => {
  it('start() rejects with E_DB_PERMISSION, an input error naming the role and what it needs', async () => {
    const error = await new UrlPostgresProvider(urlAs(roles.without)).start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HarnessError);
    const e = error as HarnessError;
    expect(e.code).toBe('E_DB_PERMISSION');
    expect(INPUT_ERROR_CODES.has(e.code)).toBe(true);
    for (const part of [`'${roles.without}'`, 'CREATEDB', 'superuser', `ALTER ROLE "${roles.without}" CREATEDB`]) expect(e.message).toContain(part);
  });

  it('the CLI exits 2 with that message before any run', async () => {
    const o = fakeStream();
    const err = fakeStream();
    const code = await runCli(['--config', 'examples/race.config.ts', '--scenario', 'wallet-buggy', '--out', out], { DATABASE_URL: urlAs(roles.without) }, { out: o.stream, err: err.stream });
    expect(code).toBe(2);
    expect(err.text()).toMatch(/^error E_DB_PERMISSION: role '.*' .* may not create databases/);
    expect(err.text()).not.toContain('internal error');
    expect(o.text()).not.toContain('Running');
  });

  it('a role with CREATEDB (not a superuser) starts', async () => {
    const server = await new UrlPostgresProvider(urlAs(roles.with)).start();
    expect(server.kind).toBe('url');
  });
});
