// An actor session's deadlock check (deadlock_timeout) is what the engine asked for whenever a
// statement goes out — also after a transaction that changed it rolled back — while it is set
// again only when the server's value may differ (not before every statement after a COMMIT); and
// a session whose connection died sends nothing more.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ActorSession } from '../../harness/sched/actor-session.ts';
import { freshDatabase } from '../support/test-database.ts';

describe('ActorSession deadlock check', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let session: ActorSession;

  beforeAll(async () => {
    db = await freshDatabase();
    session = new ActorSession(db.db.url);
    await session.connect();
  });
  afterAll(async () => {
    await session?.close();
    await db?.close();
  });

  /** The value the server applies to a statement sent now. */
  async function timeout(): Promise<string> {
    const r = await session.send("SELECT current_setting('deadlock_timeout') AS t", undefined);
    return String(r.rows[0]?.t);
  }

  it('applies the asked value to every statement, through commits and rollbacks', async () => {
    session.deadlockCheck = 'long';
    expect(await timeout()).toBe('2s');
    await session.send('BEGIN', undefined);
    session.deadlockCheck = 'short';
    expect(await timeout()).toBe('100ms');
    // The SET made inside this block is undone by its rollback: it must be made again.
    await session.send('ROLLBACK', undefined);
    expect(await timeout()).toBe('100ms');
    session.deadlockCheck = 'long';
    await session.send('BEGIN', undefined);
    expect(await timeout()).toBe('2s');
    await session.send('COMMIT', undefined);
    expect(await timeout()).toBe('2s');
    // A failed block: the statement errs, the rollback undoes the SET made in it.
    await session.send('BEGIN', undefined);
    session.deadlockCheck = 'short';
    await expect(session.send('SELECT 1/0', undefined)).rejects.toMatchObject({ code: '22012' });
    await session.send('ROLLBACK', undefined);
    expect(await timeout()).toBe('100ms');
    session.deadlockCheck = 'long';
    await session.send('START TRANSACTION', undefined);
    expect(await timeout()).toBe('2s');
    await session.restore();
    expect(await timeout()).toBe('2s');
  });

  it('sends no SET while the value it set outside a transaction still holds', async () => {
    session.deadlockCheck = 'long';
    await timeout();
    const query = vi.spyOn(pg.Client.prototype, 'query');
    try {
      for (const text of ['BEGIN', 'SELECT 1', 'COMMIT', 'SELECT 2', 'BEGIN', 'ROLLBACK', 'SELECT 3']) await session.send(text, undefined);
      const sent = query.mock.calls.map((c) => String(c[0]));
      expect(sent.filter((t) => t.startsWith('SET'))).toEqual([]);
    } finally {
      query.mockRestore();
    }
  });

  /** The value the server applies to a raw step sent now (a spec's step). */
  async function rawTimeout(): Promise<string> {
    // Spelled so the step does not name the setting: a step that names it owns it from then on.
    const r = await session.sendRaw("SELECT current_setting('deadlock' || '_timeout') AS t", undefined, () => undefined);
    const first = r.results[0];
    return first?.kind === 'rows' ? String(first.rows[0]?.[0]) : '(no rows)';
  }

  it('sets it again after a raw step that may have undone it, even when a new block began in the same step', async () => {
    await session.restore();
    session.deadlockCheck = 'long';
    await session.sendRaw('BEGIN', undefined, () => undefined);
    session.deadlockCheck = 'short';
    expect(await rawTimeout()).toBe('100ms');
    // The block the SET was made in rolls back and another begins: the status says "in a block" throughout.
    await session.sendRaw('ROLLBACK; BEGIN', undefined, () => undefined);
    expect(await rawTimeout()).toBe('100ms');
    await session.sendRaw('COMMIT', undefined, () => undefined);
    // A savepoint taken before the SET, rolled back to: the block goes on, the SET is undone.
    session.deadlockCheck = 'long';
    await session.sendRaw('BEGIN; SAVEPOINT s', undefined, () => undefined);
    session.deadlockCheck = 'short';
    expect(await rawTimeout()).toBe('100ms');
    await session.send('ROLLBACK TO SAVEPOINT s', undefined);
    expect(await timeout()).toBe('100ms');
    await session.sendRaw('COMMIT', undefined, () => undefined);
    // Set outside a block, then RESET ALL in a raw step.
    expect(await rawTimeout()).toBe('100ms');
    await session.sendRaw('RESET ALL', undefined, () => undefined);
    expect(await rawTimeout()).toBe('100ms');
  });

  it('sends no SET before raw steps while the value it set outside a transaction still holds', async () => {
    await session.restore();
    session.deadlockCheck = 'long';
    await rawTimeout();
    const query = vi.spyOn(pg.Client.prototype, 'query');
    try {
      for (const text of ['BEGIN', 'SELECT 1; SELECT 2', 'COMMIT', 'INSERT INTO nowhere VALUES (1)', 'BEGIN; SELECT 3', 'ROLLBACK']) await session.sendRaw(text, undefined, () => undefined);
      const sent = query.mock.calls.map((c) => String((c[0] as { text?: string } | string | undefined) && typeof c[0] === 'object' ? (c[0] as { text?: string }).text : c[0]));
      expect(sent.filter((t) => t.startsWith('SET'))).toEqual([]);
    } finally {
      query.mockRestore();
    }
  });
});

describe('ActorSession on a connection that died', () => {
  it('sends nothing once its backend answered that it was terminated: the statement fails at once instead of waiting in pg\'s queue', async () => {
    const db = await freshDatabase();
    const session = new ActorSession(db.db.url);
    try {
      await session.connect();
      await session.send('BEGIN', undefined);
      // The termination comes as the answer to a statement (57P01), before pg sees the socket close:
      // until then the client would take another query and queue it.
      await expect(session.send('SELECT pg_terminate_backend(pg_backend_pid())', undefined)).rejects.toMatchObject({ code: '57P01' });
      expect(() => session.send('COMMIT', undefined)).toThrow(/terminat/);
    } finally {
      await session.close();
      await db.close();
    }
  });
});
