// Upstream sessions kept between clients: a session left between statements greets the next
// client with what a run left in it cleared; one left mid-statement, after a cancel, ended by the
// server, or asked for with other startup parameters is never handed out.
import net from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HarnessDatabase, HarnessDatabases } from '../../harness/db/index.ts';
import { startWireGate, type StartedWireGate } from '../../harness/gate/index.ts';
import { UpstreamPool } from '../../harness/gate/upstream-pool.ts';
import { eventually } from '../support/harness-child.ts';
import { StepSequencer } from '../support/step-sequencer.ts';
import { harnessDatabases } from '../support/test-database.ts';

let dbs: HarnessDatabases;
let db: HarnessDatabase;
let observer: pg.Client;
const gates: StartedWireGate[] = [];
const pools: UpstreamPool[] = [];

beforeAll(async () => {
  dbs = await harnessDatabases();
  db = await dbs.createTemplate('gatepool', [{ name: 'schema', sql: 'CREATE TABLE kept (id int PRIMARY KEY, n int NOT NULL); INSERT INTO kept VALUES (1, 0);' }]);
  observer = new pg.Client({ connectionString: db.url });
  await observer.connect();
});

afterAll(async () => {
  await observer.end();
  await dbs.drop(db);
});

afterEach(async () => {
  await Promise.all(gates.splice(0).map((g) => g.close()));
  for (const p of pools.splice(0)) p.close();
});

function newPool(): UpstreamPool {
  const p = new UpstreamPool();
  pools.push(p);
  return p;
}

/** A gate in front of the test database that releases every step at once, with `pool`. */
async function gate(pool: UpstreamPool | undefined): Promise<StartedWireGate> {
  const g = await startWireGate({ serverUrl: db.url, hooks: new StepSequencer(true).hooks('g'), ...(pool ? { pool } : {}) });
  gates.push(g);
  return g;
}

/** A client of `g` (connected), with `applicationName` in its startup packet; `reported` gets the parameters its greeting announced. */
async function client(g: StartedWireGate, applicationName = 'pool-test', reported: Record<string, string> = {}): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: g.clientUrl, application_name: applicationName });
  (c as unknown as { connection: NodeJS.EventEmitter }).connection.on('parameterStatus', (m: { parameterName: string; parameterValue: string }) => {
    reported[m.parameterName] = m.parameterValue;
  });
  await c.connect();
  return c;
}

async function pidOf(c: pg.Client): Promise<number> {
  return (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
}

/** One client's whole life through its own gate (as one run of a program): its backend pid. */
async function oneRun(pool: UpstreamPool, work: (c: pg.Client) => Promise<void> = async () => {}, applicationName?: string): Promise<number> {
  const g = await gate(pool);
  const c = await client(g, applicationName);
  const pid = await pidOf(c);
  await work(c);
  await c.end();
  await g.close();
  return pid;
}

async function backendAlive(pid: number): Promise<boolean> {
  return (await observer.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 1;
}

describe('kept upstream sessions', () => {
  it('a session left between statements serves the next client, with everything the first one left cleared', async () => {
    const pool = newPool();
    const first = await oneRun(pool, async (c) => {
      await c.query("SET search_path = pg_catalog; SET application_name = 'changed'; SET default_transaction_isolation = 'serializable'");
      await c.query('PREPARE left_behind AS SELECT 1');
      await c.query('CREATE TEMP TABLE scratch (x int)');
      await c.query('SELECT pg_advisory_lock(4242)');
      await c.query('LISTEN somewhere');
      await c.query('BEGIN');
      await c.query('UPDATE public.kept SET n = n + 1 WHERE id = 1');
      // Ends inside the transaction: the update must be rolled back, the row lock given back.
    });
    const g = await gate(pool);
    const reported: Record<string, string> = {};
    const c = await client(g, 'pool-test', reported);
    expect(await pidOf(c)).toBe(first);
    // Greeted as by a new backend: the server's parameters as they were at the session's start.
    expect(reported).toMatchObject({ application_name: 'pool-test', client_encoding: 'UTF8', server_version: expect.any(String) as string });
    const state = await c.query<Record<string, string>>(`SELECT current_setting('search_path') AS path, current_setting('application_name') AS app,
        current_setting('default_transaction_isolation') AS iso, (SELECT count(*) FROM pg_prepared_statements)::text AS prepared,
        (SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema())::text AS temps,
        (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid())::text AS advisory,
        (SELECT count(*) FROM pg_listening_channels())::text AS listening, (SELECT n FROM kept WHERE id = 1)::text AS n`);
    expect(state.rows[0]).toEqual({ path: '"$user", public', app: 'pool-test', iso: 'read committed', prepared: '0', temps: '0', advisory: '0', listening: '0', n: '0' });
    await c.query('BEGIN');
    await c.query('UPDATE kept SET n = n + 1 WHERE id = 1');
    await c.query('ROLLBACK');
    await c.end();
  });

  it('a client that asks with other startup parameters gets a session of its own', async () => {
    const pool = newPool();
    const a = await oneRun(pool, undefined, 'one');
    const b = await oneRun(pool, undefined, 'two');
    expect(b).not.toBe(a);
    expect(await oneRun(pool, undefined, 'one')).toBe(a);
    expect(await oneRun(pool, undefined, 'two')).toBe(b);
  });

  it('without a pool every connection is a new backend, and it ends with its client', async () => {
    const a = await oneRun(undefined as unknown as UpstreamPool);
    expect(await eventually(async () => !(await backendAlive(a)), 20_000)).toBe(true);
  });

  it('a session whose client vanished mid-statement is ended, not kept', async () => {
    const pool = newPool();
    const { g, c, pid, waiting } = await waitingOnALock(pool);
    c.on('error', () => undefined);
    (c as unknown as { connection: { stream: net.Socket } }).connection.stream.destroy();
    await waiting;
    await observer.query('ROLLBACK');
    await g.close();
    expect(await eventually(async () => !(await backendAlive(pid)), 20_000)).toBe(true);
    expect(await oneRun(pool)).not.toBe(pid);
  });

  it('a session a cancel was sent for is not kept: the cancel could still land on the next client', async () => {
    const pool = newPool();
    const { g, c, pid, waiting } = await waitingOnALock(pool);
    await sendCancel(g, c);
    expect(await waiting).toBe('57014');
    await observer.query('ROLLBACK');
    await c.end();
    await g.close();
    expect(await oneRun(pool)).not.toBe(pid);
  });

  it('a kept session the server ended is never handed out', async () => {
    const pool = newPool();
    const pid = await oneRun(pool);
    await observer.query('SELECT pg_terminate_backend($1)', [pid]);
    expect(await eventually(async () => !(await backendAlive(pid)), 20_000)).toBe(true);
    const next = await oneRun(pool);
    expect(next).not.toBe(pid);
    expect(await oneRun(pool)).toBe(next);
  });
});

/** A client of a gate with `pool` whose UPDATE waits on the observer's row lock (taken here, released by the caller). */
async function waitingOnALock(pool: UpstreamPool): Promise<{ g: StartedWireGate; c: pg.Client; pid: number; waiting: Promise<string | null> }> {
  await observer.query('BEGIN');
  await observer.query('SELECT * FROM kept WHERE id = 1 FOR UPDATE');
  const g = await gate(pool);
  const c = await client(g);
  const pid = await pidOf(c);
  const waiting = c.query('UPDATE kept SET n = 5 WHERE id = 1').then(
    () => null,
    (e: { code?: string }) => e.code ?? null,
  );
  expect(await eventually(async () => ((await observer.query<{ p: number[] }>('SELECT pg_blocking_pids($1) AS p', [pid])).rows[0]?.p.length ?? 0) > 0, 20_000)).toBe(true);
  return { g, c, pid, waiting };
}

/** A CancelRequest for `c`'s session, sent to the gate as libpq sends one: a connection of its own. */
async function sendCancel(g: StartedWireGate, c: pg.Client): Promise<void> {
  const { processID, secretKey } = c as unknown as { processID: number; secretKey: number };
  const packet = Buffer.alloc(16);
  packet.writeInt32BE(16, 0);
  packet.writeInt32BE(80877102, 4);
  packet.writeInt32BE(processID, 8);
  packet.writeInt32BE(secretKey, 12);
  await new Promise<void>((resolve) => {
    const s = net.connect({ host: g.address.host, port: g.address.port }, () => s.end(packet));
    s.on('close', () => resolve());
    s.on('error', () => resolve());
  });
}
