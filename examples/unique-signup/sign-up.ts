// Signing a user up once per e-mail address, two ways; both return the user's id.
import type { SqlSession } from 'position-race-harness';

/** Looks for the address, inserts when absent: a double-click inserts twice. */
export async function signUpCheckThenInsert(db: SqlSession, email: string, name: string): Promise<number> {
  const existing = await db.query<{ id: number }>('SELECT id FROM app_user WHERE lower(email) = lower($1)', [email]);
  if (existing.rows[0]) return existing.rows[0].id;
  const { rows } = await db.query<{ id: number }>('INSERT INTO app_user (email, name) VALUES ($1, $2) RETURNING id', [email, name]);
  return rows[0]?.id ?? Number.NaN;
}

/** Inserts unless the unique index already holds the address, then reads whichever row won. */
export async function signUpOnConflict(db: SqlSession, email: string, name: string): Promise<number> {
  const inserted = await db.query<{ id: number }>('INSERT INTO app_user (email, name) VALUES ($1, $2) ON CONFLICT ((lower(email))) DO NOTHING RETURNING id', [email, name]);
  if (inserted.rows[0]) return inserted.rows[0].id;
  const { rows } = await db.query<{ id: number }>('SELECT id FROM app_user WHERE lower(email) = lower($1)', [email]);
  return rows[0]?.id ?? Number.NaN;
}
