// POST /charges with an Idempotency-Key, two ways; each returns the charge the key stands for.
import type { SqlSession } from 'position-race-harness';

/** Looks the key up, charges when it is new, remembers the key: a retry in flight charges twice. */
export async function chargeLookupFirst(db: SqlSession, key: string, orderId: number, amount: number): Promise<number> {
  const seen = await db.query<{ charge_id: number }>('SELECT charge_id FROM idempotency_key WHERE key = $1', [key]);
  if (seen.rows[0]) return seen.rows[0].charge_id;
  const { rows } = await db.query<{ id: number }>('INSERT INTO charge (order_id, amount) VALUES ($1, $2) RETURNING id', [orderId, amount]);
  const id = rows[0]?.id ?? Number.NaN;
  await db.query('INSERT INTO idempotency_key (key, charge_id) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, id]);
  return id;
}

/**
 * Claims the key first, in the transaction that charges: a second request with the same key waits
 * on the first's claim, then finds the key taken and returns the first's charge.
 */
export async function chargeClaimKeyFirst(db: SqlSession, key: string, orderId: number, amount: number): Promise<number> {
  await db.query('BEGIN');
  try {
    const claimed = await db.query('INSERT INTO idempotency_key (key) VALUES ($1) ON CONFLICT (key) DO NOTHING RETURNING key', [key]);
    let id: number;
    if (claimed.rows[0]) {
      const { rows } = await db.query<{ id: number }>('INSERT INTO charge (order_id, amount) VALUES ($1, $2) RETURNING id', [orderId, amount]);
      id = rows[0]?.id ?? Number.NaN;
      await db.query('UPDATE idempotency_key SET charge_id = $2 WHERE key = $1', [key, id]);
    } else {
      const { rows } = await db.query<{ charge_id: number }>('SELECT charge_id FROM idempotency_key WHERE key = $1', [key]);
      id = rows[0]?.charge_id ?? Number.NaN;
    }
    await db.query('COMMIT');
    return id;
  } catch (e) {
    await db.query('ROLLBACK');
    throw e;
  }
}
