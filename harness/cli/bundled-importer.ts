// Imports a project's files for an answer the cache may keep (`--help`): each one bundled
// (scenario/config-bundle.ts), recording exactly what went into it, so the answer can be stamped
// with its inputs. A file that cannot be bundled loads the usual way, and a module whose result
// may depend on more than its files (the environment, files it reads, computed imports, linked
// packages) is imported all the same: in both cases the answer is not kept.
import { fileURLToPath } from 'node:url';
import { BundleUnavailable, importBundled, importUserFile, type BundledModule } from '../scenario/index.ts';
import type { AnswerCache, AnswerStamps } from './answer-cache.ts';

export class BundledImporter {
  private readonly bundles: BundledModule[] = [];
  private complete = true;

  constructor(private readonly cache: AnswerCache) {}

  /** An importer for loadRaceConfig. */
  readonly import = async (file: string): Promise<unknown> => {
    try {
      if (!this.cache.ensureDir()) throw new BundleUnavailable('E_BAD_SCENARIO', `${this.cache.dir} cannot be made`);
      const b = await importBundled(file, this.cache.dir);
      this.bundles.push(b);
      if (b.dynamic !== null) this.complete = false;
      return b.module;
    } catch (e) {
      // What esbuild cannot bundle (a path alias, a plugin of the loader) loads as a run loads it.
      if (!(e instanceof BundleUnavailable)) throw e;
      this.complete = false;
      return importUserFile(file);
    }
  };

  /** What was imported, stamped (the harness's compiled file too: a rebuild changes it); null when the answer must not be kept. */
  stamps(): AnswerStamps | null {
    if (!this.complete) return null;
    return this.cache.stamp({
      hashed: this.bundles.flatMap((b) => b.inputs),
      files: this.bundles.flatMap((b) => [...b.packages, ...b.settings]),
      others: [fileURLToPath(import.meta.url)],
    });
  }
}
