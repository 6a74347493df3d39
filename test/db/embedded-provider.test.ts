// A second embedded PostgreSQL runs with the throwaway settings (fsync, autovacuum off), and stop()
// really ends the postmaster and removes its temporary directory.
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { EmbeddedPostgresProvider } from '../../harness/db/index.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('EmbeddedPostgresProvider', () => {
  it('starts with durability and autovacuum off; stop() ends the postmaster and removes the directory', async () => {
    const server = await new EmbeddedPostgresProvider().start();
    let dataDirectory: string;
    let postmasterPid: number;
    try {
      expect(server.kind).toBe('embedded');
      expect(server.maintenanceDatabase).toBe('postgres');
      const url = new URL(server.urlFor('postgres'));
      expect(url.hostname).toBe('127.0.0.1');

      const client = new pg.Client({ connectionString: server.urlFor('postgres') });
      await client.connect();
      try {
        const show = async (name: string) => (await client.query(`SHOW ${name}`)).rows[0]?.[name];
        expect(await show('fsync')).toBe('off');
        expect(await show('autovacuum')).toBe('off');
        expect(await show('synchronous_commit')).toBe('off');
        expect(await show('full_page_writes')).toBe('off');
        dataDirectory = String(await show('data_directory'));
      } finally {
        await client.end();
      }
      // The first line of postmaster.pid is the postmaster's process id.
      postmasterPid = Number(readFileSync(`${dataDirectory}/postmaster.pid`, 'utf8').split('\n')[0]);
      expect(Number.isInteger(postmasterPid) && postmasterPid > 0).toBe(true);
      expect(isAlive(postmasterPid)).toBe(true);
      expect(existsSync(dirname(dataDirectory))).toBe(true);
      expect(dirname(dataDirectory)).toMatch(/prh-pg-[^/]+$/);
    } finally {
      await server.stop();
    }

    expect(existsSync(dirname(dataDirectory))).toBe(false);
    expect(() => process.kill(postmasterPid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    // Nothing answers on its port any more, and a second stop() is harmless.
    const late = new pg.Client({ connectionString: server.urlFor('postgres'), connectionTimeoutMillis: 5000 });
    await expect(late.connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(server.stop()).resolves.toBeUndefined();
  });
});
