// Emptying any schema between runs: DELETE in foreign-key order (children first) where that is
// exact, one TRUNCATE where the keys form a cycle or a DELETE trigger would write elsewhere; every
// sequence restarted, so the next insert gets id 1 again. And the final state of every table.
import { afterEach, describe, expect, it } from 'vitest';
import { describeSchemaTables, finalStateSql } from '../../harness/db/index.ts';
import { freshDatabase } from '../support/test-database.ts';

let db: Awaited<ReturnType<typeof freshDatabase>> | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

/** A database with the bot's schema (from freshDatabase) plus `sql`, and its reset. */
async function withSchema(sql: string) {
  db = await freshDatabase();
  await db.client.query(sql);
  return { client: db.client, schema: await describeSchemaTables(db.client) };
}

describe('describeSchemaTables', () => {
  it('deletes children before parents, restarts every sequence, and leaves the next insert id 1', async () => {
    const { client, schema } = await withSchema(`
      CREATE SCHEMA shop;
      CREATE TABLE shop.customer (id serial PRIMARY KEY, name text NOT NULL);
      CREATE TABLE shop.orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id int NOT NULL REFERENCES shop.customer (id), placed_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE shop.line (order_id bigint NOT NULL REFERENCES shop.orders (id), sku text NOT NULL);`);
    const deletes = schema.resetSql.split(';\n').filter((s) => s.startsWith('DELETE'));
    const at = (t: string) => deletes.indexOf(`DELETE FROM ${t}`);
    expect(at('shop.line')).toBeGreaterThanOrEqual(0);
    expect(at('shop.line')).toBeLessThan(at('shop.orders'));
    expect(at('shop.orders')).toBeLessThan(at('shop.customer'));
    expect(schema.resetSql).not.toContain('TRUNCATE');

    for (let run = 0; run < 2; run++) {
      await client.query(schema.resetSql);
      const c = await client.query<{ id: number }>(`INSERT INTO shop.customer (name) VALUES ('ada') RETURNING id`);
      const o = await client.query<{ id: string }>(`INSERT INTO shop.orders (customer_id) VALUES (1) RETURNING id`);
      await client.query(`INSERT INTO shop.line VALUES (1, 'tea')`);
      expect([c.rows[0]?.id, Number(o.rows[0]?.id)]).toEqual([1, 1]);
    }
    // The date/time column is left out of the final state: it differs from run to run.
    const state = await client.query<{ state: Record<string, unknown[]> }>(finalStateSql(schema.tables) ?? '');
    expect(state.rows[0]?.state['shop.orders']).toEqual([{ id: 1, customer_id: 1 }]);
    expect(state.rows[0]?.state['shop.line']).toEqual([{ order_id: 1, sku: 'tea' }]);
  });

  it('TRUNCATEs when foreign keys form a cycle, or a DELETE trigger exists', async () => {
    const cycle = await withSchema(`
      CREATE TABLE a (id int PRIMARY KEY, b_id int);
      CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id) DEFERRABLE INITIALLY DEFERRED);
      ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b (id) DEFERRABLE INITIALLY DEFERRED;`);
    expect(cycle.schema.resetSql).toMatch(/^TRUNCATE /);
    await cycle.client.query('BEGIN; INSERT INTO a VALUES (1, 1); INSERT INTO b VALUES (1, 1); COMMIT');
    await cycle.client.query(cycle.schema.resetSql);
    const left = await cycle.client.query<{ n: number }>('SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b) AS n');
    expect(Number(left.rows[0]?.n)).toBe(0);
    await db?.close();

    const trigger = await withSchema(`
      CREATE TABLE item (id int PRIMARY KEY);
      CREATE TABLE audit (what text);
      CREATE FUNCTION log_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit VALUES ('deleted'); RETURN OLD; END $$;
      CREATE TRIGGER item_deleted AFTER DELETE ON item FOR EACH ROW EXECUTE FUNCTION log_delete();`);
    expect(trigger.schema.resetSql).toMatch(/^TRUNCATE /);
    await trigger.client.query('INSERT INTO item VALUES (1)');
    await trigger.client.query(trigger.schema.resetSql);
    const audit = await trigger.client.query('SELECT * FROM audit');
    expect(audit.rows).toEqual([]);
  });

  it('TRUNCATEs a table with a rule (DELETE DO INSTEAD NOTHING) or row-level security, and the reset itself says what it left', async () => {
    const rule = await withSchema(`
      CREATE TABLE ledger (entry text NOT NULL);
      CREATE RULE ledger_append_only AS ON DELETE TO ledger DO INSTEAD NOTHING;
      CREATE TABLE owned (who text NOT NULL);
      ALTER TABLE owned ENABLE ROW LEVEL SECURITY;`);
    expect(rule.schema.resetSql).toMatch(/^TRUNCATE /);
    await rule.client.query("INSERT INTO ledger VALUES ('one'); INSERT INTO owned VALUES ('me')");
    // What a DELETE would have left, the reset's own last query names.
    const left = await rule.client.query<{ left_over: string | null }>(`DELETE FROM ledger; ${rule.schema.leftOverSql}`);
    expect((left as unknown as { rows: { left_over: string | null }[] }[]).at(-1)?.rows[0]?.left_over).toBe('public.ledger');
    const after = (await rule.client.query(rule.schema.resetSql)) as unknown as { rows: { left_over: string | null }[] }[];
    expect(after.at(-1)?.rows[0]?.left_over).toBeNull();
  });
});
