// `race --list` from the cache (as `--help`): a listing is kept with what it came from — the
// configuration and every scenario file with the project files they import (by content), the
// packages they import and the lockfiles — and with the files its globs matched, matched again
// before a kept listing is shown, so a scenario file added or removed shows at once. A listing
// computed from modules that read the environment or files, or import by a computed path, is
// never kept: it may not be the same next time.
import { parseArgs } from 'node:util';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findConfigFile } from '../scenario/config-file.ts';
import type { ScenarioMatch } from '../scenario/race-config.ts';
import { AnswerCache } from './answer-cache.ts';
import { packageVersion } from './package-version.ts';

interface KeptListing {
  readonly text: string;
  readonly match: ScenarioMatch;
}

function configFileFor(argv: readonly string[], cwd: string): string | null {
  const given = parseArgs({ args: [...argv], options: { config: { type: 'string' } }, strict: false, allowPositionals: true }).values['config'];
  return typeof given === 'string' ? resolve(cwd, given) : findConfigFile(cwd);
}

/** The cache for a command run in `cwd` with `argv`: beside the configuration's node_modules. */
function cacheFor(argv: readonly string[], cwd: string): { cache: AnswerCache; key: string } | null {
  const configFile = configFileFor(argv, cwd);
  const cache = AnswerCache.near(configFile ? dirname(configFile) : cwd, packageVersion());
  // Every flag is in the key: one that changes the listing (--scenarios, --config) or makes it fail.
  return cache ? { cache, key: `list\0${cwd}\0${configFile ?? ''}\0${argv.join('\0')}` } : null;
}

/** The kept listing for this command, if nothing it came from changed and its globs match the same files; else null. */
export async function cachedListing(argv: readonly string[], cwd: string): Promise<string | null> {
  const where = cacheFor(argv, cwd);
  const kept = where?.cache.get(where.key);
  if (!kept) return null;
  let listing: KeptListing;
  try {
    listing = JSON.parse(kept) as KeptListing;
  } catch {
    return null;
  }
  const { findScenarioFiles } = await import('../scenario/scenario-files.ts');
  const { patterns, cwd: from, exclude, files } = listing.match;
  let now: string[];
  try {
    now = await findScenarioFiles(patterns, from, exclude);
  } catch {
    // A glob that matches nothing now: the command says so itself.
    return null;
  }
  return now.length === files.length && now.every((f, i) => f === files[i]) ? listing.text : null;
}

/**
 * Keeps the listing a command computes. Stamps are taken before the files are loaded, as the
 * cache asks: the configuration's before it is imported, all files' before the scenario files
 * are (and the cache checks them again when the listing is put); a configuration read differently
 * the two times keeps nothing. Nothing is kept when what they are made of cannot be told, or when
 * they read more than their files.
 */
export class ListingKeeper {
  private constructor(
    private readonly where: { cache: AnswerCache; key: string },
    private readonly configFile: string | null,
    private readonly cwd: string,
    private readonly configBefore: ReadonlyMap<string, string>,
  ) {}

  /** Before the configuration is loaded; null when there is no cache or the configuration cannot be read by esbuild. */
  static async begin(argv: readonly string[], cwd: string): Promise<ListingKeeper | null> {
    const where = cacheFor(argv, cwd);
    if (!where) return null;
    const configFile = configFileFor(argv, cwd);
    const before = configFile ? await inputsOf([configFile], dirname(configFile)) : { inputs: [] };
    return before ? new ListingKeeper(where, configFile, cwd, new Map(before.inputs.map((i) => [i.path, i.sha1]))) : null;
  }

  /**
   * Stamps the configuration and the scenario files `match` found, before they are loaded; then
   * `keep(text)` once the listing is computed from them.
   */
  async stampScenarioFiles(match: ScenarioMatch): Promise<((text: string) => void) | null> {
    const entries = [...(this.configFile ? [this.configFile] : []), ...match.files];
    const made = entries.length > 0 ? await inputsOf(entries, this.configFile ? dirname(this.configFile) : this.cwd) : null;
    if (!made || made.dynamic !== null) return null;
    const now = new Map(made.inputs.map((i) => [i.path, i.sha1]));
    for (const [path, sha1] of this.configBefore) if (now.get(path) !== sha1) return null;
    const stamps = this.where.cache.stamp({ hashed: made.inputs, files: [...made.packages, ...made.settings], others: [fileURLToPath(import.meta.url)] });
    return (text) => this.where.cache.put(this.where.key, stamps, JSON.stringify({ text, match } satisfies KeptListing));
  }
}

/** What esbuild reads of `files`; null when it cannot. */
async function inputsOf(files: readonly string[], dir: string): Promise<Awaited<ReturnType<typeof import('../scenario/config-bundle.ts').moduleInputs>> | null> {
  const { moduleInputs } = await import('../scenario/config-bundle.ts');
  try {
    return await moduleInputs(files, dir);
  } catch {
    return null;
  }
}
