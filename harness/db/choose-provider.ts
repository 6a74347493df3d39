// Which PostgreSQL to use: an explicit URL first, then the embedded default; containers on request.
// The provider chooser is an edge: it may read the environment (the cache directory) itself.
import { HarnessError, unknownName } from '../errors/index.ts';
import { clusterCacheDir } from './cluster-cache.ts';
import { EmbeddedPostgresProvider } from './embedded-provider.ts';
import type { PostgresProvider } from './postgres-provider.ts';
import { TestcontainersPostgresProvider } from './testcontainers-provider.ts';
import { UrlPostgresProvider } from './url-provider.ts';

export const PROVIDER_NAMES = ['embedded', 'url', 'testcontainers'] as const;

export interface ProviderChoice {
  /** `--db`: embedded | url | testcontainers. */
  readonly db?: string | undefined;
  /** `--database-url` or DATABASE_URL. */
  readonly databaseUrl?: string | undefined;
  /** Where RACE_CACHE_DIR, XDG_CACHE_HOME and HOME are read (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where one-line notices go (leftovers of dead runs reclaimed; default: stderr). */
  readonly notice?: (line: string) => void;
}

/** DATABASE_URL / --database-url wins unless `--db` names another provider. */
export function chooseProvider(choice: ProviderChoice): PostgresProvider {
  const db = choice.db ?? (choice.databaseUrl ? 'url' : 'embedded');
  const notice = choice.notice ?? ((line: string) => void process.stderr.write(`${line}\n`));
  switch (db) {
    case 'url':
      if (!choice.databaseUrl) throw new HarnessError('E_BAD_ARGUMENT', '--db url needs --database-url or DATABASE_URL');
      return new UrlPostgresProvider(choice.databaseUrl, { notice });
    case 'embedded':
      return new EmbeddedPostgresProvider({ cacheDir: clusterCacheDir(choice.env ?? process.env), notice });
    case 'testcontainers':
      return new TestcontainersPostgresProvider();
    default:
      throw unknownName('E_UNKNOWN_PROVIDER', 'database provider', db, PROVIDER_NAMES);
  }
}
