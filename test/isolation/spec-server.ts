// The suite's PostgreSQL as a StartedPostgres for spec runs (the harness makes its own databases on it).
import { inject } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../harness/db/index.ts';

export function suiteServer(): Promise<StartedPostgres> {
  return new UrlPostgresProvider(inject('pgAdminUrl')).start();
}
