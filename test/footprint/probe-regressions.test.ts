// End to end, through runMatrix with reduction on: each scenario an outside adversary wrote to make
// an under-approximated footprint print a false `proven` (the search skipped the one interleaving
// that breaks the check). Each must now be found `violated`, as the unreduced search finds it.
import { describe, expect, it } from 'vitest';
import { defineScenario, type Scenario } from '../../harness/scenario/index.ts';
import { sqlActor, type ActorSpec } from '../../harness/sched/index.ts';
import { join } from 'node:path';
import { programActor } from '../../harness/gate/index.ts';
import { useReducedVerdict } from '../support/reduced-verdict.ts';
import { CLIENTS_DIR, named, PYTHON, pythonMissing } from '../support/client-programs.ts';

const verdictOf = useReducedVerdict();

const ACCOUNT = 'CREATE TABLE account (id int PRIMARY KEY, balance int NOT NULL)';

/** Withdraw 70 from 100 twice, each "read the balance, then pay if enough": paying is `pay`'s SQL. */
function withdrawTwice(name: string, schema: readonly string[], pay: string, read = 'SELECT balance FROM account WHERE id = 1'): Scenario {
  const actor = (n: string): ActorSpec => ({
    name: n,
    async run({ sql }) {
      const { rows } = await sql.query<{ balance: number }>(read);
      const balance = rows[0]?.balance ?? 0;
      if (balance < 70) return 'refused';
      await sql.query(pay, pay.includes('$1') ? [balance - 70] : []);
      return 'paid';
    },
  });
  return defineScenario({
    name,
    schema: [ACCOUNT, ...schema],
    setup: ({ sql }) => sql('INSERT INTO account VALUES (1, 100)'),
    actors: [actor('a'), actor('b')],
    check: async ({ sql, results }) => {
      const { rows } = await sql<{ balance: number }>('SELECT balance FROM account WHERE id = 1');
      const paid = Object.values(results).filter((r) => r === 'paid').length;
      const balance = rows[0]?.balance ?? 0;
      // A lost update (two payments, one debit) or an overdraft (two payments of one balance).
      if (100 - 70 * paid !== balance || balance < 0) return `paid ${paid} times, balance ${balance}`;
    },
  });
}

describe('scenarios that once printed a false proven are found violated', () => {
  it('a CTE named like the UPDATE target (cte-shadow)', async () => {
    const cell = await verdictOf(withdrawTwice('cte-shadow', [], 'WITH account AS (SELECT 70 AS amount) UPDATE account SET balance = balance - 70 WHERE id = 1'));
    expect(cell.verdict).toBe('violated');
  });

  it('a CTE named like the table, in a scalar subquery beside the real read (cte-scope)', async () => {
    const read = 'SELECT (WITH account AS (SELECT 1) SELECT count(*) FROM account) AS probes, balance FROM account WHERE id = 1';
    const cell = await verdictOf(withdrawTwice('cte-scope', [], 'UPDATE account SET balance = $1 WHERE id = 1', read));
    expect(cell.verdict).toBe('violated');
  });
});

describe('advisory keys written two ways', () => {
  it("4294967295 and '-1'::oid::bigint are one key (advisory-oid)", async () => {
    const candidate = (name: string, key: string): ActorSpec => ({
      name,
      async run({ sql }) {
        const { rows } = await sql.query<{ got: boolean }>(`SELECT pg_try_advisory_lock(${key}) AS got`);
        return rows[0]?.got ? 'leader' : 'follower';
      },
    });
    const scenario = defineScenario({
      name: 'advisory-oid',
      actors: [candidate('old', '4294967295'), candidate('new', "'-1'::oid::bigint")],
      check: ({ results }) => {
        if (results['old'] !== 'leader' || results['new'] !== 'follower') return `old ${String(results['old'])}, new ${String(results['new'])}`;
      },
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });
});

describe('a search_path set with set_config', () => {
  it('makes a bare table name another schema’s (set-config-search-path)', async () => {
    const withdraw = (name: string, prelude: string | null, table: string): ActorSpec => ({
      name,
      async run({ sql }) {
        if (prelude) await sql.query(prelude);
        const { rows } = await sql.query<{ balance: number }>(`SELECT balance FROM ${table} WHERE id = 1`);
        const balance = rows[0]?.balance ?? 0;
        if (balance < 70) return 'refused';
        await sql.query(`UPDATE ${table} SET balance = $1 WHERE id = 1`, [balance - 70]);
        return 'paid';
      },
    });
    const scenario = defineScenario({
      name: 'set-config-search-path',
      schema: [
        'CREATE SCHEMA billing',
        'CREATE TABLE billing.wallet (id int PRIMARY KEY, balance int NOT NULL)',
        'CREATE TABLE public.wallet (id int PRIMARY KEY, balance int NOT NULL)',
      ],
      setup: ({ sql }) => sql('INSERT INTO billing.wallet VALUES (1, 100)'),
      actors: [withdraw('qualified', null, 'billing.wallet'), withdraw('search-path', "SELECT set_config('search_path', 'billing, public', false)", 'wallet')],
      check: async ({ sql, results }) => {
        const { rows } = await sql<{ balance: number }>('SELECT balance FROM billing.wallet WHERE id = 1');
        const paid = Object.values(results).filter((r) => r === 'paid').length;
        if (100 - 70 * paid !== rows[0]?.balance) return `paid ${paid} times, balance ${rows[0]?.balance}`;
      },
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });
});

describe('user code the parse tree does not show as a call', () => {
  it('a function called in attribute notation (attr-notation)', async () => {
    const fn = `CREATE FUNCTION withdraw70(a account) RETURNS int LANGUAGE sql VOLATILE AS
      'UPDATE account SET balance = balance - 70 WHERE id = a.id RETURNING balance'`;
    const cell = await verdictOf(withdrawTwice('attr-notation', [fn], 'SELECT a.withdraw70 FROM account AS a WHERE a.id = 1'));
    expect(cell.verdict).toBe('violated');
  });
});

describe('user operators outside A_Expr', () => {
  it('x ==> ANY (subquery), where ==> debits the account (sublink-operator)', async () => {
    const schema = [
      `CREATE FUNCTION debit(acct int, amount int) RETURNS bool LANGUAGE sql VOLATILE AS
        'UPDATE account SET balance = balance - amount WHERE id = acct RETURNING true'`,
      'CREATE OPERATOR ==> (LEFTARG = int, RIGHTARG = int, FUNCTION = debit)',
    ];
    const cell = await verdictOf(withdrawTwice('sublink-operator', schema, 'SELECT 1 ==> ANY (SELECT 70)'));
    expect(cell.verdict).toBe('violated');
  });
});

describe('parameter defaults', () => {
  it('pay() runs its parameter’s DEFAULT withdraw70() (param-default)', async () => {
    const schema = [
      `CREATE FUNCTION withdraw70() RETURNS int LANGUAGE sql VOLATILE AS
        'UPDATE account SET balance = balance - 70 WHERE id = 1 RETURNING balance'`,
      `CREATE FUNCTION pay(new_balance int DEFAULT withdraw70()) RETURNS int LANGUAGE sql VOLATILE AS 'SELECT new_balance'`,
    ];
    const cell = await verdictOf(withdrawTwice('param-default', schema, 'SELECT pay()'));
    expect(cell.verdict).toBe('violated');
  });
});

describe('stable builtins that read shared state', () => {
  it('a balance read through table_to_xml (stable-builtin-read)', async () => {
    const read = "SELECT ((xpath('//balance/text()', table_to_xml('account', false, false, '')))[1])::text::int AS balance";
    const cell = await verdictOf(withdrawTwice('stable-builtin-read', [], 'UPDATE account SET balance = $1 WHERE id = 1', read));
    expect(cell.verdict).toBe('violated');
  });

  it('an outbox consumer’s txid_current_snapshot sees a producer in flight (txid-snapshot)', async () => {
    const scenario = defineScenario({
      name: 'txid-snapshot',
      schema: 'CREATE TABLE outbox (xid bigint NOT NULL, body text)',
      actors: [
        sqlActor('producer', ['BEGIN', "INSERT INTO outbox VALUES (txid_current(), 'order-1')", 'COMMIT']),
        sqlActor('other-producer', ["INSERT INTO outbox VALUES (txid_current(), 'order-2')"]),
        sqlActor('consumer', [
          'SELECT txid_snapshot_xmax(txid_current_snapshot()) AS hwm, (SELECT count(*) FROM txid_snapshot_xip(txid_current_snapshot()))::int AS in_flight',
        ]),
      ],
      check: ({ results }) => {
        const text = JSON.stringify(results);
        if (!text.includes('"in_flight":0')) return `consumer saw a producer in flight: ${text}`;
      },
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

});

describe('and those of a second round', () => {
  it('a read of a view whose function writes (view-side-effect)', async () => {
    const scenario = defineScenario({
      name: 'view-side-effect',
      schema: [
        'CREATE TABLE hits (n int)',
        'CREATE FUNCTION touch() RETURNS int LANGUAGE plpgsql AS $$ BEGIN INSERT INTO hits VALUES (1); RETURN 1; END $$',
        'CREATE VIEW counter AS SELECT touch() AS t',
      ],
      actors: [sqlActor('reader', [{ sql: 'SELECT count(*)::int AS n FROM hits', returns: [{ n: 0 }] }]), sqlActor('viewer', ['SELECT t FROM counter'])],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it('a user function named like nextval, while the call resolves to the builtin (builtin-shadow)', async () => {
    const scenario = defineScenario({
      name: 'builtin-shadow',
      schema: ['CREATE SEQUENCE ticket', "CREATE FUNCTION nextval(label text, step int) RETURNS bigint LANGUAGE sql AS 'SELECT 0::bigint'"],
      actors: [sqlActor('first', [{ sql: "SELECT nextval('ticket')::int AS v", returns: [{ v: 1 }] }]), sqlActor('second', ["SELECT nextval('ticket')"])],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it('a sequence named with another case and its schema (seq-mixed-case)', async () => {
    const scenario = defineScenario({
      name: 'seq-mixed-case',
      schema: 'CREATE SEQUENCE ticket',
      actors: [sqlActor('first', [{ sql: "SELECT nextval('ticket')::int AS v", returns: [{ v: 1 }] }]), sqlActor('second', ["SELECT nextval('public.TICKET')"])],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it("a cast to a domain whose CHECK reads a table (domain-cast)", async () => {
    const scenario = defineScenario({
      name: 'domain-cast',
      schema: ['CREATE TABLE cap (max int NOT NULL)', "CREATE FUNCTION max_qty() RETURNS int STABLE LANGUAGE sql AS 'SELECT coalesce(min(max), 100) FROM cap'", 'CREATE DOMAIN qty AS int CHECK (VALUE <= max_qty())'],
      actors: [sqlActor('order', ['SELECT 50::qty']), sqlActor('admin', ['INSERT INTO cap VALUES (10)'])],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it("EXPLAIN fixes a REPEATABLE READ transaction's snapshot (explain-snapshot)", async () => {
    const scenario = defineScenario({
      name: 'explain-snapshot',
      schema: 'CREATE TABLE t (x int)',
      actors: [
        sqlActor('rr', ['BEGIN ISOLATION LEVEL REPEATABLE READ', 'EXPLAIN SELECT 1', { sql: 'SELECT count(*)::int AS n FROM t', returns: [{ n: 0 }] }, 'COMMIT']),
        sqlActor('writer', ['INSERT INTO t VALUES (1)']),
      ],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  const noAsyncpg = pythonMissing('asyncpg');
  it.skipIf(noAsyncpg)(named("a program's Parse fixes a REPEATABLE READ transaction's snapshot (asyncpg-prepare-snapshot)", noAsyncpg), async () => {
    const scenario = defineScenario({
      name: 'asyncpg-prepare-snapshot',
      schema: 'CREATE TABLE t (x int)',
      actors: [programActor({ name: 'reader', command: [PYTHON, join(CLIENTS_DIR, 'asyncpg_rr_prepare.py')] }), sqlActor('writer', ['INSERT INTO t VALUES (1)'])],
      check: ({ results }) => ((results['reader'] as { n?: number } | undefined)?.n === 0 ? undefined : `reader saw ${JSON.stringify(results['reader'])}`),
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  // Roles are the cluster's, so each is this process's own; nothing is granted to them by name.
  const alice = `prh_probe_alice_${process.pid}`;
  const bob = `prh_probe_bob_${process.pid}`;
  const role = (name: string) => `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${name}') THEN CREATE ROLE ${name}; END IF; END $$`;
  const twoAccounts = (schema: string) => [`CREATE SCHEMA ${schema}`, 'CREATE TABLE public.account (v int)', `CREATE TABLE ${schema}.account (v int)`, 'GRANT ALL ON public.account TO PUBLIC', `GRANT ALL ON ${schema}.account TO PUBLIC`, `GRANT USAGE ON SCHEMA ${schema} TO PUBLIC`];
  const setupBoth = (schema: string) => async ({ sql }: { sql: (text: string) => Promise<unknown> }) => {
    await sql('INSERT INTO public.account VALUES (0)');
    await sql(`INSERT INTO ${schema}.account VALUES (0)`);
  };

  it('SET ROLE: the default search_path\'s "$user" is then another schema (set-role-user-schema)', async () => {
    const scenario = defineScenario({
      name: 'set-role-user-schema',
      schema: [role(alice), ...twoAccounts(alice)],
      setup: setupBoth(alice),
      actors: [sqlActor('reader', [{ sql: `SELECT v FROM ${alice}.account`, returns: [{ v: 0 }] }]), sqlActor('writer', [`SET ROLE ${alice}`, 'UPDATE account SET v = 1'])],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  it('a SECURITY DEFINER function resolves names as its owner, whose schema comes first (security-definer-user-schema)', async () => {
    const scenario = defineScenario({
      name: 'security-definer-user-schema',
      schema: [role(bob), ...twoAccounts(bob), "CREATE FUNCTION bump() RETURNS void LANGUAGE sql SECURITY DEFINER AS 'UPDATE account SET v = 1'", `ALTER FUNCTION bump() OWNER TO ${bob}`],
      setup: setupBoth(bob),
      actors: [sqlActor('reader', [{ sql: `SELECT v FROM ${bob}.account`, returns: [{ v: 0 }] }]), sqlActor('writer', ['SELECT bump()'])],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });

  const noPython = pythonMissing('socket');
  it.skipIf(noPython)(named("a program's batch cut at a Flush keeps its write in an implicit transaction until the Sync (flush-implicit-transaction)", noPython), async () => {
    const scenario = defineScenario({
      name: 'flush-implicit-transaction',
      schema: ['CREATE TABLE account (v int)', 'CREATE TABLE other (v int)'],
      setup: async ({ sql }) => {
        await sql('INSERT INTO account VALUES (0)');
        await sql('INSERT INTO other VALUES (0)');
      },
      actors: [sqlActor('reader', [{ sql: 'SELECT v FROM account', returns: [{ v: 0 }] }]), programActor({ name: 'raw', command: [PYTHON, join(CLIENTS_DIR, 'flush_then_sync.py')] })],
    });
    expect((await verdictOf(scenario)).verdict).toBe('violated');
  });
});
