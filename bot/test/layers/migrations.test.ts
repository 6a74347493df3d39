// The plan's migrations on a real PostgreSQL: 008 widens the unique index and its rollback script
// restores it; 008 on duplicate data fails and keeps everything; Option 1 breaks re-opening.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_STATUSES } from '../../flow/index.ts';
import type { HarnessDatabases } from '../../../harness/db/index.ts';
import { migrationFile } from '../../layers/index.ts';
import { LAYERS, NAMED_SETS, resolveLayerSet } from '../../layers/index.ts';
import { harnessDatabases } from '../../../test/support/test-database.ts';
import { botDatabase } from '../support/bot-database.ts';

const UP_008 = migrationFile('008_fix_unique_index.up.sql');
const DOWN_008 = migrationFile('008_fix_unique_index.down.sql');
const OPTION1_UP = migrationFile('option1_full_unique_index.up.sql');
const OPTION6_UP = migrationFile('option6_version_column.up.sql');
const OPTION6_DOWN = migrationFile('option6_version_column.down.sql');

// freshDatabase drops what it creates; this closes the file's admin connection at the end.
afterAll(async () => {
  await (await harnessDatabases()).close();
});

interface Queryable {
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>;
}

async function indexDef(client: Queryable): Promise<string | undefined> {
  const r = await client.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'monitoring' AND indexname = 'idx_unique_active_position'`);
  return r.rows[0]?.indexdef as string | undefined;
}

/** The quoted statuses of an index's WHERE clause, sorted. */
function statusesOf(def: string): string[] {
  return [...def.matchAll(/'([a-z_]+)'::text/g)].map((m) => m[1] as string).sort();
}

const insertRow = (client: Queryable, status: string, symbol = 'APTUSDT', exchange = 'binance') =>
  client.query(`INSERT INTO monitoring.positions (symbol, exchange, side, quantity, status) VALUES ($1, $2, 'long', 5, $3) RETURNING id`, [symbol, exchange, status]);

/** The SQLSTATE `promise` rejects with; fails the test if it resolves. */
async function sqlStateOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as { code?: string; message?: string },
  );
  expect(error, 'expected the statement to fail').toBeDefined();
  return { code: String(error?.code), message: String(error?.message) };
}

describe('migration 008 (Option 2 / Layer 2)', () => {
  it('on a fresh schema database, replaces the active-only index by a unique index over the four open statuses', async () => {
    const { client, close } = await botDatabase();
    try {
      const before = await indexDef(client);
      expect(before).toContain("WHERE (status = 'active'::text)");
      await client.query(UP_008.sql);
      const after = await indexDef(client);
      expect(after).toMatch(/^CREATE UNIQUE INDEX idx_unique_active_position ON monitoring\.positions USING btree \(symbol, exchange\) WHERE/);
      expect(statusesOf(after ?? '')).toEqual([...OPEN_STATUSES].sort());
    } finally {
      await close();
    }
  });

  it("refuses a second open row for one (symbol, exchange): 'entry_placed' then 'active' is 23505", async () => {
    const { client, close } = await botDatabase([UP_008]);
    try {
      await insertRow(client, 'entry_placed');
      const error = await sqlStateOf(insertRow(client, 'active'));
      expect(error.code).toBe('23505');
      expect(error.message).toContain('idx_unique_active_position');
      // Another exchange, and a closed row, are not duplicates.
      await insertRow(client, 'active', 'APTUSDT', 'bybit');
      await insertRow(client, 'closed');
      const n = await client.query(`SELECT count(*)::int AS n FROM monitoring.positions`);
      expect(n.rows[0]?.n).toBe(3);
    } finally {
      await close();
    }
  });

  it("every pair of open statuses collides under 008; on the original index only 'active' + 'active' does", async () => {
    const widened = await botDatabase([UP_008]);
    const original = await botDatabase();
    try {
      for (const [i, first] of OPEN_STATUSES.entries()) {
        for (const [j, second] of OPEN_STATUSES.entries()) {
          const symbol = `S${i}${j}USDT`;
          await insertRow(widened.client, first, symbol);
          expect((await sqlStateOf(insertRow(widened.client, second, symbol))).code, `${first} + ${second}`).toBe('23505');
          await insertRow(original.client, first, symbol);
          const second2 = insertRow(original.client, second, symbol);
          if (first === 'active' && second === 'active') expect((await sqlStateOf(second2)).code).toBe('23505');
          else await expect(second2).resolves.toBeDefined();
        }
      }
    } finally {
      await widened.close();
      await original.close();
    }
  });

  it("the plan's rollback script (Phase 7, 008 down) restores exactly the original WHERE status = 'active' index", async () => {
    const { client, close } = await botDatabase();
    try {
      const original = await indexDef(client);
      await client.query(UP_008.sql);
      expect(await indexDef(client)).not.toBe(original);
      await client.query(DOWN_008.sql);
      const restored = await indexDef(client);
      expect(restored).toBe(original);
      expect(restored).toContain("WHERE (status = 'active'::text)");
      // Back to the baseline: an intermediate row beside an active one is allowed again.
      await insertRow(client, 'pending_sl');
      await expect(insertRow(client, 'active')).resolves.toBeDefined();
    } finally {
      await close();
    }
  });

  it('on a database that already holds two open rows for one key, fails on the index build (23505, before its own check) and loses nothing', async () => {
    const { db, client, close } = await botDatabase();
    const applier = new pg.Client({ connectionString: db.url });
    await applier.connect();
    try {
      const original = await indexDef(client);
      await insertRow(client, 'pending_sl');
      await insertRow(client, 'active');

      const error = await sqlStateOf(applier.query(UP_008.sql));
      // The plan verifies "no existing violations" only after CREATE UNIQUE INDEX, so its own
      // RAISE never runs: the index build is what refuses the duplicate.
      expect(error.code).toBe('23505');
      expect(error.message).toContain('could not create unique index "idx_unique_active_position"');
      expect(error.message).not.toContain('existing violations');
      // The script's BEGIN leaves the session inside the failed transaction block until it ends.
      expect((await sqlStateOf(applier.query('SELECT 1'))).code).toBe('25P02');
      await applier.end();

      const rows = await client.query(`SELECT status FROM monitoring.positions ORDER BY id`);
      expect(rows.rows.map((r: { status: string }) => r.status)).toEqual(['pending_sl', 'active']);
      expect(await indexDef(client)).toBe(original);
    } finally {
      await applier.end().catch(() => undefined);
      await close();
    }
  });
});

describe('Option 1 migration (unique index without WHERE)', () => {
  it('indexes (symbol, exchange) with no WHERE clause', async () => {
    const { client, close } = await botDatabase([OPTION1_UP]);
    try {
      const def = await indexDef(client);
      expect(def).toBe('CREATE UNIQUE INDEX idx_unique_active_position ON monitoring.positions USING btree (symbol, exchange)');
    } finally {
      await close();
    }
  });

  it('breaks re-opening: a closed row plus a new row for the same key is 23505', async () => {
    const { client, close } = await botDatabase([OPTION1_UP]);
    try {
      await insertRow(client, 'active');
      await client.query(`UPDATE monitoring.positions SET status = 'closed', closed_at = now() WHERE symbol = 'APTUSDT'`);
      const error = await sqlStateOf(insertRow(client, 'pending_entry'));
      expect(error.code).toBe('23505');
      expect(error.message).toContain('idx_unique_active_position');
    } finally {
      await close();
    }
  });

  it('the same re-open succeeds on the baseline schema and under 008', async () => {
    for (const migrations of [[], [UP_008]]) {
      const { client, close } = await botDatabase(migrations);
      try {
        await insertRow(client, 'active');
        await client.query(`UPDATE monitoring.positions SET status = 'closed', closed_at = now() WHERE symbol = 'APTUSDT'`);
        await expect(insertRow(client, 'pending_entry')).resolves.toBeDefined();
      } finally {
        await close();
      }
    }
  });
});

describe('Option 6 migration (version column)', () => {
  it('adds an integer version column with default 0, and its down script drops it', async () => {
    const { client, close } = await botDatabase([OPTION6_UP]);
    try {
      const column = await client.query(
        `SELECT data_type, column_default FROM information_schema.columns WHERE table_schema = 'monitoring' AND table_name = 'positions' AND column_name = 'version'`,
      );
      expect(column.rows).toEqual([{ data_type: 'integer', column_default: '0' }]);
      const inserted = await client.query(
        `INSERT INTO monitoring.positions (symbol, exchange, side, quantity, status) VALUES ('APTUSDT', 'binance', 'long', 5, 'pending_entry') RETURNING version`,
      );
      expect(inserted.rows[0]?.version).toBe(0);
      await client.query(OPTION6_DOWN.sql);
      const after = await client.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = 'monitoring' AND table_name = 'positions' AND column_name = 'version'`);
      expect(after.rowCount).toBe(0);
    } finally {
      await close();
    }
  });
});

describe("every layer set's sqlFiles", () => {
  let dbs: HarnessDatabases;
  beforeAll(async () => {
    dbs = await harnessDatabases();
  });

  const specs = [...Object.keys(LAYERS), ...Object.keys(NAMED_SETS), 'optimistic-locking+full-unique-index', 'recommended+optimistic-locking'];

  it.each(specs)('%s builds a template with HarnessDatabases.createTemplate, holding the index and columns its layers say', async (spec) => {
    const set = resolveLayerSet(spec);
    const template = await dbs.createTemplate(spec, set.sqlFiles);
    const client = new pg.Client({ connectionString: template.url });
    await client.connect();
    try {
      const def = (await indexDef(client)) ?? '';
      if (set.schema.uniqueIndex === 'open-statuses') expect(statusesOf(def)).toEqual([...OPEN_STATUSES].sort());
      else if (set.schema.uniqueIndex === 'full') expect(def).not.toContain('WHERE');
      else expect(def).toContain("WHERE (status = 'active'::text)");
      const version = await client.query(`SELECT 1 FROM information_schema.columns WHERE table_schema = 'monitoring' AND table_name = 'positions' AND column_name = 'version'`);
      expect(version.rowCount).toBe(set.schema.versionColumn ? 1 : 0);
    } finally {
      await client.end();
      await dbs.drop(template);
    }
  });
});
