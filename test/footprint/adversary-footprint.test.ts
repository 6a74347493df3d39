// Footprints an outside adversary found too small (each made the reduced search skip the
// interleaving that breaks a check, and print a false `proven`): a CTE named like a table, a
// function called in attribute notation, user operators outside A_Expr, parameter defaults,
// stable builtins that read shared state, set_config, and advisory keys through casts.
import { describe, expect, it } from 'vitest';
import { footprintsConflict, SqlFootprinter, type Footprint } from '../../harness/footprint/index.ts';
import { catalogOf } from './catalog-of.ts';

const main = catalogOf([
    'CREATE TABLE account (id int PRIMARY KEY, balance int NOT NULL)',
    'CREATE TABLE other (id int PRIMARY KEY)',
    'CREATE SCHEMA billing',
    'CREATE TABLE billing.wallet (id int PRIMARY KEY, balance int NOT NULL)',
    `CREATE FUNCTION withdraw70(a account) RETURNS int LANGUAGE sql VOLATILE AS 'UPDATE account SET balance = balance - 70 WHERE id = a.id RETURNING balance'`,
    `CREATE FUNCTION withdraw_any() RETURNS int LANGUAGE sql VOLATILE AS 'UPDATE account SET balance = balance - 70 WHERE id = 1 RETURNING balance'`,
    `CREATE FUNCTION pay(new_balance int DEFAULT withdraw_any()) RETURNS int LANGUAGE sql VOLATILE AS 'SELECT new_balance'`,
    `CREATE FUNCTION debit(acct int, amount int) RETURNS bool LANGUAGE sql VOLATILE AS 'UPDATE account SET balance = balance - amount WHERE id = acct RETURNING true'`,
    'CREATE OPERATOR ==> (LEFTARG = int, RIGHTARG = int, FUNCTION = debit)',
    `CREATE FUNCTION debit_other(acct int, amount int) RETURNS bool LANGUAGE sql VOLATILE AS 'UPDATE other SET id = id WHERE id = acct RETURNING true'`,
    'CREATE OPERATOR <== (LEFTARG = int, RIGHTARG = int, FUNCTION = debit_other, COMMUTATOR = ==>)',
    'CREATE SEQUENCE order_no',
    'CREATE SEQUENCE "Mixed_Seq"',
    `CREATE FUNCTION move_path() RETURNS text LANGUAGE plpgsql VOLATILE AS $$ BEGIN RETURN set_config('search_path', 'billing, public', false); END $$`,
]);

const session = () => new SqlFootprinter(main.catalog(), 'act:0');
const fp = (sql: string, values?: unknown[]) => session().footprint(sql, values);
const ANYTHING = ['db:*', 'act:*'];
/** Whether a statement conflicts with another session's write of `account`. */
const racesAccountWrite = (f: Footprint) => footprintsConflict(f, ['act:1', 'db:t:public.account']);

describe('a CTE named like a table', () => {
  it('never hides the target of INSERT, UPDATE, DELETE or MERGE', () => {
    expect(fp('WITH account AS (SELECT 70 AS x) UPDATE account SET balance = balance - 70 WHERE id = 1')).toContain('db:t:public.account');
    expect(fp('WITH account AS (SELECT 1 AS id, 2 AS balance) INSERT INTO account SELECT * FROM account')).toContain('db:t:public.account');
    expect(fp('WITH account AS (SELECT 1) DELETE FROM account')).toContain('db:t:public.account');
    expect(fp('WITH account AS (SELECT 1 AS id) MERGE INTO account USING other ON account.id = other.id WHEN MATCHED THEN DELETE')).toContain(
      'db:t:public.account',
    );
  });

  it('is visible only in the query level that defines it and below', () => {
    // The CTE lives in the scalar subquery; the outer FROM reads the real table.
    expect(fp('SELECT (WITH account AS (SELECT 1) SELECT count(*) FROM account) AS n, balance FROM account WHERE id = 1')).toContain('r:db:t:public.account');
    // Inside its level (and in a subquery below it) the name is the CTE's.
    expect(fp('WITH account AS (SELECT 1 AS id) SELECT * FROM other WHERE id IN (SELECT id FROM account)')).not.toContain('r:db:t:public.account');
  });

  it('without RECURSIVE, a CTE body naming itself or a later CTE reads the real table; with RECURSIVE it is the CTE', () => {
    expect(fp('WITH account AS (SELECT * FROM account) SELECT * FROM account')).toContain('r:db:t:public.account');
    expect(fp('WITH a AS (SELECT * FROM account), account AS (SELECT 1) SELECT * FROM a')).toContain('r:db:t:public.account');
    expect(fp('WITH RECURSIVE account(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM account WHERE id < 3) SELECT * FROM account')).not.toContain(
      'r:db:t:public.account',
    );
  });
});

describe('advisory-lock keys', () => {
  it('are known only for integer literals, their negation, casts of them to integer types, and bound parameters', () => {
    expect(fp('SELECT pg_advisory_lock(4294967295)')).toContain('db:a:4294967295');
    expect(fp('SELECT pg_advisory_lock(-5::int8)')).toContain('db:a:-5');
    expect(fp('SELECT pg_advisory_lock(7::bigint)')).toContain('db:a:7');
    expect(fp('SELECT pg_advisory_lock($1)', ['12'])).toContain('db:a:12');
  });

  it("through any other cast, or from a string, the key is unknown: '-1'::oid::bigint locks 4294967295", () => {
    const oid = fp("SELECT pg_advisory_lock('-1'::oid::bigint)");
    expect(oid).toContain('db:a:*');
    expect(footprintsConflict(oid, ['act:1', 'db:a:4294967295'])).toBe(true);
    expect(fp("SELECT pg_advisory_lock('5')")).toContain('db:a:*');
    expect(fp("SELECT pg_advisory_lock('5'::bigint)")).toContain('db:a:*');
    expect(fp('SELECT pg_advisory_lock(5::numeric::bigint)')).toContain('db:a:*');
    expect(fp('SELECT pg_advisory_lock($1::oid::bigint)', [-1])).toContain('db:a:*');
  });
});

describe('set_config', () => {
  it('makes every later statement of the session untrusted, as SET search_path does, until the session is reset', () => {
    const s = session();
    expect(s.footprint("SELECT set_config('search_path', 'billing, public', false)")).toEqual(expect.arrayContaining(ANYTHING));
    expect(s.footprint('SELECT balance FROM account WHERE id = 1')).toEqual(expect.arrayContaining(ANYTHING));
    s.reset();
    expect(s.footprint('SELECT balance FROM account WHERE id = 1')).not.toContain('db:*');
    // The name may be computed: any call counts.
    const t = session();
    t.footprint("SELECT set_config(lower('SEARCH_PATH'), 'billing', true)");
    expect(t.footprint('UPDATE account SET balance = 0')).toEqual(expect.arrayContaining(ANYTHING));
  });

  it('called inside a user function counts too', () => {
    const s = session();
    s.footprint('SELECT move_path()');
    expect(s.footprint('SELECT balance FROM account WHERE id = 1')).toEqual(expect.arrayContaining(ANYTHING));
    // In one text, the statement after it already.
    expect(session().footprint("SELECT set_config('search_path', 'billing', false); SELECT * FROM other")).toEqual(expect.arrayContaining(ANYTHING));
  });
});

describe('a function called in attribute notation', () => {
  it('`a.withdraw70` and `(a).withdraw70` call withdraw70(a): its writes are the statement’s', () => {
    expect(fp('SELECT a.withdraw70 FROM account AS a WHERE a.id = 1')).toContain('db:t:public.account');
    expect(fp('SELECT (a).withdraw70 FROM account AS a WHERE a.id = 1')).toContain('db:t:public.account');
    expect(fp('SELECT account.withdraw70 FROM account')).toContain('db:t:public.account');
    // A column of that name is just read; a function taking no argument cannot be called so.
    expect(fp('SELECT a.balance FROM account AS a')).toEqual(['act:0', 'r:db:t:public.account']);
    expect(fp('SELECT o.withdraw_any FROM other AS o')).toEqual(['act:0', 'r:db:t:public.other']);
  });
});

describe('user operators outside A_Expr', () => {
  const writesAccount = (sql: string) => expect(fp(sql), sql).toContain('db:t:public.account');
  it('x op ANY (subquery), ORDER BY … USING op, and row comparisons with a subquery run the operator’s function', () => {
    writesAccount('SELECT 1 ==> ANY (SELECT 70)');
    writesAccount('SELECT 1 ==> ALL (SELECT 70)');
    writesAccount('SELECT id FROM other ORDER BY id USING ==>');
    writesAccount('SELECT array_agg(id ORDER BY id USING ==>) FROM other');
    writesAccount('SELECT ROW(1) ==> (SELECT 70)');
    writesAccount('SELECT ROW(1, 2) ==> ROW(3, 4)');
    writesAccount('SELECT OPERATOR(public.==>)(1, 2)');
  });

  it('a commutator’s function counts (the planner may swap the operands): <== runs debit too', () => {
    writesAccount('SELECT 1 <== 2');
    expect(fp('SELECT 1 <== 2')).toContain('db:t:public.other');
  });
});

describe('operators named implicitly, and operator classes and casts of the user', () => {
  const implicit = catalogOf([
      'CREATE TABLE account (id int PRIMARY KEY, balance int NOT NULL)',
      'CREATE TABLE ledger (n int)',
      'CREATE TYPE cents AS (v int)',
      `CREATE FUNCTION cents_eq(a cents, b cents) RETURNS bool LANGUAGE sql VOLATILE AS 'UPDATE account SET balance = balance - 1 RETURNING (a).v = (b).v'`,
      'CREATE OPERATOR = (LEFTARG = cents, RIGHTARG = cents, FUNCTION = cents_eq)',
      `CREATE FUNCTION cents_ge(a cents, b cents) RETURNS bool LANGUAGE sql VOLATILE AS 'UPDATE account SET balance = balance - 1 RETURNING (a).v >= (b).v'`,
      'CREATE OPERATOR >= (LEFTARG = cents, RIGHTARG = cents, FUNCTION = cents_ge)',
      `CREATE FUNCTION cents_cmp(a cents, b cents) RETURNS int LANGUAGE sql VOLATILE AS 'INSERT INTO ledger VALUES (1) RETURNING 0'`,
      `CREATE FUNCTION cents_lt(a cents, b cents) RETURNS bool LANGUAGE sql IMMUTABLE AS 'SELECT (a).v < (b).v'`,
      'CREATE OPERATOR < (LEFTARG = cents, RIGHTARG = cents, FUNCTION = cents_lt)',
      'CREATE OPERATOR CLASS cents_ops DEFAULT FOR TYPE cents USING btree AS OPERATOR 1 <, OPERATOR 3 =, FUNCTION 1 cents_cmp(cents, cents)',
  ]);
  const at = (sql: string) => new SqlFootprinter(implicit.catalog(), 'act:0').footprint(sql);

  it('IN lists, IS DISTINCT FROM, NULLIF, CASE x WHEN, JOIN USING and BETWEEN look their operators up by name', () => {
    for (const sql of [
      'SELECT ROW(1)::cents IN (ROW(2)::cents)',
      'SELECT ROW(1)::cents IS DISTINCT FROM ROW(2)::cents',
      'SELECT NULLIF(ROW(1)::cents, ROW(2)::cents)',
      'SELECT CASE ROW(1)::cents WHEN ROW(2)::cents THEN 1 END',
      'SELECT ROW(1)::cents IN (SELECT ROW(2)::cents)',
      'SELECT * FROM (SELECT ROW(1)::cents AS c) x JOIN (SELECT ROW(1)::cents AS c) y USING (c)',
      'SELECT ROW(1)::cents BETWEEN ROW(0)::cents AND ROW(2)::cents',
    ]) {
      expect(at(sql), sql).toContain('db:t:public.account');
    }
  });

  it('a user operator class’s functions may run in any statement (ORDER BY, DISTINCT, GROUP BY use it with no name)', () => {
    expect(at('SELECT DISTINCT c FROM (SELECT ROW(1)::cents AS c) x')).toContain('db:t:public.ledger');
    expect(at('SELECT 1')).toContain('db:t:public.ledger');
  });
});

describe('parameter defaults', () => {
  it('a call may leave an argument out: the default expression runs at the call site, so it counts', () => {
    expect(fp('SELECT pay()')).toContain('db:t:public.account');
    // Conservatively also when the argument is given (the call's arity is not resolved).
    expect(fp('SELECT pay(5)')).toContain('db:t:public.account');
  });
});

describe('stable builtins', () => {
  it('that run queries (the XML exports, refcursors) touch everything', () => {
    for (const sql of [
      "SELECT table_to_xml('account', false, false, '')",
      "SELECT query_to_xml('SELECT a.withdraw70 FROM account a', false, false, '')",
      "SELECT cursor_to_xml('c', 1, false, false, '')",
      "SELECT schema_to_xml('public', false, false, '')",
      "SELECT database_to_xml(false, false, '')",
      "SELECT table_to_xml_and_xmlschema('account', false, false, '')",
    ]) {
      expect(fp(sql), sql).toEqual(expect.arrayContaining(ANYTHING));
    }
  });

  it('that see other sessions’ transactions read everything', () => {
    for (const sql of [
      'SELECT txid_snapshot_xmax(txid_current_snapshot())',
      'SELECT pg_current_snapshot()',
      'SELECT age(xmin) FROM other',
      'SELECT mxid_age(xmin) FROM other',
      "INSERT INTO other VALUES (txid_current())",
    ]) {
      expect(racesAccountWrite(fp(sql)), sql).toBe(true);
    }
  });

  it('that depend only on arguments, settings and the catalog stay pure', () => {
    for (const sql of ["SELECT now(), to_char(now(), 'YYYY'), current_setting('work_mem')", "SELECT has_table_privilege('account', 'SELECT'), to_regclass('account')"]) {
      expect(fp(sql), sql).toEqual(['act:0']);
    }
  });
});

describe('a sequence named in nextval or setval', () => {
  it('is read as PostgreSQL reads a regclass: unquoted names fold to lower case, quoted ones keep theirs', () => {
    expect(fp("SELECT nextval('ORDER_NO')")).toContain('db:s:public.order_no');
    expect(fp("SELECT nextval('Public.Order_No')")).toContain('db:s:public.order_no');
    expect(fp(`SELECT nextval('"Mixed_Seq"')`)).toContain('db:s:public.Mixed_Seq');
    expect(fp(`SELECT setval('public."Mixed_Seq"', 5)`)).toContain('db:s:public.Mixed_Seq');
    // The same sequence however it is spelled: the two calls conflict.
    expect(footprintsConflict(fp("SELECT nextval('public.ORDER_NO')"), ['act:1', 'db:s:public.order_no'])).toBe(true);
  });

  it('is every sequence when the text names none the catalog knows (or is malformed)', () => {
    expect(fp("SELECT nextval('mixed_seq')")).toContain('db:s:*');
    expect(fp("SELECT nextval('no_such_seq')")).toContain('db:s:*');
    expect(fp(`SELECT nextval('"unterminated')`)).toContain('db:s:*');
    expect(fp('SELECT nextval($1)', ['Order_No'])).toContain('db:s:public.order_no');
  });
});

describe("a domain's CHECK", () => {
  const withDomain = catalogOf([
      'CREATE TABLE cap (id int PRIMARY KEY, max int NOT NULL)',
      "CREATE FUNCTION cap_max() RETURNS int STABLE LANGUAGE sql AS 'SELECT max FROM cap WHERE id = 1'",
      'CREATE DOMAIN capped AS int CHECK (VALUE <= cap_max())',
  ]);

  it('is evaluated by any cast to the domain, not only by a write to a column of it: its functions count', () => {
    const at = (sql: string, values?: unknown[]) => new SqlFootprinter(withDomain.catalog(), 'act:0').footprint(sql, values);
    expect(at("SELECT '5'::capped")).toContain('r:db:t:public.cap');
    expect(at('SELECT $1::capped', ['5'])).toContain('r:db:t:public.cap');
  });
});

describe('a constant through a cast', () => {
  it('is known only through casts that keep its text: a length limit may cut a NOTIFY channel', () => {
    expect(fp("SELECT pg_notify('jobs'::text, 'x')")).toContain('db:n:jobs');
    expect(fp("SELECT pg_notify('jobs-and-more'::char(4), 'x')")).toContain('db:n:*');
    expect(fp("SELECT nextval('order_no'::regclass)")).toContain('db:s:public.order_no');
  });
});
