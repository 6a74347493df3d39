// How the compiled CLI loads a project's configuration and scenario files: as one split bundle
// (scenario/config-bundle.ts), kept in the project's cache until a file in it changes, so that no
// module loader thread stands between Node and each of the project's modules (a hop of about a
// millisecond per module: a third of a second of the bot's start). What esbuild cannot bundle, or
// what would not run from the cache's place as from its own, loads through tsx as before.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pidAlive, processStartTime } from '../db/index.ts';
import { BundleUnavailable, findConfigFile, importUserFile, loadRaceConfig, loadScenarioCatalog, writeProjectBundle, type CompiledHarness, type ScenarioCatalog, type ScenarioMatch, type ScenarioSources } from '../scenario/index.ts';
import { AnswerCache } from './answer-cache.ts';
import { packageVersion } from './package-version.ts';

/**
 * The configuration came from a bundle that does not hold the scenario files now matched (one was
 * added) or cannot serve them: the catalog loads again from the start, through `next`.
 */
export class ProjectModulesOutdated extends Error {
  constructor(readonly next: ProjectModules) {
    super('the project bundle is outdated: load the catalog again');
  }
}

interface KeptBundle {
  /** The bundle's directory under bundles/. */
  readonly dir: string;
  readonly outputs: readonly (readonly [string, string])[];
}

/** A bundle no command has used for this long, named by no kept entry, is removed. */
const STALE_BUNDLE_MS = 60 * 60 * 1000;
/** A file in a bundle's directory per process that uses it: a bundle in use is not removed. */
const USER_PREFIX = '.used-by-';
const HERE = fileURLToPath(import.meta.url);
/** Bundles this process made: each in a directory of its own. */
let builds = 0;
let mappedHarness = false;

/** In the harness's own checkout, run compiled: its sources, which the bot imports by path, stand for the compiled modules. */
function compiledCheckout(): CompiledHarness | undefined {
  if (!HERE.endsWith('.js')) return undefined;
  const compiled = dirname(dirname(HERE));
  const sources = join(dirname(compiled), 'harness');
  return existsSync(join(sources, 'cli', 'main.ts')) ? { sources, compiled } : undefined;
}

/**
 * Imports `file` through tsx. In the checkout run compiled, the harness's sources resolve to the
 * compiled modules first, as in a bundle: tsx would load a second copy of the harness otherwise.
 */
async function importThroughLoader(file: string): Promise<unknown> {
  const checkout = compiledCheckout();
  if (checkout && !mappedHarness) {
    mappedHarness = true;
    const from = `${pathToFileURL(checkout.sources).href}/`;
    const to = `${pathToFileURL(checkout.compiled).href}/`;
    const hook = `export async function resolve(specifier, context, next) {
      const r = await next(specifier, context);
      if (!r.url.startsWith(${JSON.stringify(from)}) || !/\\.[cm]?ts$/.test(r.url)) return r;
      return { ...r, url: ${JSON.stringify(to)} + r.url.slice(${from.length}).replace(/\\.([cm]?)ts$/, '.$1js'), format: 'module' };
    }`;
    register(`data:text/javascript,${encodeURIComponent(hook)}`);
  }
  return importUserFile(file);
}

export class ProjectModules {
  private outputs: ReadonlyMap<string, string> | null = null;
  private imported = false;
  /** The files asked for, in order. */
  private readonly imports = new Set<string>();

  private constructor(
    private readonly cache: AnswerCache,
    private readonly key: string,
    /** Where the bundle is made from (the configuration's directory): relative imports and settings. */
    private readonly dir: string,
    /** Files a bundle must hold whatever the kept one holds (those an outdated attempt met). */
    private readonly wanted: readonly string[] = [],
    /** Everything through tsx (an attempt after the bundle failed it, or once one cannot be made). */
    private loader = false,
  ) {}

  /** For a command in `cwd` whose configuration is `configFile`; null where there is no node_modules to keep a bundle in. */
  static near(cwd: string, configFile: string | null): ProjectModules | null {
    const dir = configFile ? dirname(configFile) : cwd;
    const cache = AnswerCache.near(dir, packageVersion());
    // Node's version is in the key: the bundle is compiled for it.
    return cache ? new ProjectModules(cache, `bundle\0${process.version}\0${dir}\0${configFile ?? ''}`, dir) : null;
  }

  /** Imports `file` (absolute): its bundle's output, or the file through tsx when it cannot be bundled. */
  readonly import = async (file: string): Promise<unknown> => {
    this.imports.add(file);
    if (this.loader) return importThroughLoader(file);
    let output = this.outputs?.get(file);
    if (output === undefined) {
      // Modules came from a bundle without it: another bundle now would hold second copies of them.
      if (this.imported) throw new ProjectModulesOutdated(this.again([file], false));
      output = (await this.ensure([file]))?.get(file);
      if (output === undefined) {
        this.loader = true;
        return importThroughLoader(file);
      }
    }
    // Stack traces name the project's files and lines, as under tsx.
    process.setSourceMapsEnabled(true);
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
      return importThroughLoader(file);
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
    // The files the last bundle held come along (the scenario files with their configuration,
    // also when one of them changed since), where they still are.
    return this.build([...new Set([...want, ...this.lastEntries()])].filter((f) => existsSync(f)));
  }

  /**
   * After a catalog loaded through tsx: the files it imported are what the next bundle holds. A
   * file remembered from before (excluded since, or named once by --scenarios) that cannot be
   * bundled then keeps the others out of the bundle for one command, not for good.
   */
  rememberLoaded(): void {
    if (!this.loader || this.imports.size === 0) return;
    this.cache.put(`entries\0${this.key}`, this.cache.stamp({ files: [], others: [] }), JSON.stringify([...this.imports]));
  }

  /** A new bundle of `entries`, kept with them; null when it cannot be made. */
  private async build(entries: readonly string[]): Promise<ReadonlyMap<string, string> | null> {
    const bundles = join(this.cache.dir, 'bundles');
    const outDir = join(bundles, `${Date.now().toString(36)}-${process.pid}-${(builds += 1)}`);
    try {
      mkdirSync(outDir, { recursive: true });
      claim(outDir);
      const built = await writeProjectBundle(entries, this.dir, outDir, compiledCheckout());
      const stamps = this.cache.stamp({ hashed: built.inputs, files: built.settings, others: [HERE] });
      const outputs = [...built.outputs];
      this.cache.put(this.key, stamps, JSON.stringify({ dir: outDir, outputs } satisfies KeptBundle));
      // Which files: kept apart, stamped by the lockfiles only, so that an edit does not lose them.
      this.cache.put(`entries\0${this.key}`, this.cache.stamp({ files: [], others: [] }), JSON.stringify(entries));
      pruneBundles(bundles, this.cache);
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
      if (![...outputs.values()].every((o) => existsSync(o))) return null;
      claim(kept.dir);
      return outputs;
    } catch {
      return null;
    }
  }

  /** The files of the last bundle made for this configuration. */
  private lastEntries(): string[] {
    try {
      const entries = JSON.parse(this.cache.get(`entries\0${this.key}`) ?? '[]') as unknown;
      return Array.isArray(entries) ? entries.filter((e): e is string => typeof e === 'string') : [];
    } catch {
      return [];
    }
  }
}

/** Marks `dir` used now by this process: not removed while the process lives, nor for an hour after. */
function claim(dir: string): void {
  try {
    const now = new Date();
    utimesSync(dir, now, now);
    writeFileSync(join(dir, `${USER_PREFIX}${process.pid}`), processStartTime(process.pid));
  } catch {
    // A cache we may read but not write: the bundle serves all the same.
  }
}

/** Removes bundles unused for an hour, used by no live process, and named by no kept entry of a project still there. */
export function pruneBundles(bundles: string, cache: AnswerCache): void {
  try {
    // Named by a kept entry of a project still there (one of its files is).
    const named = new Set(
      cache.texts('bundle\0').flatMap((t) => {
        try {
          const kept = JSON.parse(t) as KeptBundle;
          return kept.outputs.some(([entry]) => existsSync(entry)) ? [kept.dir] : [];
        } catch {
          return [];
        }
      }),
    );
    for (const name of readdirSync(bundles)) {
      const path = join(bundles, name);
      // Taken first: removing a mark below touches the directory.
      const unusedMs = Date.now() - statSync(path).mtimeMs;
      // The marks of processes that ended go (a bundle in use for weeks would gather thousands).
      let used = false;
      for (const mark of readdirSync(path).filter((f) => f.startsWith(USER_PREFIX))) {
        const pid = Number(mark.slice(USER_PREFIX.length));
        if (pid === process.pid) continue;
        // The same process, not another that was given its number since.
        if (pidAlive(pid) && readFileSync(join(path, mark), 'utf8') === processStartTime(pid)) used = true;
        else rmSync(join(path, mark), { force: true });
      }
      if (used || named.has(path) || unusedMs < STALE_BUNDLE_MS) continue;
      rmSync(path, { recursive: true, force: true });
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
      const importer = modules?.import ?? importThroughLoader;
      const seen = async (match: ScenarioMatch) => {
        await modules?.willImport(match.files);
        await found?.(match);
      };
      const catalog = await loadScenarioCatalog(sources, await loadRaceConfig(sources.cwd, sources.config, importer), seen, importer);
      modules?.rememberLoaded();
      return catalog;
    } catch (e) {
      const cause = (e as { cause?: unknown } | null)?.cause;
      const outdated = e instanceof ProjectModulesOutdated ? e : cause instanceof ProjectModulesOutdated ? cause : null;
      if (!outdated) throw e;
      modules = attempt < BUNDLE_ATTEMPTS ? outdated.next : null;
    }
  }
}
