// End to end, through runMatrix with reduction on: the scenarios two adversarial testers wrote in
// a fourth round (and a fifth, on the fourth round's fixes), where the reduced exhaustive search printed a false `proven` (the footprints
// missed what a step really does to snapshots, transactions, settings or locks, or the wire gate
// misread a program's request) while `--no-reduce` found the violation. Each must be `violated`.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { programActor } from '../../harness/gate/index.ts';
import { defineScenario, type Scenario } from '../../harness/scenario/index.ts';
import { sqlActor, type ActorSpec } from '../../harness/sched/index.ts';
import { useReducedVerdict } from '../support/reduced-verdict.ts';
import { CLIENTS_DIR, named, PSQL, psqlMissing, PYTHON, pythonMissing } from '../support/client-programs.ts';

const verdictOf = useReducedVerdict();

const noPsql = psqlMissing();
const noPython = pythonMissing('socket');
const noPsycopg2 = pythonMissing('psycopg2');

/** psql running one script of test/gate/clients, stopping at the first error. */
const psqlScript = (script: string): string[] => [PSQL, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-f', join(CLIENTS_DIR, script)];
/** A Python client of test/gate/clients. */
const python = (script: string): string[] => [PYTHON, join(CLIENTS_DIR, script)];

/** The first row of a SQL actor's `step`-th statement, from the check's results. */
function rowOf(results: Readonly<Record<string, unknown>>, actor: string, step = 0): Record<string, unknown> | undefined {
  const steps = (results[actor] as { steps?: readonly { rows?: readonly Record<string, unknown>[] }[] } | undefined)?.steps;
  return steps?.[step]?.rows?.[0];
}

/** Tables t and u, and a writer inserting into u: a reader whose snapshot predates it counts 0 in u. */
const TU = 'CREATE TABLE t (x int); CREATE TABLE u (x int);';
const writerOfU = (): ActorSpec => sqlActor('writer', ['INSERT INTO u VALUES (1)']);
/** A program reader printing {"n": count of u} that must see 0 (its snapshot taken at its read of t). */
function rrProgram(name: string, reader: ActorSpec): Scenario {
  return defineScenario({
    name,
    schema: TU,
    actors: [reader, writerOfU()],
    check: ({ results }) => ((results['reader'] as { n?: number } | undefined)?.n === 0 ? undefined : `reader saw ${JSON.stringify(results['reader'])}`),
  });
}

/** An actor whose last statement must find advisory xact lock 1 free. */
const advisoryProber = (name = 'prober'): ActorSpec => sqlActor(name, [{ sql: 'SELECT pg_try_advisory_xact_lock(1) AS ok', returns: [{ ok: true }] }]);

describe('snapshots', () => {
  it('CLOSE ALL takes the REPEATABLE READ snapshot (close-snapshot)', async () => {
    // CLOSE takes the REPEATABLE READ snapshot: it was footprinted as touching nothing.
    const scenario = defineScenario({
      name: 'close-snapshot',
      schema: 'CREATE TABLE t (x int)',
      actors: [
        sqlActor('rr', ['BEGIN ISOLATION LEVEL REPEATABLE READ', 'CLOSE ALL', { sql: 'SELECT count(*)::int AS n FROM t', returns: [{ n: 0 }] }, 'COMMIT']),
        sqlActor('writer', ['INSERT INTO t VALUES (1)']),
      ],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it('a nested BEGIN keeps the REPEATABLE READ block and its snapshot (nested-begin-rr-open)', async () => {
    // A nested BEGIN does not start a new transaction: the block stays REPEATABLE READ.
    const scenario = defineScenario({
      name: 'nested-begin-rr-open',
      schema: TU,
      actors: [
        sqlActor('rr', ['BEGIN ISOLATION LEVEL REPEATABLE READ', 'BEGIN', 'SELECT count(*)::int AS n FROM t', { sql: 'SELECT count(*)::int AS n FROM u', returns: [{ n: 0 }] }]),
        writerOfU(),
      ],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it.skipIf(noPython)(named('a Flush-cut read under a REPEATABLE READ default takes the snapshot (rr-flush)', noPython), async () => {
    // A Flush-cut step under a REPEATABLE READ default takes the implicit transaction's snapshot.
    const scenario = rrProgram('rr-flush', programActor({ name: 'reader', command: python('rr_flush.py') }));
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });
});

describe('transaction state', () => {
  it('a BEGIN after a lock in one query holds the lock to COMMIT (implicit-to-block)', async () => {
    // A BEGIN after other statements in one query turns the implicit transaction into a block: its earlier locks are held to COMMIT.
    const scenario = defineScenario({
      name: 'implicit-to-block',
      actors: [sqlActor('holder', ['SELECT pg_advisory_xact_lock(1); BEGIN', 'COMMIT']), advisoryProber()],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it('the same with an INSERT after the BEGIN (begin-mid-advisory-sql)', async () => {
    // A BEGIN after other statements in one query turns the implicit transaction into a block: its earlier locks are held to COMMIT.
    const scenario = defineScenario({
      name: 'begin-mid-advisory-sql',
      schema: 'CREATE TABLE t (x int)',
      actors: [sqlActor('prog', ['SELECT pg_advisory_xact_lock(1); BEGIN; INSERT INTO t VALUES (1)', 'COMMIT']), advisoryProber('other')],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it.skipIf(noPsql)(named('the same from psql through the wire gate (begin-mid-advisory)', noPsql), async () => {
    // A BEGIN after other statements in one query turns the implicit transaction into a block: its earlier locks are held to COMMIT.
    const scenario = defineScenario({
      name: 'begin-mid-advisory',
      schema: 'CREATE TABLE t (x int)',
      actors: [
        programActor({ name: 'prog', command: [PSQL, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', 'SELECT pg_advisory_xact_lock(1); BEGIN; INSERT INTO t VALUES (1)', '-c', 'COMMIT'] }),
        advisoryProber('other'),
      ],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it('a nested BEGIN keeps the advisory lock of the open block to its COMMIT (nested-begin)', async () => {
    // A nested BEGIN does not start a new transaction: the COMMIT releases what the open block locked.
    const scenario = defineScenario({
      name: 'nested-begin',
      actors: [sqlActor('holder', ['BEGIN', 'SELECT pg_advisory_xact_lock(1)', 'BEGIN', 'COMMIT']), advisoryProber()],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it.skipIf(noPython)(named('a pipelined COMMIT skipped after an error leaves the lock held (skipped-commit-sp)', noPython), async () => {
    // A COMMIT skipped by the server after an error in its pipeline does not end the transaction.
    const scenario = defineScenario({
      name: 'skipped-commit-sp',
      schema: 'CREATE TABLE t (x int); CREATE TABLE v (x int);',
      actors: [
        programActor({ name: 'prog', command: python('skipped_commit_savepoint.py'), connections: 2 }),
        sqlActor('other', ['SELECT pg_try_advisory_xact_lock(1) AS ok, (SELECT count(*)::int FROM v) AS n']),
      ],
      check: ({ results }) => {
        const r = rowOf(results, 'other');
        return r && r['ok'] === false && r['n'] === 1 ? 'the lock was still held after the insert into v' : undefined;
      },
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });
});

describe('isolation settings', () => {
  it('ROLLBACK undoes a SET of the default isolation made in the block (set-rollback-iso)', async () => {
    // ROLLBACK undoes a SET made in the block: the next BEGIN is REPEATABLE READ again.
    const scenario = defineScenario({
      name: 'set-rollback-iso',
      schema: TU,
      actors: [
        sqlActor('rr', [
          "SET default_transaction_isolation = 'repeatable read'",
          "BEGIN; SET default_transaction_isolation = 'read committed'",
          'ROLLBACK',
          'BEGIN',
          'SELECT count(*)::int AS n FROM t',
          { sql: 'SELECT count(*)::int AS n FROM u', returns: [{ n: 0 }] },
        ]),
        writerOfU(),
      ],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it.skipIf(noPsql)(named('the same from psql through the wire gate (rr-rollback-set-psql)', noPsql), async () => {
    // ROLLBACK undoes a SET made in the block: the next BEGIN is REPEATABLE READ again.
    const scenario = rrProgram('rr-rollback-set-psql', programActor({ name: 'reader', command: psqlScript('rr_rollback_set.sql') }));
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it.skipIf(noPsql)(named("'REPEATABLE READ' in upper case, from psql (rr-upper)", noPsql), async () => {
    // Isolation level names are case-insensitive.
    const scenario = rrProgram('rr-upper', programActor({ name: 'reader', command: psqlScript('rr_upper.sql') }));
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it.skipIf(noPsycopg2)(named("psycopg2's set_session(isolation_level='REPEATABLE READ') (rr-psycopg2)", noPsycopg2), async () => {
    // Isolation level names are case-insensitive.
    const scenario = rrProgram('rr-psycopg2', programActor({ name: 'reader', command: python('rr_psycopg2.py') }));
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it.skipIf(noPsql)(named('RESET ALL brings back a REPEATABLE READ set in PGOPTIONS (rr-reset-all)', noPsql), async () => {
    // RESET ALL brings back the startup value.
    const reader = programActor({ name: 'reader', command: psqlScript('rr_reset_all.sql'), env: { PGOPTIONS: '-c default_transaction_isolation=repeatable\\ read' } });
    expect((await verdictOf(rrProgram('rr-reset-all', reader))).verdict).toBe('violated');
  });
});

describe('lock release', () => {
  it('a failing statement in a block releases its advisory lock at once (error-releases-advisory)', async () => {
    // A failing statement inside a block releases the block's locks at once, not at the ROLLBACK.
    const scenario = defineScenario({
      name: 'error-releases-advisory',
      actors: [sqlActor('holder', ['BEGIN', 'SELECT pg_advisory_xact_lock(1)', { sql: 'SELECT 1/0', fails: '22012' }, 'ROLLBACK']), advisoryProber()],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it('a failing statement in a block releases its row lock at once (error-releases-row)', async () => {
    // A failing statement inside a block releases the block's locks at once, not at the ROLLBACK.
    const scenario = defineScenario({
      name: 'error-releases-row',
      schema: 'CREATE TABLE t (x int)',
      setup: ({ sql }) => sql('INSERT INTO t VALUES (0)'),
      actors: [
        sqlActor('holder', ['BEGIN', 'UPDATE t SET x = 1', { sql: 'SELECT 1/0', fails: '22012' }, 'ROLLBACK']),
        sqlActor('prober', [{ sql: 'SELECT x FROM t FOR UPDATE NOWAIT', returns: [{ x: 0 }] }]),
      ],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it('COMMIT releases the AccessShareLock of a plain read, which LOCK TABLE NOWAIT sees (read-lock-commit)', async () => {
    // COMMIT releases the AccessShareLocks of plain reads (LOCK TABLE ... NOWAIT sees them).
    const scenario = defineScenario({
      name: 'read-lock-commit',
      schema: 'CREATE TABLE t (x int)',
      setup: ({ sql }) => sql('INSERT INTO t VALUES (0)'),
      actors: [
        sqlActor('reader', ['BEGIN', 'SELECT x FROM t', 'COMMIT']),
        sqlActor('maint', ['BEGIN', { sql: 'LOCK TABLE t IN ACCESS EXCLUSIVE MODE NOWAIT', blocks: false }, 'COMMIT']),
      ],
      check: ({ actors }) => {
        const m = actors['maint'];
        return m && m.status !== 'ok' ? `maint ended ${m.status}` : undefined;
      },
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });
});

describe('prepared statements', () => {
  it("EXECUTE of a prepared set_config('search_path') (execute-search-path)", async () => {
    // EXECUTE of a prepared set_config('search_path') changes name resolution.
    const scenario = defineScenario({
      name: 'execute-search-path',
      schema: 'CREATE SCHEMA alt; CREATE TABLE public.account (v int); CREATE TABLE alt.account (v int);',
      setup: async ({ sql }) => {
        await sql('INSERT INTO public.account VALUES (0)');
        await sql('INSERT INTO alt.account VALUES (0)');
      },
      actors: [
        sqlActor('reader', [{ sql: 'SELECT v FROM alt.account', returns: [{ v: 0 }] }]),
        sqlActor('writer', ["PREPARE p AS SELECT set_config('search_path', 'alt, public', false)", 'EXECUTE p', 'UPDATE account SET v = 1']),
      ],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it('EXPLAIN ANALYZE EXECUTE of a prepared UPDATE (explain-execute)', async () => {
    // EXPLAIN ANALYZE EXECUTE runs a prepared write.
    const scenario = defineScenario({
      name: 'explain-execute',
      schema: 'CREATE TABLE account (v int)',
      setup: ({ sql }) => sql('INSERT INTO account VALUES (0)'),
      actors: [
        sqlActor('reader', [{ sql: 'SELECT v FROM account', returns: [{ v: 0 }] }]),
        sqlActor('writer', ['PREPARE q AS UPDATE account SET v = 1', 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE q']),
      ],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });
});

describe("the wire gate's reading of requests", () => {
  it.skipIf(noPsql)(named('a LATIN1 client names the table "cafÃ©" with the bytes of "café" (latin1-name)', noPsql), async () => {
    // The gate read LATIN1 bytes as UTF-8: it footprinted the INSERT on "café", not "cafÃ©".
    const scenario = defineScenario({
      name: 'latin1-name',
      schema: 'CREATE TABLE "café" (x int); CREATE TABLE "cafÃ©" (x int);',
      actors: [
        sqlActor('reader', [{ sql: 'SELECT count(*)::int AS n FROM "cafÃ©"', returns: [{ n: 0 }] }]),
        programActor({ name: 'prog', command: psqlScript('latin1_insert.sql'), env: { PGCLIENTENCODING: 'LATIN1' } }),
      ],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it.skipIf(noPython)(named('an SJIS character ending in a backslash hides an INSERT from a UTF-8 reading (sjis-hide)', noPython), async () => {
    // The gate read SJIS bytes as UTF-8: 0x95 0x5c became an escaping backslash, the INSERT a string.
    const scenario = defineScenario({
      name: 'sjis-hide',
      schema: 'CREATE TABLE w (x int)',
      actors: [sqlActor('reader', [{ sql: 'SELECT count(*)::int AS n FROM w', returns: [{ n: 0 }] }]), programActor({ name: 'prog', command: python('sjis_hide.py') })],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it.skipIf(noPython)(named('SQL DEALLOCATE/PREPARE replace a protocol-level statement of the same name (reprepare)', noPython), async () => {
    // SQL-level DEALLOCATE/PREPARE replace a protocol-level prepared statement of the same name.
    const scenario = defineScenario({
      name: 'reprepare',
      schema: TU,
      actors: [programActor({ name: 'prog', command: python('reprepare.py') }), writerOfU()],
      check: ({ results }) => {
        const r = results['prog'] as { a?: number; b?: number } | undefined;
        return r?.a === 0 && r.b === 1 ? 'the second read of u saw the row the first did not' : undefined;
      },
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  /** A program inserting into a bare "t", which its startup options make `schema`.t; a reader of that table must count 0. */
  const startupOption = (name: string, options: string, schema: string, before: readonly string[] = []): Scenario =>
    defineScenario({
      name,
      schema: [...before, 'CREATE TABLE t (x int)', `CREATE SCHEMA ${schema}`, `CREATE TABLE ${schema}.t (x int)`, `GRANT ALL ON ${schema}.t TO PUBLIC`, `GRANT USAGE ON SCHEMA ${schema} TO PUBLIC`],
      actors: [
        sqlActor('reader', [{ sql: `SELECT count(*)::int AS n FROM ${schema}.t`, returns: [{ n: 0 }] }]),
        programActor({ name: 'prog', command: [PSQL, '-X', '-q', '-At', '-c', 'INSERT INTO t VALUES (1)'], env: { PGOPTIONS: options } }),
      ],
    });

  it.skipIf(noPsql)(named('a search_path in the startup options (spath)', noPsql), async () => {
    // Startup option search_path changes name resolution: "t" is s2.t for the program.
    expect((await verdictOf(startupOption('spath', '-c search_path=s2', 's2'))).verdict).toBe('violated');
  });

  // Roles are the cluster's, so this one is this process's own.
  const alice = `prh_probe4_alice_${process.pid}`;
  it.skipIf(noPsql)(named('a role in the startup options, whose schema "$user" comes first (srole)', noPsql), async () => {
    // Startup option role changes name resolution: "t" is the role's own schema's for the program.
    const role = `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${alice}') THEN CREATE ROLE ${alice}; END IF; END $$`;
    expect((await verdictOf(startupOption('srole', `-c role=${alice}`, alice, [role]))).verdict).toBe('violated');
  });
});
describe('requests sent before a close', () => {
  it.skipIf(noPython)(named('an INSERT sent in one write with Terminate still runs (fire-forget)', noPython), async () => {
    // A request sent just before Terminate still runs: PostgreSQL reads the Query before the Terminate.
    // The check is the tester's turned round: the run where the INSERT ran is the one to find.
    const scenario = defineScenario({
      name: 'fire-forget',
      schema: 'CREATE TABLE w (x int)',
      actors: [programActor({ name: 'prog', command: python('fire_forget.py') })],
      check: async ({ sql }) => ((await sql<{ n: number }>('SELECT count(*)::int AS n FROM w')).rows[0]?.n === 1 ? 'the INSERT sent before the Terminate ran' : undefined),
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it('a hedged INSERT on two connections, the loser closed after the first answer, still runs (hedged-insert)', async () => {
    // A request sent just before close still runs: both hedged INSERTs are in, not one.
    const scenario = defineScenario({
      name: 'hedged-insert',
      schema: 'CREATE TABLE booking (lane text NOT NULL)',
      actors: [programActor({ name: 'hedger', command: [process.execPath, join(CLIENTS_DIR, 'hedged_insert.mjs')], connections: 2 })],
      check: async ({ sql }) => {
        const { rows } = await sql<{ n: number }>('SELECT count(*)::int AS n FROM booking');
        if (rows[0]?.n !== 1) return `${rows[0]?.n} bookings`;
      },
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });
});

describe("a fifth round, on the fourth round's fixes", () => {
  it.skipIf(noPsql)(named('COMMIT AND CHAIN keeps the SET it committed; the chained ROLLBACK does not undo it (chain-set)', noPsql), async () => {
    const scenario = rrProgram('chain-set', programActor({ name: 'reader', command: psqlScript('chain_set.sql') }));
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it.skipIf(noPsql)(named('a COMMIT of a failed block rolls back the SET made in it (fail-commit-set)', noPsql), async () => {
    const command = [PSQL, '-X', '-q', '-At', '-f', join(CLIENTS_DIR, 'fail_commit_set.sql')];
    const scenario = rrProgram('fail-commit-set', programActor({ name: 'reader', command }));
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it('a statement that waited and then failed released its locks when the wait ended, at the COMMIT that ended it (wait-fail)', async () => {
    const allowed = { allowedErrors: ['40001', '55P03', '25P02'] };
    type Step = { status: string; sqlState?: string | null };
    const stepsOf = (results: Readonly<Record<string, unknown>>, actor: string): readonly Step[] => (results[actor] as { steps?: readonly Step[] } | undefined)?.steps ?? [];
    const scenario = defineScenario({
      name: 'wait-fail',
      schema: 'CREATE TABLE k (x int PRIMARY KEY, y int); CREATE TABLE m (x int)',
      setup: ({ sql }) => sql('INSERT INTO k VALUES (1, 0)'),
      actors: [
        sqlActor('B', ['BEGIN ISOLATION LEVEL REPEATABLE READ', 'LOCK TABLE m IN EXCLUSIVE MODE NOWAIT', 'UPDATE k SET y = y + 1 WHERE x = 1'], allowed),
        sqlActor('C', ['BEGIN', 'LOCK TABLE m IN SHARE MODE NOWAIT'], allowed),
        sqlActor('A', ['BEGIN', 'UPDATE k SET y = 10 WHERE x = 1 AND (SELECT true FROM k WHERE x = 1 FOR UPDATE NOWAIT)', 'COMMIT'], allowed),
      ],
      check: ({ results }) => {
        const [b, c] = [stepsOf(results, 'B'), stepsOf(results, 'C')];
        if (b[1]?.status === 'ok' && b[2]?.sqlState === '40001' && c[1]?.status === 'ok') return 'C locked m after B held it and failed while waiting';
        return undefined;
      },
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it.skipIf(noPython)(named("a program's read cut at a Flush holds its table lock to the Sync (flush-read)", noPython), async () => {
    type Step = { status: string };
    const scenario = defineScenario({
      name: 'flush-read',
      schema: 'CREATE TABLE log (x int)',
      actors: [programActor({ name: 'prog', command: python('flush_read.py') }), sqlActor('locker', ['BEGIN', 'LOCK TABLE log IN ACCESS EXCLUSIVE MODE NOWAIT', 'COMMIT'], { allowedErrors: ['55P03'] })],
      check: ({ results }) => ((results['locker'] as { steps?: readonly Step[] } | undefined)?.steps?.[1]?.status === 'error' ? 'the LOCK TABLE met the read lock' : undefined),
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it.skipIf(noPython).each([
    ['LATIN5', '"t\u0080"'],
    ['WIN1252', '"t€"'],
  ])(named('the gate reads byte 0x80 as PostgreSQL does in %s (encoding)', noPython), async (encoding, table) => {
    const scenario = defineScenario({
      name: `encoding-${encoding.toLowerCase()}`,
      schema: 'CREATE TABLE "t€" (x int); CREATE TABLE "t\u0080" (x int)',
      actors: [sqlActor('reader', [{ sql: `SELECT count(*)::int AS n FROM ${table}`, returns: [{ n: 0 }] }]), programActor({ name: 'writer', command: [...python('encoding_insert.py'), encoding] })],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });
});
