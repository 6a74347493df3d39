// Footprints derived from SQL with PostgreSQL's own parser and the database's catalog: what each
// kind of statement reads and writes, and that whatever is not understood touches everything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { footprintsConflict, type Footprint } from '../../harness/footprint/index.ts';
import { loadSqlCatalog, type SqlCatalog } from '../../harness/footprint/index.ts';
import { loadSqlParser, SqlFootprinter } from '../../harness/footprint/index.ts';
import { freshDatabase } from '../support/test-database.ts';

let catalog: SqlCatalog;
let close: () => Promise<void>;

beforeAll(async () => {
  const db = await freshDatabase();
  close = db.close;
  for (const s of [
    'CREATE TABLE a (id serial PRIMARY KEY, v int)',
    'CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a(id))',
    'CREATE TABLE c (id int PRIMARY KEY)',
    'CREATE VIEW av AS SELECT * FROM a',
    'CREATE FUNCTION bump() RETURNS int LANGUAGE sql VOLATILE AS $$ UPDATE c SET id = id RETURNING 1 $$',
    "CREATE FUNCTION opaque_bump() RETURNS int LANGUAGE plpgsql VOLATILE AS $$ BEGIN EXECUTE 'UPDATE c SET id = id'; RETURN 1; END $$",
    'CREATE FUNCTION hold(k bigint) RETURNS void LANGUAGE plpgsql VOLATILE AS $$ BEGIN PERFORM pg_advisory_lock(9); END $$',
  ]) {
    await db.client.query(s);
  }
  await loadSqlParser();
  catalog = await loadSqlCatalog(db.client);
});
afterAll(async () => close());

const session = () => new SqlFootprinter(catalog, 'act:0');
const fp = (sql: string, values?: unknown[]) => session().footprint(sql, values);
const ANYTHING = ['db:*', 'act:*'];

describe('SQL footprints', () => {
  it('a plain SELECT reads its tables; an UPDATE writes its table; a join reads both', () => {
    expect(fp('SELECT v FROM a WHERE id = 1')).toEqual(['act:0', 'r:db:t:public.a']);
    expect(fp('SELECT * FROM c JOIN a ON true')).toEqual(expect.arrayContaining(['r:db:t:public.c', 'r:db:t:public.a']));
    expect(fp('UPDATE c SET id = 2 WHERE id = 1')).toEqual(['act:0', 'db:t:public.c']);
  });

  it('a write reaches the tables linked by foreign keys and the sequences of their defaults', () => {
    expect(fp('INSERT INTO b VALUES (1, 1)')).toEqual(expect.arrayContaining(['db:t:public.b', 'db:t:public.a', 'db:s:public.a_id_seq']));
    expect(fp('DELETE FROM a')).toEqual(expect.arrayContaining(['db:t:public.a', 'db:t:public.b']));
  });

  it('FOR UPDATE, LOCK TABLE and data-modifying CTEs count as writes', () => {
    expect(fp('SELECT * FROM c FOR UPDATE')).toContain('db:t:public.c');
    expect(fp('LOCK TABLE c IN EXCLUSIVE MODE')).toContain('db:t:public.c');
    expect(fp('WITH x AS (UPDATE c SET id = id RETURNING id) SELECT * FROM x')).toContain('db:t:public.c');
  });

  it('advisory locks take their keys from constants and bound parameters; an expression makes them all', () => {
    expect(fp('SELECT pg_advisory_xact_lock($1)', [42])).toContain('db:a:42');
    expect(fp('SELECT pg_advisory_xact_lock(-7)')).toContain('db:a:-7');
    expect(fp('SELECT pg_advisory_lock(1, 2)')).toContain('db:a:1,2');
    expect(fp("SELECT pg_advisory_xact_lock(hashtext('x'))")).toContain('db:a:*');
  });

  it('BEGIN, SET TRANSACTION and SET LOCAL touch nothing another session sees', () => {
    const s = session();
    for (const sql of ['BEGIN', 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', "SET LOCAL lock_timeout = '1s'", 'BEGIN ISOLATION LEVEL REPEATABLE READ']) {
      expect(s.footprint(sql)).toEqual(['act:0']);
    }
  });

  it('COMMIT publishes what the transaction wrote; a repeatable-read snapshot reads everything', () => {
    const s = session();
    s.footprint('BEGIN');
    s.footprint('UPDATE c SET id = 3 WHERE id = 2');
    s.footprint('SELECT pg_advisory_xact_lock(5)');
    expect(s.footprint('COMMIT')).toEqual(expect.arrayContaining(['db:t:public.c', 'db:a:5']));
    expect(s.footprint('COMMIT')).toEqual(['act:0']);
    s.footprint('BEGIN ISOLATION LEVEL REPEATABLE READ');
    expect(s.footprint('SELECT 1 FROM c')).toContain('r:*');
    expect(s.footprint('SELECT 1 FROM c')).not.toContain('r:*');
  });

  it('a serializable transaction commits against everything', () => {
    const s = session();
    s.footprint('BEGIN');
    s.footprint('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE');
    s.footprint('SELECT 1 FROM c');
    expect(s.footprint('COMMIT')).toEqual(expect.arrayContaining(ANYTHING));
  });

  it('what is not understood touches everything: views, opaque user functions, unknown tables, DDL, unparsable text, a changed search_path', () => {
    expect(fp('SELECT * FROM av')).toContain('r:db:*');
    // A SQL function's body is read: it writes c, not everything; a C or dynamic one is opaque.
    expect(fp('SELECT bump()')).toEqual(expect.arrayContaining(['db:t:public.c']));
    expect(fp('SELECT bump()')).not.toContain('db:*');
    expect(fp('SELECT opaque_bump()')).toEqual(expect.arrayContaining(ANYTHING));
    expect(fp('SELECT * FROM nowhere')).toEqual(expect.arrayContaining(ANYTHING));
    expect(fp('CREATE TABLE d (x int)')).toEqual(expect.arrayContaining(ANYTHING));
    expect(fp('SELEKT 1')).toEqual(expect.arrayContaining(ANYTHING));
    expect(fp('SELECT * FROM pg_locks')).toContain('r:*');
    const s = session();
    s.footprint('SET search_path TO other');
    expect(s.footprint('SELECT * FROM c')).toEqual(expect.arrayContaining(ANYTHING));
  });

  it("asyncpg's pool reset (advisory unlock, CLOSE ALL, UNLISTEN *, RESET ALL) touches only the session's own session-level advisory locks, and later statements stay understood", () => {
    const RESET = 'SELECT pg_advisory_unlock_all();\nCLOSE ALL;\nUNLISTEN *;\nRESET ALL;';
    const s = session();
    // Nothing held: another session sees nothing of it (what made the Python bot's search explode).
    expect(s.footprint(RESET)).toEqual(['act:0']);
    expect(s.footprint('UPDATE c SET id = 2 WHERE id = 1')).toEqual(['act:0', 'db:t:public.c']);
    // A transaction's advisory locks are gone at its end: the reset releases none of them.
    s.footprint('BEGIN');
    s.footprint('SELECT pg_advisory_xact_lock($1)', [5]);
    s.footprint('COMMIT');
    expect(s.footprint(RESET)).toEqual(['act:0']);
    // Session-level locks are released, each by its key; once, then nothing is held.
    s.footprint('SELECT pg_advisory_lock(3)');
    s.footprint('SELECT pg_try_advisory_lock_shared($1)', [4]);
    expect(s.footprint(RESET)).toEqual(expect.arrayContaining(['db:a:3', 'db:a:4']));
    expect(s.footprint(RESET)).toEqual(['act:0']);
    // A lock taken in a function's body may be a session-level one; code it cannot see into may
    // have taken any: every advisory key.
    s.footprint('SELECT hold(1)');
    expect(s.footprint(RESET)).toContain('db:a:9');
    s.footprint('SELECT opaque_bump()');
    // ... and may have moved the search_path too (EXECUTE 'SET search_path ...', set_config): the
    // reset's own names are then untrusted, and it touches everything (every advisory key among it).
    expect(s.footprint(RESET)).toEqual(expect.arrayContaining(ANYTHING));
    expect(footprintsConflict(s.footprint(RESET), ['act:1', 'db:a:12345'])).toBe(true);
    const t = session();
    t.footprint('DO $$ BEGIN PERFORM pg_advisory_lock(1); END $$');
    expect(t.footprint('SELECT pg_advisory_unlock_all()')).toEqual(expect.arrayContaining(ANYTHING));
    // The engine's reset between runs releases them all.
    const v = session();
    v.footprint('SELECT pg_advisory_lock(1)');
    v.reset();
    expect(v.footprint('SELECT pg_advisory_unlock_all()')).toEqual(['act:0']);
    // RESET ALL does not make a changed search_path known again.
    const u = session();
    u.footprint('SET search_path TO other');
    u.footprint('RESET ALL');
    expect(u.footprint('SELECT * FROM c')).toEqual(expect.arrayContaining(ANYTHING));
  });

  it('conflicts: reads commute, a write conflicts with a read of the same key, wildcards cover their prefix', () => {
    const conflict = (a: Footprint, b: Footprint) => footprintsConflict(a, b);
    expect(conflict(['r:db:t:x'], ['r:db:t:x'])).toBe(false);
    expect(conflict(['r:db:t:x'], ['db:t:x'])).toBe(true);
    expect(conflict(['db:t:x'], ['db:t:y'])).toBe(false);
    expect(conflict(['db:a:*'], ['db:a:5'])).toBe(true);
    expect(conflict(['r:*'], ['ex:binance'])).toBe(true);
    expect(conflict(['db:*'], ['ex:binance'])).toBe(false);
    expect(conflict(['db:*'], ['r:db:t:x'])).toBe(true);
  });
});
