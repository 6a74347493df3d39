// Claiming the next queued job, two ways. `db` is one connection: pg's Client, a client of a
// pg Pool, or the session the harness gives an actor.
import type { SqlSession } from 'position-race-harness';

/** Finds the oldest queued job and marks it running. Two workers can both find the same one. */
export async function claimJobNaive(db: SqlSession, worker: string): Promise<number | null> {
  const { rows } = await db.query<{ id: number }>("SELECT id FROM job WHERE status = 'queued' ORDER BY id LIMIT 1");
  const job = rows[0];
  if (!job) return null;
  await db.query("UPDATE job SET status = 'running', worker = $2 WHERE id = $1", [job.id, worker]);
  return job.id;
}

/** The same in a transaction that locks the job it takes; another worker skips locked jobs. */
export async function claimJobSkipLocked(db: SqlSession, worker: string): Promise<number | null> {
  await db.query('BEGIN');
  try {
    const { rows } = await db.query<{ id: number }>("SELECT id FROM job WHERE status = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED");
    const job = rows[0];
    if (job) await db.query("UPDATE job SET status = 'running', worker = $2 WHERE id = $1", [job.id, worker]);
    await db.query('COMMIT');
    return job?.id ?? null;
  } catch (e) {
    await db.query('ROLLBACK');
    throw e;
  }
}
