// How the compiled CLI loads a project's configuration and scenario files: as one split bundle
// (scenario/config-bundle.ts), kept in the project's cache until a file in it changes, so that no
// module loader thread stands between Node and each of the project's modules (a hop of about a
// millisecond per module: a third of a second of the bot's start). What esbuild cannot bundle, or
// what does not run from the cache's place, loads through tsx as before.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BundleUnavailable, findConfigFile, importUserFile, loadRaceConfig, loadScenarioCatalog, writeProjectBundle, type CompiledHarness, type ScenarioCatalog, type ScenarioMatch, type ScenarioSources } from '../scenario/index.ts';
import { AnswerCache } from './answer-cache.ts';
import { packageVersion } from './package-version.ts';

/**
 * The configuration came from a bundle that does not hold the scenario files now matched (one was
 * added) or cannot serve them: the catalog loads again from the start, through `next()`.
 */
export class ProjectModulesOutdated extends Error {
  constructor(readonly next: ProjectModules) {
    super('the project bundle is outdated: load the catalog again');
  }
}

interface KeptBundle {
  readonly entries: readonly string[];
  readonly outputs: readonly (readonly [string, string])[];
}

/** A bundle left by an earlier build is removed once it is this old and no longer the current one. */
const STALE_BUNDLE_MS = 60 * 60 * 1000;
const HERE = fileURLToPath(import.meta.url);
/** Bundles this process made: each in a directory of its own. */
let builds = 0;

/** In the harness's own checkout, run compiled: its sources, which the bot imports by path, stand for the compiled modules. */
function compiledCheckout(): CompiledHarness | undefined {
  if (!HERE.endsWith('.js')) return undefined;
  const compiled = dirname(dirname(HERE));
  const sources = join(dirname(compiled), 'harness');
  return existsSync(join(sources, 'cli', 'main.ts')) ? { sources, compiled } : undefined;
}

export class ProjectModules {
  private outputs: ReadonlyMap<string, string> | null = null;
  private loader = false;
  private imported = false;
  private sourceMaps = false;

  private constructor(
    private readonly cache: AnswerCache,
    private readonly key: string,
    /** Where the bundle is made from (the configuration's directory): relative imports and settings. */
    private readonly dir: string,
    /** Files a bundle must hold whatever the kept one holds (those an outdated attempt met). */
    private readonly wanted: readonly string[] = [],
    loader = false,
  ) {
    this.loader = loader;
  }

  /** For a command in `cwd` whose configuration is `configFile`; null where there is no node_modules to keep a bundle in. */
  static near(cwd: string, configFile: string | null): ProjectModules | null {
    const dir = configFile ? dirname(configFile) : cwd;
    const cache = AnswerCache.near(dir, packageVersion());
    return cache ? new ProjectModules(cache, `bundle\0${dir}\0${configFile ?? ''}`, dir) : null;
  }

  /** Imports `file` (absolute): its bundle's output, or the file through tsx when it cannot be bundled. */
  readonly import = async (file: string): Promise<unknown> => {
    if (this.loader) return importUserFile(file);
    let output = this.outputs?.get(file);
    if (output === undefined) {
      // Modules came from a bundle without it: another bundle now would hold second copies of them.
      if (this.imported) throw new ProjectModulesOutdated(this.again([file], false));
      output = (await this.ensure([file]))?.get(file);
      if (output === undefined) {
        this.loader = true;
        return importUserFile(file);
      }
    }
    if (!this.sourceMaps) {
      // Stack traces name the project's files and lines, as under tsx.
      process.setSourceMapsEnabled(true);
      this.sourceMaps = true;
    }
    try {
      const module: unknown = await import(pathToFileURL(output).href);
      this.imported = true;
      return module;
    } catch (e) {
      // A package that does not resolve from the cache's place (linking fails before any module runs).
      const why = (e as { code?: unknown } | null)?.code;
      if (why !== 'ERR_MODULE_NOT_FOUND' && why !== 'ERR_UNSUPPORTED_DIR_IMPORT') throw e;
      if (this.imported) throw new ProjectModulesOutdated(this.again([file], true));
      this.loader = true;
      return importUserFile(file);
    }
  };

  /**
   * Told the scenario files before the first is imported. A file the bundle does not hold: built
   * now when nothing was imported yet; else the configuration was, from a bundle without it, and
   * the catalog loads again (ProjectModulesOutdated), the configuration once more with them.
   */
  async willImport(files: readonly string[]): Promise<void> {
    if (this.loader || files.every((f) => this.outputs?.has(f))) return;
    if (this.imported) throw new ProjectModulesOutdated(this.again(files, false));
    if ((await this.ensure(files)) === null) this.loader = true;
  }

  /** The next attempt: a bundle that holds what this one met, or tsx for everything. */
  private again(files: readonly string[], loader: boolean): ProjectModules {
    return new ProjectModules(this.cache, this.key, this.dir, [...new Set([...this.wanted, ...(this.outputs?.keys() ?? []), ...files])], loader);
  }

  /** The kept bundle when it holds `files` and nothing in it changed, else a new one; null when none can be made. */
  private async ensure(files: readonly string[]): Promise<ReadonlyMap<string, string> | null> {
    const kept = this.kept();
    const want = [...new Set([...files, ...this.wanted])];
    if (kept && want.every((f) => kept.has(f))) return (this.outputs = kept);
    // The files the kept bundle held come along (the scenario files with their configuration), where they still are.
    const entries = [...new Set([...want, ...(kept?.keys() ?? [])])].filter((f) => existsSync(f));
    const bundles = join(this.cache.dir, 'bundles');
    const outDir = join(bundles, `${Date.now().toString(36)}-${process.pid}-${(builds += 1)}`);
    try {
      mkdirSync(outDir, { recursive: true });
      const built = await writeProjectBundle(entries, this.dir, outDir, compiledCheckout());
      const stamps = this.cache.stamp({ hashed: built.inputs, files: built.settings, others: [HERE] });
      const outputs = [...built.outputs];
      this.cache.put(this.key, stamps, JSON.stringify({ entries, outputs } satisfies KeptBundle));
      pruneBundles(bundles, outDir);
      return (this.outputs = built.outputs);
    } catch (e) {
      if (!(e instanceof BundleUnavailable) && (e as { code?: unknown } | null)?.code === undefined) throw e;
      // Not bundled (esbuild refused a file, or the cache cannot be written): the usual way.
      rmSync(outDir, { recursive: true, force: true });
      return null;
    }
  }

  /** The kept bundle's outputs, when its files are unchanged and its outputs are all there. */
  private kept(): ReadonlyMap<string, string> | null {
    const text = this.cache.get(this.key);
    if (text === null) return null;
    try {
      const kept = JSON.parse(text) as KeptBundle;
      const outputs = new Map(kept.outputs.map(([entry, output]) => [entry, output] as const));
      return [...outputs.values()].every((o) => existsSync(o)) ? outputs : null;
    } catch {
      return null;
    }
  }
}

/** Removes bundles of earlier builds an hour old (a command that started from one has long imported it). */
function pruneBundles(bundles: string, current: string): void {
  try {
    for (const name of readdirSync(bundles)) {
      const path = join(bundles, name);
      if (path !== current && Date.now() - statSync(path).mtimeMs > STALE_BUNDLE_MS) rmSync(path, { recursive: true, force: true });
    }
  } catch {
    // Another command pruned meanwhile: nothing to do.
  }
}

/** Attempts of a catalog from bundles before it loads through tsx (a configuration whose globs match other files each time). */
const BUNDLE_ATTEMPTS = 3;

/**
 * The configuration and the scenario files it (or `--scenarios`) names, through ProjectModules:
 * loaded again from the start when the bundle turns out not to hold a scenario file.
 */
export async function loadProjectCatalog(sources: ScenarioSources, found?: (match: ScenarioMatch) => Promise<void>): Promise<ScenarioCatalog> {
  const configFile = sources.config ? resolve(sources.cwd, sources.config) : findConfigFile(sources.cwd);
  let modules = ProjectModules.near(sources.cwd, configFile);
  for (let attempt = 1; ; attempt += 1) {
    try {
      const importer = modules?.import ?? importUserFile;
      const seen = async (match: ScenarioMatch) => {
        await modules?.willImport(match.files);
        await found?.(match);
      };
      return await loadScenarioCatalog(sources, await loadRaceConfig(sources.cwd, sources.config, importer), seen, importer);
    } catch (e) {
      const cause = (e as { cause?: unknown } | null)?.cause;
      const outdated = e instanceof ProjectModulesOutdated ? e : cause instanceof ProjectModulesOutdated ? cause : null;
      if (!outdated) throw e;
      modules = attempt < BUNDLE_ATTEMPTS ? outdated.next : null;
    }
  }
}
