// The `symbolLock` policy: one flow per (symbol, exchange) at a time. A session-level advisory
// lock, taken on a connection of its own (pool.acquire()) and held across the flow's short
// transactions and exchange calls, without keeping any transaction open.
import type { SymbolLock } from './bot-policy.ts';
import { flowLockId } from './lock-id.ts';
import type { SqlClient, SqlSession } from '../../harness/ports/index.ts';

function onOwnConnection<T>(sql: SqlClient, fn: (conn: SqlSession) => Promise<T>): Promise<T> {
  return sql.withConnection ? sql.withConnection(fn) : fn(sql);
}

/** Runs `fn` holding the symbol's lock (waiting for it); without a lock policy, just runs `fn`. */
export function withSymbolLock<T>(sql: SqlClient, mode: SymbolLock, symbol: string, exchange: string, fn: () => Promise<T>): Promise<T> {
  if (mode === 'none') return fn();
  const key = flowLockId(symbol, exchange);
  return onOwnConnection(sql, async (conn) => {
    await conn.query('SELECT pg_advisory_lock($1)', [key], 'symbolLock');
    try {
      return await fn();
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1)', [key], 'symbolUnlock');
    }
  });
}

/**
 * Runs `fn` if the symbol's lock is free right now, else returns `busy` at once: the synchroniser
 * never waits behind a Signal's settlement; a later pass reconciles that symbol.
 */
export function trySymbolLock<T>(sql: SqlClient, mode: SymbolLock, symbol: string, exchange: string, fn: () => Promise<T>): Promise<T | 'busy'> {
  if (mode === 'none') return fn();
  const key = flowLockId(symbol, exchange);
  return onOwnConnection(sql, async (conn) => {
    const r = await conn.query('SELECT pg_try_advisory_lock($1) AS locked', [key], 'symbolTryLock');
    if (r.rows[0]?.['locked'] !== true) return 'busy' as const;
    try {
      return await fn();
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1)', [key], 'symbolUnlock');
    }
  });
}
