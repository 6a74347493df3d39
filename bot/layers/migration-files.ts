// The layers' migrations (bot/layers/sql), taken from the plan: real SQL applied to a real database.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlFile } from '../../harness/db/index.ts';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sql');

/** One migration file, e.g. `008_fix_unique_index.up.sql`. */
export function migrationFile(file: string): SqlFile {
  return { name: `migrations/${file}`, sql: readFileSync(join(MIGRATIONS_DIR, file), 'utf8') };
}
