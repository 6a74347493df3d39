// The footprint tests' catalogs: a fresh database holding `statements`, its catalog read once
// before the tests of a file (or a describe) and the database dropped after them.
import { afterAll, beforeAll } from 'vitest';
import { loadSqlCatalog, loadSqlParser, type SqlCatalog } from '../../harness/footprint/index.ts';
import { freshDatabase } from '../support/test-database.ts';

/** `catalog()` is the catalog of a database made of `statements` (read in beforeAll). */
export function catalogOf(statements: readonly string[]): { catalog(): SqlCatalog } {
  let catalog: SqlCatalog | undefined;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const db = await freshDatabase();
    close = db.close;
    for (const s of statements) await db.client.query(s);
    await loadSqlParser();
    catalog = await loadSqlCatalog(db.client);
  });
  afterAll(async () => close?.());
  return {
    catalog() {
      if (!catalog) throw new Error('the catalog is read in beforeAll');
      return catalog;
    },
  };
}
