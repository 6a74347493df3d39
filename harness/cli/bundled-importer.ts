// Imports a project's files for an answer the cache may keep (`--help`, `--list`): each one
// bundled (scenario/config-bundle.ts), recording what went into it, so the answer can be stamped
// with its inputs. A file esbuild cannot bundle loads the usual way, and then the answer is not kept.
import { fileURLToPath } from 'node:url';
import { BundleUnavailable, importBundled, importUserFile } from '../scenario/index.ts';
import type { AnswerCache, AnswerStamps } from './answer-cache.ts';

export class BundledImporter {
  private readonly files: string[] = [];
  private readonly packages: string[] = [];
  private readonly before: AnswerStamps[] = [];
  private complete = true;

  constructor(private readonly cache: AnswerCache) {}

  /** An importer for loadRaceConfig and loadScenarioCatalog. */
  readonly import = async (file: string): Promise<unknown> => {
    // Taken before the bundle reads it: an edit while it is bundled shows at put.
    this.before.push(this.cache.stamp({ files: [file], others: [] }));
    try {
      const b = await importBundled(file, this.cache.ensureDir() ? this.cache.dir : undefined);
      this.files.push(...b.inputs);
      this.packages.push(...b.packages);
      return b.module;
    } catch (e) {
      // What esbuild cannot bundle (a path alias, a plugin of the loader) loads as a run loads it.
      if (!(e instanceof BundleUnavailable)) throw e;
      this.complete = false;
      return importUserFile(file);
    }
  };

  /** The stamps of everything imported, and of the harness itself; null when something was not bundled or changed meanwhile. */
  stamps(): AnswerStamps | null {
    if (!this.complete) return null;
    // The harness's own compiled file: a rebuild without a new version changes it.
    const now = this.cache.stamp({ files: [...new Set(this.files)], others: [...new Set(this.packages), fileURLToPath(import.meta.url)] });
    const current = new Map(now);
    return this.before.every((b) => b.every(([path, was]) => current.get(path) === was)) ? now : null;
  }
}
