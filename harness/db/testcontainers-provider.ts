// `--db testcontainers`: a throwaway PostgreSQL container where a container runtime exists.
// @testcontainers/postgresql is imported lazily: 12.x crashes at import on Node 20, and runs
// that never ask for a container should not pay for loading it.
import { HarnessError } from '../errors/index.ts';
import { THROWAWAY_SERVER_SETTINGS, type PostgresProvider, type StartedPostgres } from './postgres-provider.ts';
import { registerCleanup } from './process-cleanup.ts';

export class TestcontainersPostgresProvider implements PostgresProvider {
  readonly kind = 'testcontainers' as const;
  constructor(private readonly image = 'postgres:17-alpine') {}

  async start(): Promise<StartedPostgres> {
    const { PostgreSqlContainer } = await importTestcontainers();
    const command = ['postgres', ...Object.entries(THROWAWAY_SERVER_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    let started: Awaited<ReturnType<InstanceType<typeof PostgreSqlContainer>['start']>>;
    try {
      started = await new PostgreSqlContainer(this.image).withCommand(command).start();
    } catch (e) {
      const message = (e as Error).message ?? String(e);
      if (/container runtime/i.test(message)) {
        throw new HarnessError(
          'E_NO_CONTAINER_RUNTIME',
          `no container runtime found (${message}); use the embedded PostgreSQL (the default, no flag) or an existing server (DATABASE_URL=postgresql://... or --database-url)`,
          { cause: e },
        );
      }
      throw new HarnessError('E_DB_START', `could not start a PostgreSQL container: ${message}`, { cause: e });
    }
    const stop = async () => {
      unregister();
      await started.stop();
    };
    const unregister = registerCleanup(stop, () => undefined, { stopsLast: true });
    const base = started.getConnectionUri();
    const urlFor = (db: string) => {
      const u = new URL(base);
      u.pathname = `/${encodeURIComponent(db)}`;
      return u.toString();
    };
    return { kind: 'testcontainers', maintenanceDatabase: started.getDatabase(), urlFor, stop };
  }
}

/** testcontainers is an optional peer: a user who asks for it without installing it is told how. */
async function importTestcontainers(): Promise<typeof import('@testcontainers/postgresql')> {
  try {
    return await import('@testcontainers/postgresql');
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') {
      throw new HarnessError('E_NO_CONTAINER_RUNTIME', '--db testcontainers needs the optional package @testcontainers/postgresql: npm install --save-dev @testcontainers/postgresql (or use the embedded PostgreSQL, the default)', { cause: e });
    }
    throw e;
  }
}
