// Paying from a wallet, three ways: read-modify-write, the same under a row lock, and the same in
// a SERIALIZABLE transaction (which PostgreSQL may abort with 40001: the caller retries).
import type { SqlSession } from 'position-race-harness';

export type PayResult = 'paid' | 'declined';

/** Reads the balance, decides, writes the new balance: what an ORM's load-then-save does. */
export async function payReadModifyWrite(db: SqlSession, walletId: number, amount: number): Promise<PayResult> {
  const { rows } = await db.query<{ balance: number }>('SELECT balance FROM wallet WHERE id = $1', [walletId]);
  return payFrom(db, walletId, amount, rows[0]?.balance ?? 0);
}

/** The same in a transaction that locks the wallet's row as it reads it (SELECT ... FOR UPDATE). */
export async function payLocked(db: SqlSession, walletId: number, amount: number): Promise<PayResult> {
  await db.query('BEGIN');
  try {
    const { rows } = await db.query<{ balance: number }>('SELECT balance FROM wallet WHERE id = $1 FOR UPDATE', [walletId]);
    const result = await payFrom(db, walletId, amount, rows[0]?.balance ?? 0);
    await db.query('COMMIT');
    return result;
  } catch (e) {
    await db.query('ROLLBACK');
    throw e;
  }
}

/** Read-modify-write in a SERIALIZABLE transaction: no lock; of two that conflict, one fails with 40001. */
export async function paySerializable(db: SqlSession, walletId: number, amount: number): Promise<PayResult> {
  await db.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
  try {
    const result = await payReadModifyWrite(db, walletId, amount);
    await db.query('COMMIT');
    return result;
  } catch (e) {
    await db.query('ROLLBACK');
    throw e;
  }
}

async function payFrom(db: SqlSession, walletId: number, amount: number, balance: number): Promise<PayResult> {
  if (balance < amount) return 'declined';
  await db.query('UPDATE wallet SET balance = $2 WHERE id = $1', [walletId, balance - amount]);
  await db.query('INSERT INTO payment (wallet_id, amount) VALUES ($1, $2)', [walletId, amount]);
  return 'paid';
}
