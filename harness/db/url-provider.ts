// An existing server given by DATABASE_URL / --database-url. The harness only creates and drops
// its own databases there; the URL's own database is used for CREATE DATABASE and nothing else.
import pg from 'pg';
import { HarnessError } from '../errors/index.ts';
import type { PostgresProvider, StartedPostgres } from './postgres-provider.ts';

export class UrlPostgresProvider implements PostgresProvider {
  readonly kind = 'url' as const;
  constructor(private readonly url: string) {}

  async start(): Promise<StartedPostgres> {
    let parsed: URL;
    try {
      parsed = new URL(this.url);
      if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new Error(`protocol ${parsed.protocol}`);
    } catch (e) {
      throw new HarnessError('E_DB_UNREACHABLE', `DATABASE_URL is not a postgresql:// URL (${(e as Error).message}); example: postgresql://user:pass@127.0.0.1:5432/postgres`);
    }
    const maintenanceDatabase = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres';
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
    } catch (e) {
      throw new HarnessError(
        'E_DB_UNREACHABLE',
        `cannot connect to ${parsed.host} (${(e as Error).message}); check DATABASE_URL, or drop it to use the embedded PostgreSQL`,
        { cause: e },
      );
    } finally {
      await client.end().catch(() => undefined);
    }
    const urlFor = (db: string) => {
      const u = new URL(this.url);
      u.pathname = `/${encodeURIComponent(db)}`;
      return u.toString();
    };
    return { kind: 'url', maintenanceDatabase, urlFor, stop: async () => undefined };
  }
}
