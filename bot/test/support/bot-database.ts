// A fresh database with the bot's schema (plus a layer's migrations) on the suite's server.
import type { SqlFile } from '../../../harness/db/index.ts';
import { freshDatabase } from '../../../test/support/test-database.ts';
import { schemaFiles } from '../../flow/index.ts';

/** The bot's schema followed by `migrations`, in a database of its own, and a client to it. */
export function botDatabase(migrations: readonly SqlFile[] = []): ReturnType<typeof freshDatabase> {
  return freshDatabase([...schemaFiles(), ...migrations]);
}
