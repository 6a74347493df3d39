// race.config.ts: where a repository's scenarios are, the schema they share, the plugins whose
// flags the CLI offers and what a run without a selection runs. The CLI looks for it in the
// working directory and each directory above (as vitest does), or takes --config; paths in it
// are relative to the file.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { SqlFile } from '../db/index.ts';
import { HarnessError } from '../errors/index.ts';
import { DEFAULT_SCENARIO_GLOB, findScenarioFiles, loadScenarioFiles, moduleHint, shownPath, type LoadedScenario } from './scenario-files.ts';
import { readSchemaFile } from './sql-plugin.ts';
import { isScenarioPlugin, type ScenarioPlugin } from './scenario-plugin.ts';
import { importUserFile } from './module-loader.ts';
import { findConfigFile } from './config-file.ts';

export interface RaceConfig {
  /** Globs of scenario files, relative to the configuration file (default `**\/*.race.ts`). */
  readonly scenarios?: readonly string[];
  /** Globs of files the scenario globs match but that hold no scenario (helpers). */
  readonly exclude?: readonly string[];
  /** SQL files applied first to every scenario's template database: your application's schema. */
  readonly schema?: readonly string[];
  /**
   * Plugins whose flags and words `race --help` shows without loading a scenario (the plugins of
   * the loaded scenarios are always offered too).
   */
  readonly plugins?: readonly ScenarioPlugin[];
  /**
   * What a run without `--scenario` / `--variant` runs, so that a first run is short; `--all`
   * runs every scenario under every default variant of its plugin. `budget` (most runs per cell)
   * applies to that run unless `--budget` is given: for scenarios whose runs are slow (programs
   * started per run), a default run that stops in minutes.
   */
  readonly defaultRun?: { readonly scenarios?: readonly string[]; readonly variants?: readonly string[]; readonly budget?: number };
}

const SETTINGS = ['scenarios', 'exclude', 'schema', 'plugins', 'defaultRun'] as const;

/** Types a configuration (identity at run time, validated when loaded). */
export function defineConfig(config: RaceConfig): RaceConfig {
  return config;
}

/** Where the scenarios of a run come from. */
export interface ScenarioSources {
  /** `--config`; else the first of CONFIG_FILE_NAMES in `cwd` or the nearest directory above, if any. */
  readonly config?: string;
  /** `--scenarios` globs (relative to `cwd`): they replace the configuration's. */
  readonly scenarios?: readonly string[];
  readonly cwd: string;
}

export interface ScenarioCatalog {
  readonly scenarios: readonly LoadedScenario[];
  /** The configuration's schema files, read. */
  readonly baseSchema: readonly SqlFile[];
  readonly configFile: string | null;
  /** The configuration as loaded (empty without one). */
  readonly config: RaceConfig;
  /** No configuration and no `--scenarios`: the scenarios came from DEFAULT_SCENARIO_GLOB under `cwd`. */
  readonly defaultGlob: boolean;
  /** How the scenario files were found, and which they were (a kept listing is matched again). */
  readonly match?: ScenarioMatch;
}

/** The globs the scenario files came from (findScenarioFiles's arguments) and the files they matched. */
export interface ScenarioMatch {
  readonly patterns: readonly string[];
  readonly cwd: string;
  readonly exclude: readonly string[];
  readonly files: readonly string[];
}

export interface LoadedConfig {
  readonly config: RaceConfig;
  /** null when there is none: defaults apply. */
  readonly configFile: string | null;
  /** Where its relative paths start. */
  readonly dir: string;
  /** Its schema files, read. */
  readonly baseSchema: readonly SqlFile[];
}

/** Imports a user's file (an absolute path). */
export type UserFileImporter = (file: string) => Promise<unknown>;

/**
 * The configuration: `config` (relative to `cwd`), else the one findConfigFile finds, else none.
 * `importer` loads the file (default: the way scenario files are loaded, sharing their modules).
 */
export async function loadRaceConfig(cwd: string, config?: string, importer: UserFileImporter = importUserFile): Promise<LoadedConfig> {
  const configFile = config ? resolve(cwd, config) : findConfigFile(cwd);
  if (config && configFile && !existsSync(configFile)) throw new HarnessError('E_BAD_ARGUMENT', `--config: no file ${configFile}`);
  const loaded = configFile ? await loadConfigFile(configFile, importer) : {};
  const dir = configFile ? dirname(configFile) : cwd;
  const baseSchema = (loaded.schema ?? []).map((f) => {
    const path = resolve(dir, f);
    return { name: shownPath(path, cwd), sql: readSchemaFile(path, `configuration ${configFile ?? ''}`) };
  });
  return { config: loaded, configFile, dir, baseSchema };
}

/** Loads the scenario files the configuration (loaded already, or now) or `--scenarios` names. */
/** `found` is told which files the globs matched before they are loaded (a cache stamps them then). */
/** `importer` loads them (default: as loadRaceConfig's default does). */
export async function loadScenarioCatalog(sources: ScenarioSources, loadedConfig?: LoadedConfig, found?: (match: ScenarioMatch) => Promise<void>, importer: UserFileImporter = importUserFile): Promise<ScenarioCatalog> {
  const { config, configFile, dir, baseSchema } = loadedConfig ?? (await loadRaceConfig(sources.cwd, sources.config));
  const given = sources.scenarios !== undefined && sources.scenarios.length > 0;
  const glob = given ? { patterns: sources.scenarios ?? [], cwd: sources.cwd, exclude: [] } : { patterns: config.scenarios ?? [DEFAULT_SCENARIO_GLOB], cwd: dir, exclude: config.exclude ?? [] };
  const files = await findScenarioFiles(glob.patterns, glob.cwd, glob.exclude);
  await found?.({ ...glob, files });
  return { scenarios: await loadScenarioFiles(files, sources.cwd, importer), baseSchema, configFile, config, defaultGlob: !given && configFile === null, match: { ...glob, files } };
}

async function loadConfigFile(file: string, importer: UserFileImporter): Promise<RaceConfig> {
  let mod: { default?: unknown };
  try {
    mod = (await importer(file)) as { default?: unknown };
  } catch (e) {
    throw new HarnessError('E_BAD_SCENARIO', `${file}: cannot load it: ${e instanceof Error ? e.message : String(e)}${moduleHint(file, e, dirname(file))}`, { cause: e });
  }
  const c = mod.default as RaceConfig | undefined;
  const bad = (m: string) => new HarnessError('E_BAD_SCENARIO', `${file}: ${m}`);
  if (typeof c !== 'object' || c === null) throw bad('export default defineConfig({ scenarios: [...] })');
  for (const key of Object.keys(c)) if (!(SETTINGS as readonly string[]).includes(key)) throw bad(`unknown setting '${key}'; valid: ${SETTINGS.join(', ')}`);
  for (const key of ['scenarios', 'exclude', 'schema'] as const) {
    const v = c[key];
    if (v !== undefined && !isNameList(v)) throw bad(`${key} must be a list of paths or globs`);
  }
  if (c.plugins !== undefined && (!Array.isArray(c.plugins) || !c.plugins.every(isScenarioPlugin))) throw bad('plugins must be a list of scenario plugins (e.g. the plugin object a plugin package exports)');
  const d = c.defaultRun;
  if (
    d !== undefined &&
    (typeof d !== 'object' ||
      d === null ||
      Object.keys(d).some((k) => k !== 'scenarios' && k !== 'variants' && k !== 'budget') ||
      (d.scenarios !== undefined && !isNameList(d.scenarios)) ||
      (d.variants !== undefined && !isNameList(d.variants)) ||
      (d.budget !== undefined && (!Number.isInteger(d.budget) || d.budget < 1)))
  ) {
    throw bad("defaultRun must look like { scenarios: ['name', ...], variants: ['id', ...], budget: 100 } (all optional; budget a whole number of runs, at least 1)");
  }
  return c;
}

function isNameList(v: unknown): v is readonly string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
