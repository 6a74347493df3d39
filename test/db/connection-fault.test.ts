// What counts as a lost connection, and how it is told: a session the server ends while it sits
// idle, then asked again, is a connection fault described in the harness's words, not pg's.
import { once } from 'node:events';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { describeFault, isConnectionFault } from '../../harness/db/index.ts';

describe('connection faults', () => {
  it('a statement sent on a session the server ended while idle is a fault, told as a lost connection', async () => {
    const victim = new pg.Client({ connectionString: inject('pgAdminUrl') });
    const killer = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await victim.connect();
    await killer.connect();
    try {
      const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      const lost = once(victim, 'error');
      await killer.query('SELECT pg_terminate_backend($1)', [pid]);
      await lost;
      const error = await victim.query('SELECT 1').then(
        () => null,
        (e: unknown) => e,
      );
      expect(isConnectionFault(error)).toBe(true);
      expect(describeFault(error)).toMatch(/connection was lost while it sat idle/);
      expect(describeFault(error)).not.toMatch(/queryable/);
    } finally {
      await victim.end().catch(() => undefined);
      await killer.end();
    }
  });
});
