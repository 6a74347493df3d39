// Trigger footprints from PostgreSQL's PL/pgSQL parser and a real catalog: a write adds what the
// triggers it fires read and write (recursively), and a trigger we cannot read touches everything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { footprintsConflict, type Footprint } from '../../harness/footprint/index.ts';
import { loadSqlCatalog, type SqlCatalog } from '../../harness/footprint/index.ts';
import { SqlFootprinter } from '../../harness/footprint/index.ts';
import { freshDatabase } from '../support/test-database.ts';

let catalog: SqlCatalog;
let close: () => Promise<void>;

const trigger = (name: string, table: string, events: string, body: string, extra = '') => [
  `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql ${extra} AS $$ ${body} $$`,
  `CREATE TRIGGER ${name} AFTER ${events} ON ${table} FOR EACH ROW EXECUTE FUNCTION ${name}()`,
];

beforeAll(async () => {
  // The bot's schema (monitoring.positions and its history trigger) is in every fresh database.
  const db = await freshDatabase();
  close = db.close;
  for (const s of [
    'CREATE TABLE src (id int PRIMARY KEY, v int)',
    'CREATE TABLE sink (id serial PRIMARY KEY, v int)',
    'CREATE TABLE far (id int PRIMARY KEY, n int)',
    'CREATE TABLE unrelated (id int PRIMARY KEY)',
    'CREATE TABLE dyn (id int PRIMARY KEY)',
    'CREATE TABLE calls (id int PRIMARY KEY)',
    'CREATE TABLE performs (id int PRIMARY KEY)',
    'CREATE TABLE loops (id int PRIMARY KEY, n int)',
    'CREATE TABLE recs (id int PRIMARY KEY)',
    'CREATE TABLE recs_default (id int PRIMARY KEY)',
    'CREATE TABLE guarded (id int PRIMARY KEY, v int)',
    'CREATE TABLE configured (id int PRIMARY KEY)',
    'CREATE TABLE parent (id int PRIMARY KEY)',
    'CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent(id) ON DELETE CASCADE)',
    'CREATE FUNCTION bump() RETURNS int LANGUAGE sql VOLATILE AS $$ UPDATE unrelated SET id = id RETURNING 1 $$',
    "CREATE FUNCTION opaque_bump() RETURNS int LANGUAGE plpgsql VOLATILE AS $$ BEGIN EXECUTE 'UPDATE unrelated SET id = id'; RETURN 1; END $$",
    'CREATE TABLE calls_opaque (id int PRIMARY KEY)',
    // src → sink (and, through sink's own trigger, far); the assignment and the IF read `far`.
    ...trigger('src_to_sink', 'src', 'INSERT OR UPDATE', `DECLARE n int; BEGIN
       n := (SELECT count(*) FROM far);
       IF EXISTS (SELECT 1 FROM far WHERE id = NEW.id) THEN n := n + 1; END IF;
       INSERT INTO sink (v) VALUES (NEW.v + n); RETURN NEW; END`),
    ...trigger('sink_to_far', 'sink', 'INSERT', 'BEGIN UPDATE far SET n = n + 1 WHERE id = 1; RETURN NEW; END'),
    ...trigger('dyn_exec', 'dyn', 'INSERT', "BEGIN EXECUTE 'INSERT INTO unrelated VALUES (' || NEW.id || ')'; RETURN NEW; END"),
    ...trigger('calls_user', 'calls', 'INSERT', 'BEGIN IF bump() > 0 THEN RETURN NEW; END IF; RETURN NEW; END'),
    ...trigger('performs_unknown', 'performs', 'INSERT', 'BEGIN PERFORM bump(); RETURN NEW; END'),
    ...trigger('calls_opaque_fn', 'calls_opaque', 'INSERT', 'BEGIN PERFORM opaque_bump(); RETURN NEW; END'),
    // Recursive: updates its own table (the cycle is cut by the visited set, not by giving up).
    ...trigger('loops_self', 'loops', 'UPDATE', 'BEGIN IF NEW.n < 3 THEN UPDATE loops SET n = n + 1 WHERE id = NEW.id; END IF; RETURN NEW; END'),
    ...trigger('recs_plain', 'recs', 'INSERT', `DECLARE r record; BEGIN
       FOR r IN SELECT * FROM far LOOP NULL; END LOOP; RETURN NEW; END`),
    ...trigger('recs_with_default', 'recs_default', 'INSERT', `DECLARE
       r far := (SELECT f FROM far f WHERE f.id = 1 FOR UPDATE); BEGIN RETURN NEW; END`),
    'CREATE FUNCTION guarded_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$',
    'CREATE TRIGGER guarded_fn AFTER UPDATE ON guarded FOR EACH ROW WHEN (bump() > 0) EXECUTE FUNCTION guarded_fn()',
    ...trigger('configured_fn', 'configured', 'INSERT', 'BEGIN INSERT INTO sink (v) VALUES (1); RETURN NEW; END', 'SET search_path = public'),
    ...trigger('child_audit', 'child', 'DELETE', 'BEGIN INSERT INTO sink (v) VALUES (OLD.id); RETURN OLD; END'),
  ]) {
    await db.client.query(s);
  }
  catalog = await loadSqlCatalog(db.client);
});
afterAll(async () => close());

const fp = (sql: string, values?: unknown[]): Footprint => new SqlFootprinter(catalog, 'act:0').footprint(sql, values);
/** The same statement sent by another actor's session. */
const other = (sql: string): Footprint => new SqlFootprinter(catalog, 'act:1').footprint(sql);
const ANYTHING = ['db:*', 'act:*'];
const isEverything = (f: Footprint) => f.includes('db:*');

describe('trigger footprints', () => {
  it("the bot's history trigger: a write of positions touches positions, position_history and its sequence, not everything", () => {
    const history = ['db:t:monitoring.position_history', 'db:s:monitoring.position_history_seq_seq'];
    expect(new Set(fp("UPDATE monitoring.positions SET status = 'active' WHERE id = $1", [1]))).toEqual(
      new Set(['act:0', 'db:t:monitoring.positions', 'db:s:monitoring.positions_id_seq', ...history]),
    );
    expect(new Set(fp("INSERT INTO monitoring.positions (symbol, exchange, side, quantity, status) VALUES ('A', 'b', 'long', 1, 'pending_entry')"))).toEqual(
      new Set(['act:0', 'db:t:monitoring.positions', 'db:s:monitoring.positions_id_seq', ...history]),
    );
    const positions = catalog.relations.get('monitoring.positions');
    // The id column's DEFAULT nextval(...) is attached to the table: it is part of the write's effects.
    const attached = [...history, 'db:s:monitoring.positions_id_seq'];
    expect(positions?.writeEffects).toEqual({ insert: attached, update: attached, delete: [], truncate: [] });
    // What made DPOR explode: such a write no longer conflicts with advisory locks or exchange calls.
    const write = fp("UPDATE monitoring.positions SET status = 'active' WHERE id = 1");
    expect(footprintsConflict(write, other('SELECT pg_advisory_xact_lock(42)'))).toBe(false);
    expect(footprintsConflict(write, ['ex:binance'])).toBe(false);
    expect(footprintsConflict(write, other('SELECT count(*) FROM monitoring.position_history'))).toBe(true);
  });

  it('a trigger that writes another table: writes of the first conflict with reads of the second (and of what its triggers write)', () => {
    const write = fp('UPDATE src SET v = 2 WHERE id = 1');
    expect(write).toEqual(expect.arrayContaining(['db:t:public.src', 'db:t:public.sink', 'db:s:public.sink_id_seq', 'db:t:public.far', 'r:db:t:public.far']));
    expect(isEverything(write)).toBe(false);
    expect(footprintsConflict(write, other('SELECT count(*) FROM sink'))).toBe(true);
    expect(footprintsConflict(write, other('SELECT n FROM far WHERE id = 1'))).toBe(true);
    expect(footprintsConflict(write, other('SELECT id FROM unrelated'))).toBe(false);
    // The trigger reads `far`: a write of `far` by another session conflicts with it too.
    expect(footprintsConflict(write, other('DELETE FROM far WHERE id = 2'))).toBe(true);
  });

  it('only the events that fire a trigger add its effects; locking rows fires none', () => {
    expect(fp('DELETE FROM monitoring.positions WHERE id = 1')).not.toContain('db:t:monitoring.position_history');
    expect(fp('SELECT 1 FROM monitoring.positions WHERE id = 1 FOR UPDATE')).not.toContain('db:t:monitoring.position_history');
    expect(fp('DELETE FROM src WHERE id = 1')).not.toContain('db:t:public.sink');
    expect(fp('INSERT INTO sink (v) VALUES (1)')).toContain('db:t:public.far');
  });

  it('a cascade runs the triggers of the linked tables it reaches', () => {
    expect(fp('DELETE FROM parent WHERE id = 1')).toEqual(expect.arrayContaining(['db:t:public.child', 'db:t:public.sink', 'db:t:public.far']));
  });

  it('a trigger writing its own table (recursion) is followed to a fixed point, not given up', () => {
    const write = fp('UPDATE loops SET n = 0 WHERE id = 1');
    expect(isEverything(write)).toBe(false);
    expect(write).toEqual(expect.arrayContaining(['db:t:public.loops']));
  });

  it('a declared record is fine; a declared record with a default (the parser drops it) is not understood', () => {
    expect(isEverything(fp('INSERT INTO recs VALUES (1)'))).toBe(false);
    expect(fp('INSERT INTO recs VALUES (1)')).toContain('r:db:t:public.far');
    expect(fp('INSERT INTO recs_default VALUES (1)')).toEqual(expect.arrayContaining(ANYTHING));
  });

  it('a user function a trigger (or its WHEN) calls is followed into its body', () => {
    for (const sql of ['INSERT INTO calls VALUES (1)', 'INSERT INTO performs VALUES (1)', 'UPDATE guarded SET v = 1']) {
      expect(isEverything(fp(sql)), sql).toBe(false);
      expect(fp(sql), sql).toContain('db:t:public.unrelated');
    }
  });

  it('what a trigger does that we cannot read touches everything: EXECUTE, a function doing it, settings of its own', () => {
    for (const sql of ['INSERT INTO dyn VALUES (1)', 'INSERT INTO calls_opaque VALUES (1)', 'INSERT INTO configured VALUES (1)']) {
      expect(fp(sql), sql).toEqual(expect.arrayContaining(ANYTHING));
    }
    // Reading a table with an opaque trigger is still only a read.
    expect(fp('SELECT * FROM dyn')).toEqual(['act:0', 'r:db:t:public.dyn']);
  });
});
