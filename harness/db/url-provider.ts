// An existing server given by DATABASE_URL / --database-url. The harness only creates and drops
// its own databases there; the URL's own database is used for CREATE DATABASE and nothing else.
// Its role must be allowed to create databases: checked when the provider starts, before any run.
import pg from 'pg';
import { HarnessError } from '../errors/index.ts';
import type { PostgresProvider, StartedPostgres } from './postgres-provider.ts';

export interface UrlOptions {
  /** Where one-line notices go (leftovers of dead runs reclaimed on this server). */
  readonly notice?: (line: string) => void;
}

export class UrlPostgresProvider implements PostgresProvider {
  readonly kind = 'url' as const;
  constructor(
    private readonly url: string,
    private readonly options: UrlOptions = {},
  ) {}

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
    let role: { name: string; createdb: boolean } | undefined;
    try {
      await client.connect();
      const r = await client.query<{ name: string; createdb: boolean }>(
        'SELECT current_user AS name, rolcreatedb OR rolsuper AS createdb FROM pg_roles WHERE rolname = current_user',
      );
      role = r.rows[0];
    } catch (e) {
      throw new HarnessError(
        'E_DB_UNREACHABLE',
        `cannot connect to ${parsed.host} (${(e as Error).message}); check DATABASE_URL, or drop it to use the embedded PostgreSQL`,
        { cause: e },
      );
    } finally {
      await client.end().catch(() => undefined);
    }
    if (role && !role.createdb) {
      throw new HarnessError(
        'E_DB_PERMISSION',
        `role '${role.name}' on ${parsed.host} may not create databases, and the harness runs on throwaway databases it creates (prh_*): give the role CREATEDB (\`ALTER ROLE ${pg.escapeIdentifier(role.name)} CREATEDB\`) or a superuser's URL; or run without --database-url and DATABASE_URL to use the embedded PostgreSQL`,
      );
    }
    const urlFor = (db: string) => {
      const u = new URL(this.url);
      u.pathname = `/${encodeURIComponent(db)}`;
      return u.toString();
    };
    return { kind: 'url', maintenanceDatabase, urlFor, stop: async () => undefined, ...(this.options.notice ? { notice: this.options.notice } : {}) };
  }
}
