// Unit view of what the catalog attaches to a table, against a real catalog: each kind of attached
// expression adds what its functions touch to inserts and updates (not to deletes or reads), and
// what cannot be read (a dynamic body, a user operator class) makes the write touch everything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSqlCatalog, SqlFootprinter, type Footprint, type SqlCatalog } from '../../harness/footprint/index.ts';
import { freshDatabase } from '../support/test-database.ts';

let catalog: SqlCatalog;
let close: () => Promise<void>;

beforeAll(async () => {
  const db = await freshDatabase();
  close = db.close;
  for (const s of [
    'CREATE TABLE src (id int PRIMARY KEY, n int NOT NULL)',
    'CREATE TABLE other (id int PRIMARY KEY)',
    "CREATE FUNCTION reads_src() RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT coalesce(max(n), 0) FROM public.src'",
    'CREATE FUNCTION writes_src() RETURNS int LANGUAGE plpgsql AS $$ BEGIN UPDATE src SET n = n + 1; RETURN 1; END $$',
    // A chain: outer() calls inner(), which reads other; recursion is fine.
    'CREATE FUNCTION inner_fn(x int) RETURNS int IMMUTABLE LANGUAGE sql BEGIN ATOMIC SELECT count(*)::int FROM public.other; END',
    'CREATE FUNCTION outer_fn(x int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN IF x <= 0 THEN RETURN 0; END IF; RETURN public.inner_fn(x) + public.outer_fn(x - 1); END $$',
    "CREATE FUNCTION dynamic_fn() RETURNS int LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'SELECT 1'; RETURN 1; END $$",
    'CREATE TABLE gen (id int PRIMARY KEY, g int GENERATED ALWAYS AS (id + reads_src()) STORED)',
    'CREATE TABLE idx (id int PRIMARY KEY, v int)',
    'CREATE INDEX idx_expr ON idx ((v + reads_src()))',
    'CREATE TABLE part (id int PRIMARY KEY, v int)',
    'CREATE UNIQUE INDEX part_pred ON part (v) WHERE v > outer_fn(1)',
    'CREATE DOMAIN d1 AS int DEFAULT writes_src()',
    'CREATE TABLE arr (id int PRIMARY KEY, xs d1[])',
    'CREATE TABLE dyn (id int PRIMARY KEY, v int DEFAULT dynamic_fn())',
    'CREATE TABLE parent (id int PRIMARY KEY)',
    'CREATE TABLE child (id int PRIMARY KEY, p int DEFAULT writes_src() REFERENCES parent(id) ON DELETE SET DEFAULT)',
  ]) {
    await db.client.query(s);
  }
  catalog = await loadSqlCatalog(db.client);
});
afterAll(async () => close());

const fp = (sql: string): Footprint => new SqlFootprinter(catalog, 'act:0').footprint(sql);
const everything = (f: Footprint) => f.includes('db:*');

describe('attached expressions in write footprints', () => {
  it('a generated column and an expression index read what their function reads, on insert and update only', () => {
    for (const sql of ['INSERT INTO gen (id) VALUES (1)', 'UPDATE gen SET id = 2', 'INSERT INTO idx VALUES (1, 1)', 'UPDATE idx SET v = 2']) {
      expect(fp(sql), sql).toContain('r:db:t:public.src');
      expect(everything(fp(sql)), sql).toBe(false);
    }
    expect(fp('DELETE FROM gen')).not.toContain('r:db:t:public.src');
    expect(fp('SELECT * FROM idx')).not.toContain('r:db:t:public.src');
  });

  it("a partial index's predicate follows a function chain (recursion included) into a BEGIN ATOMIC body", () => {
    expect(fp('INSERT INTO part VALUES (1, 1)')).toContain('r:db:t:public.other');
    expect(everything(fp('INSERT INTO part VALUES (1, 1)'))).toBe(false);
  });

  it("a domain's default reached through an array column writes what its PL/pgSQL function writes", () => {
    expect(fp('INSERT INTO arr VALUES (1, ARRAY[1])')).toContain('db:t:public.src');
  });

  it('ON DELETE SET DEFAULT: deleting the parent evaluates the child column default', () => {
    expect(fp('DELETE FROM parent WHERE id = 1')).toContain('db:t:public.src');
  });

  it('a called function that is not understood makes the write touch everything', () => {
    expect(everything(fp('INSERT INTO dyn VALUES (1)'))).toBe(true);
    expect(everything(fp('SELECT * FROM dyn'))).toBe(false);
  });
});
