// The bot's schema (bot/flow/sql): its tables as they stood before Phase 4, the files every layer set starts from.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlFile } from '../../harness/db/index.ts';

const SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sql');

/** The numbered schema files, in order. */
export function schemaFiles(): readonly SqlFile[] {
  return readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => ({ name: `schema/${f}`, sql: readFileSync(join(SCHEMA_DIR, f), 'utf8') }));
}

/**
 * One round trip that empties the bot's two tables and restarts their sequences, so the
 * same schedule yields the same ids (about 0.2 ms; TRUNCATE costs about 4 ms).
 */
export const RESET_SQL = `DELETE FROM monitoring.position_history; DELETE FROM monitoring.positions;
SELECT setval('monitoring.positions_id_seq', 1, false), setval('monitoring.position_history_seq_seq', 1, false);`;
