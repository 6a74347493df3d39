// SQL files of fixtures/sql: the schema every harness database starts from, and migrations by name.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SqlFile {
  readonly name: string;
  readonly sql: string;
}

export const FIXTURES_SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'sql');

/** The numbered schema files, in order: the bot's tables as they stood before Phase 4. */
export function schemaFiles(): readonly SqlFile[] {
  const dir = join(FIXTURES_SQL_DIR, 'schema');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => ({ name: `schema/${f}`, sql: readFileSync(join(dir, f), 'utf8') }));
}

/** One file of fixtures/sql/migrations, e.g. `008_fix_unique_index.up.sql`. */
export function migrationFile(file: string): SqlFile {
  return { name: `migrations/${file}`, sql: readFileSync(join(FIXTURES_SQL_DIR, 'migrations', file), 'utf8') };
}
