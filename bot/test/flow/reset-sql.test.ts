// RESET_SQL on a real database: the bot's tables emptied and their ids restarted in one round trip.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { RESET_SQL } from '../../flow/index.ts';
import { botDatabase } from '../support/bot-database.ts';

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('RESET_SQL', () => {
  it('RESET_SQL empties both tables and restarts the ids: the next insert gets id 1', async () => {
    const fresh = await botDatabase();
    const db = fresh.db;
    await withClient(db.url, async (c) => {
      for (const symbol of ['A', 'B', 'C']) {
        await c.query(`INSERT INTO monitoring.positions (symbol, exchange, side, quantity, status) VALUES ($1, 'binance', 'long', 1, 'pending_entry')`, [symbol]);
      }
      await c.query(`UPDATE monitoring.positions SET status = 'entry_placed'`);

      await c.query(RESET_SQL);

      expect((await c.query('SELECT count(*)::int AS n FROM monitoring.positions')).rows[0]).toEqual({ n: 0 });
      expect((await c.query('SELECT count(*)::int AS n FROM monitoring.position_history')).rows[0]).toEqual({ n: 0 });
      const inserted = await c.query(`INSERT INTO monitoring.positions (symbol, exchange, side, quantity, status) VALUES ('D', 'binance', 'long', 1, 'active') RETURNING id`);
      expect(inserted.rows[0]).toEqual({ id: 1 });
      expect((await c.query('SELECT seq::int AS seq FROM monitoring.position_history')).rows).toEqual([{ seq: 1 }]);
    });
    await fresh.close();
  });
});
