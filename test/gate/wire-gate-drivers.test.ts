// Real drivers through the wire gate, each step released by a test sequencer: the steps the gate
// reports carry the SQL each driver sent and its parameter values decoded, whatever the protocol.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import type { HarnessDatabase, HarnessDatabases } from '../../harness/db/index.ts';
import { startWireGate, type StartedWireGate } from '../../harness/gate/index.ts';
import { CLIENTS_DIR, named, printed, psqlMissing, pythonMissing, runProgram, runPython, PSQL } from '../support/client-programs.ts';
import { StepSequencer } from '../support/step-sequencer.ts';
import { harnessDatabases } from '../support/test-database.ts';

const SCHEMA = `CREATE TABLE gate_accounts (id int PRIMARY KEY, balance int NOT NULL);
INSERT INTO gate_accounts VALUES (1, 100), (2, 100);`;

let dbs: HarnessDatabases;
let db: HarnessDatabase;
let seq: StepSequencer;
let gate: StartedWireGate;

beforeAll(async () => {
  dbs = await harnessDatabases();
  db = await dbs.createTemplate('gate-drivers', [{ name: 'gate schema', sql: SCHEMA }]);
});

afterAll(async () => {
  await dbs.drop(db);
});

beforeEach(async () => {
  seq = new StepSequencer(true);
  gate = await startWireGate({ serverUrl: db.url, hooks: seq.hooks('a') });
});

afterEach(async () => {
  await gate.close();
});

const ADVISORY = 'SELECT pg_advisory_xact_lock($1)';
const JDBC_JAR = '/usr/share/java/postgresql.jar';
const jdbcClasses = mkdtempSync(join(tmpdir(), 'prh-jdbc-'));
afterAll(() => rmSync(jdbcClasses, { recursive: true, force: true }));

/** Why JdbcFeatures.java cannot be compiled and run here (null when it can). */
function jdbcMissing(): string | null {
  if (!existsSync(JDBC_JAR)) return `${JDBC_JAR} is missing (apt-get install libpostgresql-jdbc-java)`;
  try {
    execFileSync('javac', ['-cp', JDBC_JAR, '-d', jdbcClasses, join(CLIENTS_DIR, 'JdbcFeatures.java')], { stdio: 'ignore' });
    return null;
  } catch {
    return 'javac cannot compile JdbcFeatures.java (apt-get install openjdk-17-jdk-headless)';
  }
}
const noJdbc = jdbcMissing();
const KEY = 4242424242424n;

describe('drivers through the wire gate', () => {
  it.skipIf(pythonMissing('asyncpg'))(named('asyncpg: a pool of two, binary parameters and results, the statement cache', pythonMissing('asyncpg')), async () => {
    const exit = await runPython('asyncpg_pool.py', gate.address);
    expect(exit.code, exit.stderrTail).toBe(0);
    const out = printed<{ pids: number[]; row: string[] }>(exit);

    // Two connections, numbered in the order they connected; the client sees the real backends.
    expect(seq.connects.map((c) => c.conn.id)).toEqual([0, 1]);
    expect(new Set(out.pids)).toEqual(new Set(seq.connects.map((c) => c.conn.backendPid)));

    // The advisory-lock key arrives as a binary int8 and decodes to the key.
    const [lock] = seq.executions(ADVISORY);
    expect(lock?.step.statements[0]).toMatchObject({ params: [KEY], paramTypes: [20] });
    expect(lock?.step.statements[0]?.statementName).toMatch(/^__asyncpg_stmt_\d+__$/);
    expect(lock?.step.detail).toBe(`SELECT pg_advisory_xact_lock(${KEY})`);

    // The second run of the cached statement is Bind/Execute only, and still known by its SQL.
    const rowSql = 'SELECT $1::int4 AS i, $2::text AS t, $3::numeric AS n, $4::uuid AS u, $5::timestamptz AS ts, $6::bool AS b, $7::float8 AS f, $8::int8[] AS a';
    const runs = seq.executions(rowSql);
    expect(runs).toHaveLength(2);
    expect(runs.map((r) => r.step.messages)).toEqual(['Bind Execute Sync', 'Bind Execute Sync']);
    expect(seq.finished.filter((f) => f.step.prepares.some((p) => p.sql === rowSql))).toHaveLength(1);
    expect(runs[1]!.step.statements[0]!.params).toEqual([
      7,
      'x',
      '-12345.678',
      '12345678-1234-5678-1234-567812345678',
      '2024-02-29 12:30:45.123456+00',
      true,
      1.5,
      [1n, null, 3n],
    ]);
    // Binary results reach the driver intact.
    expect(out.row).toEqual(['7', 'x', '-12345.678', '12345678-1234-5678-1234-567812345678', '2024-02-29 12:30:45.123456+00:00', 'True', '1.5', '[1, None, 3]']);
    // asyncpg prepares with Parse/Describe/Flush: those steps end without ReadyForQuery.
    expect(seq.finished.some((f) => f.step.end === 'flush' && f.outcome.txStatus === null && !f.step.executes)).toBe(true);
  });

  it.skipIf(pythonMissing('psycopg'))(named('psycopg 3: text and binary parameters, a named prepared statement', pythonMissing('psycopg')), async () => {
    const exit = await runPython('psycopg3_client.py', gate.address);
    expect(exit.code, exit.stderrTail).toBe(0);
    expect(printed<{ row: string[] }>(exit).row).toEqual(['hello', '8', '2024-01-02 03:04:05+00:00']);

    const lock = seq.finished.find((f) => f.step.statements[0]?.sql === 'SELECT pg_advisory_xact_lock($1)');
    expect(lock?.step.statements[0]).toMatchObject({ params: [KEY], paramTypes: [20], statementName: '' });
    expect(lock?.outcome.txStatus).toBe('T');

    const prepared = seq.finished.filter((f) => f.step.statements[0]?.statementName === '_pg3_0');
    expect(prepared.map((f) => f.step.messages)).toEqual(['Bind Describe Execute Sync', 'Bind Describe Execute Sync']);
    expect(prepared.map((f) => f.step.statements[0]!.params)).toEqual([
      ['hello', 7, '2024-01-02 03:04:05+00'],
      ['hello', 8, '2024-01-02 03:04:05+00'],
    ]);
    expect(seq.finished.find((f) => f.step.prepares.some((p) => p.name === '_pg3_0'))?.step.executes).toBe(false);
  });

  it.skipIf(pythonMissing('psycopg'))(named('psycopg 3 pipeline mode: each batch up to a Sync is one step, offered after the one before ended', pythonMissing('psycopg')), async () => {
    const exit = await runPython('psycopg3_pipeline.py', gate.address);
    expect(exit.code, exit.stderrTail).toBe(0);
    expect(printed(exit)).toEqual({ n: 42 });
    expect(seq.finished.map((f) => f.step.statements.map((s) => s.sql))).toEqual([
      ['SELECT pg_advisory_lock($1)', 'SELECT pg_advisory_unlock($1)'],
      ['SELECT $1::int + 1 AS n'],
    ]);
    expect(seq.finished[0]!.step.statements.map((s) => s.params)).toEqual([[11], [11]]);
    expect(seq.log).toEqual(['request a/0/0', 'finished a/0/0', 'request a/0/1', 'finished a/0/1']);
  });

  it.skipIf(pythonMissing('psycopg2'))(named('psycopg2: the simple protocol with the implicit transaction', pythonMissing('psycopg2')), async () => {
    const exit = await runPython('psycopg2_client.py', gate.address);
    expect(exit.code, exit.stderrTail).toBe(0);
    expect(printed<{ row: unknown[] }>(exit).row).toEqual(["it's", 5]);
    expect(seq.finished.map((f) => [f.step.protocol, f.step.detail, f.outcome.txStatus])).toEqual([
      ['simple', 'BEGIN', 'T'],
      ['simple', `SELECT pg_advisory_xact_lock(${KEY})`, 'T'],
      ['simple', "SELECT 'it''s'::text, 5::int", 'T'],
      ['simple', 'COMMIT', 'I'],
    ]);
  });

  it('node-postgres: unnamed and named statements with text parameters', async () => {
    const client = new pg.Client({ connectionString: gate.clientUrl });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(ADVISORY, [String(KEY)]);
      const named1 = await client.query({ name: 'balance', text: 'SELECT balance FROM gate_accounts WHERE id = $1', values: [1] });
      const named2 = await client.query({ name: 'balance', text: 'SELECT balance FROM gate_accounts WHERE id = $1', values: [2] });
      await client.query('COMMIT');
      expect([named1.rows, named2.rows]).toEqual([[{ balance: 100 }], [{ balance: 100 }]]);
    } finally {
      await client.end();
    }
    const lock = seq.executions(ADVISORY)[0]!;
    expect(lock.step.statements[0]).toMatchObject({ params: [String(KEY)], statementName: '' });
    const balance = seq.executions('SELECT balance FROM gate_accounts WHERE id = $1');
    expect(balance.map((b) => [b.step.messages, b.step.detail])).toEqual([
      // Text-format values are written in as quoted literals, which PostgreSQL reads the same way.
      ['Parse Bind Describe Execute Sync', "SELECT balance FROM gate_accounts WHERE id = '1'"],
      ['Bind Describe Execute Sync', "SELECT balance FROM gate_accounts WHERE id = '2'"],
    ]);
    expect(balance.map((b) => b.outcome.commandTags)).toEqual([['SELECT 1'], ['SELECT 1']]);
    expect(await seq.closed('a', 0)).toEqual({ kind: 'terminate' });
  });

  it.skipIf(noJdbc)(named('pgjdbc: a named portal fetched in pieces, named server statements past prepareThreshold, a batch', noJdbc), async () => {
    const exit = await runProgram(['java', '-cp', `${JDBC_JAR}:${jdbcClasses}`, 'JdbcFeatures'], gate.address);
    expect(exit.code, exit.stderrTail).toBe(0);
    expect(printed(exit)).toEqual({ sum: 15, key: 4242424242427 });
    const steps = seq.finished.map((f) => [f.step.messages, f.step.detail, f.outcome.commandTags]);
    // setFetchSize(2) in a transaction: one Bind of a named portal, then Execute/Sync per 2 rows,
    // each still known by its SQL; the portal is suspended (no command tag) until the last piece.
    expect(steps.slice(2, 5)).toEqual([
      ['Parse Bind Execute Parse Bind Describe Execute Sync', 'BEGIN; SELECT g FROM generate_series(1, 5) AS g', ['BEGIN']],
      ['Execute Sync', 'SELECT g FROM generate_series(1, 5) AS g', []],
      ['Execute Sync', 'SELECT g FROM generate_series(1, 5) AS g', ['SELECT 1']],
    ]);
    // Past prepareThreshold=3 the statement is S_n on the server; a Bind of it alone knows its SQL
    // and decodes the binary int8 key.
    const locks = seq.executions(ADVISORY);
    expect(locks.map((l) => l.step.statements[0]!.params)).toEqual([[KEY], [KEY + 1n], [KEY + 2n], [KEY + 3n]]);
    expect(locks.at(-1)?.step.messages).toBe('Bind Execute Sync');
    expect(locks.at(-1)?.step.statements[0]?.statementName).toMatch(/^S_\d+$/);
    // executeBatch: three Bind/Execute before one Sync are one step with three statements.
    const batch = seq.finished.find((f) => f.step.statements.length === 3);
    expect(batch?.step.detail).toBe('INSERT INTO gate_accounts (id, balance) VALUES (10, 100); INSERT INTO gate_accounts (id, balance) VALUES (11, 110); INSERT INTO gate_accounts (id, balance) VALUES (12, 120)');
    expect(batch?.outcome.commandTags).toEqual(['INSERT 0 1', 'INSERT 0 1', 'INSERT 0 1']);
    expect(seq.finished.at(-1)?.outcome).toMatchObject({ txStatus: 'I', commandTags: ['COMMIT'] });
  });

  it('postgres.js: queries pipelined on one connection are steps offered one after another, each known by its SQL', async () => {
    const exit = await runProgram([process.execPath, join(CLIENTS_DIR, 'postgresjs_pipeline.mjs')], gate.address);
    expect(exit.code, exit.stderrTail).toBe(0);
    expect(printed(exit)).toEqual({ n: [2, 11], balance: 100 });
    expect(seq.finished.map((f) => [f.step.messages, f.step.executes, f.step.detail])).toEqual([
      ['Parse Describe Flush', false, expect.stringMatching(/^prepare \w+: SELECT \$1::int \+ 1 AS n \(flush\)$/)],
      ['Bind Execute Sync', true, "SELECT '1'::int + 1 AS n"],
      ['Bind Execute Sync', true, "SELECT '10'::int + 1 AS n"],
      ['Parse Describe Flush', false, expect.stringMatching(/^prepare \w+: SELECT balance FROM gate_accounts WHERE id = \$1 \(flush\)$/)],
      ['Bind Execute Sync', true, "SELECT balance FROM gate_accounts WHERE id = '1'"],
    ]);
    // However the bytes arrived, each step was offered only after the one before it had ended.
    expect(seq.log).toEqual([0, 1, 2, 3, 4].flatMap((i) => [`request a/0/${i}`, `finished a/0/${i}`]));
  });

  it.skipIf(psqlMissing())(named('psql -f: each statement of the script is one step', psqlMissing()), async () => {
    const exit = await runProgram([PSQL, '-X', '-v', 'ON_ERROR_STOP=1', '-f', join(CLIENTS_DIR, 'script.sql')], gate.address);
    expect(exit.code, exit.stderrTail).toBe(0);
    expect(seq.connects[0]?.conn.startupParameters.get('application_name')).toBe('psql');
    expect(seq.finished.map((f) => [f.step.detail, f.outcome.commandTags])).toEqual([
      ['BEGIN;', ['BEGIN']],
      [`SELECT pg_advisory_xact_lock(${KEY});`, ['SELECT 1']],
      ['UPDATE gate_accounts SET balance = balance + 1 WHERE id = 1;', ['UPDATE 1']],
      ['COMMIT;', ['COMMIT']],
    ]);
  });
});
