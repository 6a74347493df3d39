// The wire gate's behaviour with real clients: steps held and released in a chosen order (a lock
// wait seen by the server), SSL refused, passwords checked, cancels delivered, COPY refused, and
// a vanished client's session ended on the server too.
import net from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HarnessDatabase, HarnessDatabases } from '../../harness/db/index.ts';
import { actorEnv, startProcessActor, startWireGate, WireRefusal, type ClientAuth, type StartedWireGate } from '../../harness/gate/index.ts';
import { CLIENTS_DIR, named, printed, PSQL, psqlMissing, pythonMissing, runProgram, runPython } from '../support/client-programs.ts';
import { StepSequencer } from '../support/step-sequencer.ts';
import { harnessDatabases } from '../support/test-database.ts';
import { eventually } from '../support/harness-child.ts';

const SCHEMA = `CREATE TABLE gate_accounts (id int PRIMARY KEY, balance int NOT NULL);
INSERT INTO gate_accounts VALUES (1, 100), (2, 100);`;

let dbs: HarnessDatabases;
let db: HarnessDatabase;
let admin: pg.Client;
/** Reads pg_stat_activity outside any transaction: inside one, PostgreSQL keeps showing its first snapshot. */
let observer: pg.Client;
const gates: StartedWireGate[] = [];

beforeAll(async () => {
  dbs = await harnessDatabases();
  db = await dbs.createTemplate('gate', [{ name: 'gate schema', sql: SCHEMA }]);
  admin = new pg.Client({ connectionString: db.url });
  observer = new pg.Client({ connectionString: db.url });
  await Promise.all([admin.connect(), observer.connect()]);
});

afterAll(async () => {
  await Promise.all([admin.end(), observer.end()]);
  await dbs.drop(db);
});

afterEach(async () => {
  await Promise.all(gates.splice(0).map((g) => g.close()));
});

async function gateFor(seq: StepSequencer, name: string, auth?: ClientAuth): Promise<StartedWireGate> {
  const g = await startWireGate({ serverUrl: db.url, hooks: seq.hooks(name), ...(auth ? { auth } : {}) });
  gates.push(g);
  return g;
}

/** Waits for a condition the server will reach (a lock wait, a backend's exit); fails after 20 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  if (!(await eventually(check, 20_000))) throw new Error(`gave up waiting: ${what}`);
}

async function backendAlive(pid: number | null): Promise<boolean> {
  const r = await observer.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
  return r.rowCount === 1;
}

async function blockers(pid: number | null): Promise<number[]> {
  return (await observer.query<{ p: number[] | null }>('SELECT pg_blocking_pids($1) AS p', [pid])).rows[0]!.p ?? [];
}

describe('steps in a chosen order', () => {
  it('two clients, one row lock: B waits on A in PostgreSQL and finishes after A commits', async () => {
    const seq = new StepSequencer();
    const [gateA, gateB] = [await gateFor(seq, 'A'), await gateFor(seq, 'B')];
    const a = new pg.Client({ connectionString: gateA.clientUrl });
    const b = new pg.Client({ connectionString: gateB.clientUrl });
    await Promise.all([a.connect(), b.connect()]);
    const flow = async (c: pg.Client, delta: number) => {
      await c.query('BEGIN');
      await c.query('UPDATE gate_accounts SET balance = balance + $1 WHERE id = 1', [delta]);
      await c.query('COMMIT');
    };
    const flows = Promise.all([flow(a, -10), flow(b, 10)]);

    await seq.run('A', 'BEGIN');
    expect(await seq.run('A', 'UPDATE')).toMatchObject({ txStatus: 'T', commandTags: ['UPDATE 1'] });
    await seq.run('B', 'BEGIN');
    const update = await seq.nextOf('B', 'UPDATE');
    expect(update.step.statements[0]).toMatchObject({ sql: 'UPDATE gate_accounts SET balance = balance + $1 WHERE id = 1', params: ['10'] });
    let finished = false;
    const outcome = update.release().then((o) => ((finished = true), o));

    // The server shows B's backend waiting on A's: what the engine's blocked detection asks.
    const aPid = gateA.connections()[0]!.backendPid;
    await until("B's UPDATE waits on A", async () => (await blockers(update.conn.backendPid)).includes(aPid!));
    expect(seq.sent).toContainEqual({ gate: 'B', conn: 0, step: update.step.index });
    expect(finished).toBe(false);

    expect(await seq.run('A', 'COMMIT')).toMatchObject({ txStatus: 'I', commandTags: ['COMMIT'] });
    expect(await outcome).toMatchObject({ txStatus: 'T', commandTags: ['UPDATE 1'], sent: true });
    await seq.run('B', 'COMMIT');
    await flows;
    await Promise.all([a.end(), b.end()]);
    expect((await admin.query('SELECT balance FROM gate_accounts WHERE id = 1')).rows).toEqual([{ balance: 100 }]);
  });

  it('a refused step answers the client with the error and the session goes on', async () => {
    const seq = new StepSequencer();
    const gate = await gateFor(seq, 'a');
    const client = new pg.Client({ connectionString: gate.clientUrl });
    await client.connect();
    const query = client.query('SELECT 1 AS one').then(
      () => null,
      (e: { code?: string; message: string }) => e,
    );
    expect(await (await seq.nextOf('a', 'SELECT 1')).refuse(new WireRefusal('57P01', 'the run ended'))).toMatchObject({ sent: false, error: { sqlState: '57P01' } });
    expect(await query).toMatchObject({ code: '57P01', message: 'the run ended' });
    seq.auto = true;
    expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    await client.end();
  });

  it('large values cross the gate both ways', async () => {
    const seq = new StepSequencer(true);
    const gate = await gateFor(seq, 'a');
    const client = new pg.Client({ connectionString: gate.clientUrl });
    await client.connect();
    const blob = Buffer.alloc(3_000_000, 7);
    const r = await client.query<{ n: number; text: string }>("SELECT length($1::bytea) AS n, repeat('x', 5000000) AS text", [blob]);
    await client.end();
    expect([r.rows[0]!.n, r.rows[0]!.text.length]).toEqual([3_000_000, 5_000_000]);
    // pg sends a Buffer in binary format with no declared type: the step keeps its bytes.
    expect(blob.equals(seq.finished[0]!.step.statements[0]!.params[0] as Buffer)).toBe(true);
  });

  it('a pipelined batch after an unsynced Flush waits for its turn; no client deadlocks', async () => {
    // pg's extended query with `rows` executes up to a row count and flushes without Sync.
    const seq = new StepSequencer(true);
    const gate = await gateFor(seq, 'a');
    const client = new pg.Client({ connectionString: gate.clientUrl });
    await client.connect();
    await client.query('BEGIN');
    const result = await client.query({ text: 'SELECT g FROM generate_series(1, 3) g', rows: 2 } as pg.QueryConfig);
    await client.query('COMMIT');
    await client.end();
    expect(result.rows.length).toBeGreaterThan(0);
    const flushed = seq.finished.filter((f) => f.step.end === 'flush');
    expect(flushed.length).toBeGreaterThan(0);
    expect(flushed.every((f) => f.outcome.txStatus === null)).toBe(true);
    expect(seq.finished.at(-1)?.outcome.commandTags).toEqual(['COMMIT']);
  });
});

describe('startup: SSL and passwords', () => {
  it.skipIf(psqlMissing())(named('SSLRequest is answered N: sslmode=prefer connects, sslmode=require says why it cannot', psqlMissing()), async () => {
    const seq = new StepSequencer(true);
    const gate = await gateFor(seq, 'a');
    const prefer = await runProgram([PSQL, '-X', '-At', '-c', 'SELECT 42'], gate.address, { PGSSLMODE: 'prefer' });
    expect([prefer.code, prefer.stdoutTail.trim()]).toEqual([0, '42']);
    const require = await runProgram([PSQL, '-X', '-At', '-c', 'SELECT 42'], gate.address, { PGSSLMODE: 'require' });
    expect(require.code).toBe(2);
    expect(require.stderrTail).toMatch(/server does not support SSL, but SSL was required/);
    expect(seq.connects).toHaveLength(1);
  });

  it.skipIf(psqlMissing())(named('a cleartext password: the right one connects, a wrong one is refused', psqlMissing()), async () => {
    const seq = new StepSequencer(true);
    const gate = await gateFor(seq, 'a', { method: 'password', password: 'gate-secret' });
    expect(gate.clientUrl).toContain(':gate-secret@');
    const right = await runProgram([PSQL, '-X', '-At', '-c', 'SELECT current_user'], gate.address);
    expect([right.code, right.stdoutTail.trim()]).toEqual([0, gate.address.user]);
    const wrong = await runProgram([PSQL, '-X', '-At', '-c', 'SELECT 1'], gate.address, { PGPASSWORD: 'guess' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderrTail).toMatch(/password authentication failed for user "postgres"/);
    // A refused client is never numbered: the engine only hears of admitted connections.
    expect(seq.connects.map((c) => c.conn.id)).toEqual([0]);
  });

  it('admitting() is true from a client\'s first byte until its password is checked: the engine waits for it', async () => {
    const seq = new StepSequencer(true);
    const gate = await gateFor(seq, 'a', { method: 'password', password: 'gate-secret' });
    expect(gate.admitting()).toBe(false);
    const socket = net.connect(gate.address.port, gate.address.host);
    const received: Buffer[] = [];
    socket.on('data', (b: Buffer) => received.push(b));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await until('the gate accepted the socket', async () => gate.admitting());
    // A startup packet: the gate asks for a password (R, cleartext) and the client owes it.
    const params = Buffer.from(`user\0${gate.address.user}\0database\0${gate.address.database}\0\0`);
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    socket.write(Buffer.concat([startup, params]));
    await until('the password request', async () => Buffer.concat(received).includes(Buffer.from('R')));
    expect(gate.admitting()).toBe(true);
    const password = Buffer.from('gate-secret\0');
    const p = Buffer.alloc(5);
    p.write('p', 0);
    p.writeInt32BE(4 + password.length, 1);
    socket.write(Buffer.concat([p, password]));
    await until('the client admitted', async () => seq.connects.length === 1);
    expect(gate.admitting()).toBe(false);
    socket.destroy();
  });

  it('an MD5 password with node-postgres, and a refusal by the hooks', async () => {
    const seq = new StepSequencer(true);
    const gate = await gateFor(seq, 'a', { method: 'md5', password: 'gate-secret' });
    const right = new pg.Client({ connectionString: gate.clientUrl });
    await right.connect();
    expect((await right.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await right.end();
    const wrong = new pg.Client({ connectionString: gate.clientUrl.replace('gate-secret', 'nope') });
    await expect(wrong.connect()).rejects.toMatchObject({ code: '28P01' });

    const refusing = await startWireGate({
      serverUrl: db.url,
      hooks: { ...seq.hooks('b'), onConnect: () => Promise.reject(new WireRefusal('53300', 'this actor may open one connection')) },
    });
    gates.push(refusing);
    const extra = new pg.Client({ connectionString: refusing.clientUrl });
    await expect(extra.connect()).rejects.toMatchObject({ code: '53300', message: 'this actor may open one connection' });
  });

  it.skipIf(psqlMissing())(named('a replication connection is refused with an error that names it', psqlMissing()), async () => {
    const seq = new StepSequencer(true);
    const gate = await gateFor(seq, 'a');
    const exit = await runProgram([PSQL, '-X', '-c', 'IDENTIFY_SYSTEM', `${gate.clientUrl}&replication=database`], undefined);
    expect(exit.code).toBe(2);
    expect(exit.stderrTail).toMatch(/a replication connection is not supported through the harness's wire gate/);
    expect(seq.unsupported).toEqual([{ gate: 'a', conn: null, what: 'replication' }]);
  });
});

describe('cancel, COPY and vanished clients', () => {
  it.skipIf(pythonMissing('asyncpg'))(named("asyncpg's timeout cancels a statement waiting on a lock (57014)", pythonMissing('asyncpg')), async () => {
    const seq = new StepSequencer(true);
    const gate = await gateFor(seq, 'a');
    await admin.query('BEGIN');
    await admin.query('SELECT * FROM gate_accounts WHERE id = 2 FOR UPDATE');
    try {
      const exit = await runPython('asyncpg_cancel.py', gate.address, { CLIENT_SQL: 'UPDATE gate_accounts SET balance = 0 WHERE id = 2', CLIENT_TIMEOUT: '0.5' });
      expect(exit.code, exit.stderrTail).toBe(0);
      expect(printed(exit)).toEqual({ timedOut: true, after: 2 });
    } finally {
      await admin.query('ROLLBACK');
    }
    const update = seq.finished.find((f) => f.step.detail.startsWith('UPDATE'));
    expect(update?.outcome).toMatchObject({ sent: true, error: { sqlState: '57014', message: 'canceling statement due to user request' } });
  });

  it.skipIf(pythonMissing('asyncpg'))(named('a cancel of a step still held at the gate is answered by the gate (57014)', pythonMissing('asyncpg')), async () => {
    const seq = new StepSequencer();
    const gate = await gateFor(seq, 'a');
    const run = runPython('asyncpg_cancel.py', gate.address, { CLIENT_SQL: 'SELECT 1', CLIENT_TIMEOUT: '0.5' });
    // Hold the statement: never release it; asyncpg times out and cancels.
    const held = await seq.nextOf('a', 'SELECT 1');
    seq.auto = true;
    expect(await held.outcome).toMatchObject({ sent: false, error: { sqlState: '57014' } });
    const exit = await run;
    expect(exit.code, exit.stderrTail).toBe(0);
    expect(printed(exit)).toEqual({ timedOut: true, after: 2 });
    expect(seq.sent.some((s) => s.step === held.step.index)).toBe(false);
  });

  it.skipIf(psqlMissing())(named('COPY FROM STDIN is refused with an error that names it; the table is untouched', psqlMissing()), async () => {
    const seq = new StepSequencer(true);
    const gate = await gateFor(seq, 'a');
    const exit = await runProgram([PSQL, '-X', '-v', 'ON_ERROR_STOP=1', '-f', join(CLIENTS_DIR, 'copy.sql')], gate.address);
    expect(exit.code).toBe(3);
    expect(exit.stderrTail).toMatch(/COPY FROM STDIN is not supported through the harness's wire gate/);
    expect(seq.unsupported).toEqual([{ gate: 'a', conn: 0, what: 'COPY FROM STDIN' }]);
    expect(seq.finished[0]?.outcome).toMatchObject({ unsupported: 'COPY FROM STDIN', error: { sqlState: '0A000' }, txStatus: 'I' });
    expect((await admin.query('SELECT count(*)::int AS n FROM gate_accounts')).rows).toEqual([{ n: 2 }]);
  });

  it.skipIf(pythonMissing('psycopg2'))(named("the function-call protocol (psycopg2's large objects) is refused by name; the session goes on", pythonMissing('psycopg2')), async () => {
    const seq = new StepSequencer(true);
    const gate = await gateFor(seq, 'a');
    const exit = await runPython('psycopg2_large_object.py', gate.address);
    expect(exit.code, exit.stderrTail).toBe(0);
    const out = printed<{ error: string; after: number }>(exit);
    expect(out.error).toMatch(/function-call protocol \(PQfn, large objects\) is not supported through the harness's wire gate/);
    expect(out.after).toBe(5);
    expect(seq.unsupported).toEqual([{ gate: 'a', conn: 0, what: 'function call' }]);
  });

  it('LISTEN is carried: a notification reaches the client between its steps', async () => {
    const seq = new StepSequencer(true);
    const gate = await gateFor(seq, 'a');
    const client = new pg.Client({ connectionString: gate.clientUrl });
    await client.connect();
    const heard = new Promise<pg.Notification>((resolve) => client.on('notification', resolve));
    await client.query('LISTEN gate_channel');
    await admin.query("NOTIFY gate_channel, 'ping'");
    expect(await heard).toMatchObject({ channel: 'gate_channel', payload: 'ping' });
    await client.end();
  });

  it('COPY TO STDOUT is refused the same way, and the session goes on', async () => {
    const seq = new StepSequencer(true);
    const gate = await gateFor(seq, 'a');
    const client = new pg.Client({ connectionString: gate.clientUrl });
    await client.connect();
    await expect(client.query('COPY gate_accounts TO STDOUT')).rejects.toMatchObject({ code: '0A000', message: expect.stringMatching(/^COPY TO STDOUT is not supported/) });
    expect((await client.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
    await client.end();
  });

  it.skipIf(pythonMissing('psycopg2'))(named('a client that dies mid-transaction takes its backend with it; the row lock is free', pythonMissing('psycopg2')), async () => {
    const seq = new StepSequencer(true);
    const gate = await gateFor(seq, 'a');
    const exit = await runPython('psycopg2_abandon.py', gate.address);
    expect(printed(exit)).toEqual({ locked: true });
    expect(await seq.closed('a', 0)).toEqual({ kind: 'client-closed', during: 'idle' });
    const pid = seq.connects[0]!.conn.backendPid;
    await until('the backend of the dead client exits', async () => !(await backendAlive(pid)));
    await admin.query('BEGIN');
    await admin.query('SELECT * FROM gate_accounts WHERE id = 1 FOR UPDATE NOWAIT');
    await admin.query('ROLLBACK');
  });

  it.skipIf(psqlMissing())(named('a client killed while its statement waits on a lock: the statement still runs once the lock is free, as PostgreSQL runs it, and then the connection ends', psqlMissing()), async () => {
    const seq = new StepSequencer(true);
    const gate = await gateFor(seq, 'a');
    await admin.query('UPDATE gate_accounts SET balance = 7 WHERE id = 2');
    await admin.query('BEGIN');
    await admin.query('SELECT * FROM gate_accounts WHERE id = 2 FOR UPDATE');
    let released = false;
    try {
      const actor = startProcessActor({
        argv: [PSQL, '-X', '-c', 'UPDATE gate_accounts SET balance = 0 WHERE id = 2'],
        env: actorEnv(process.env, { database: gate.address }),
      });
      await until('the UPDATE waits on the lock', async () => seq.connects.length === 1 && (await blockers(seq.connects[0]!.conn.backendPid)).length > 0);
      const pid = seq.connects[0]!.conn.backendPid;
      const exit = await actor.stop();
      expect(exit.stopped).toBe(true);
      // The client is gone; its statement, already on the server, still waits there.
      expect((await blockers(pid)).length).toBeGreaterThan(0);
      expect(gate.connections()).toHaveLength(1);
      await admin.query('ROLLBACK');
      released = true;
      expect(await seq.closed('a', 0)).toEqual({ kind: 'client-closed', during: 'idle' });
      expect((await admin.query<{ balance: number }>('SELECT balance FROM gate_accounts WHERE id = 2')).rows[0]?.balance).toBe(0);
      await until("the killed client's backend exits", async () => !(await backendAlive(pid)));
      await gate.drained();
    } finally {
      if (!released) await admin.query('ROLLBACK');
    }
  });

  it('a server that ends the session closes the client with its FATAL error', async () => {
    const seq = new StepSequencer(true);
    const gate = await gateFor(seq, 'a');
    const client = new pg.Client({ connectionString: gate.clientUrl });
    const clientError = new Promise<Error>((resolve) => client.on('error', resolve));
    await client.connect();
    const pid = gate.connections()[0]!.backendPid;
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    expect(await seq.closed('a', 0)).toMatchObject({ kind: 'server-closed', error: { sqlState: '57P01' } });
    expect(await clientError).toMatchObject({ message: expect.stringMatching(/terminating connection due to administrator command/) });
    await client.end().catch(() => undefined);
  });
});
