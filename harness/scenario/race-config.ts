// race.config.ts: where a repository's scenarios are and the schema they share. The CLI reads it
// from the working directory (or --config); paths in it are relative to the file.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SqlFile } from '../db/index.ts';
import { HarnessError } from '../errors/index.ts';
import { DEFAULT_SCENARIO_GLOB, findScenarioFiles, loadScenarioFiles, shownPath, type LoadedScenario } from './scenario-files.ts';
import { readSchemaFile } from './sql-plugin.ts';

export interface RaceConfig {
  /** Globs of scenario files, relative to the configuration file (default `**\/*.race.ts`). */
  readonly scenarios?: readonly string[];
  /** Globs of files the scenario globs match but that hold no scenario (helpers). */
  readonly exclude?: readonly string[];
  /** SQL files applied first to every scenario's template database: your application's schema. */
  readonly schema?: readonly string[];
}

/** The names the CLI looks for, in order. */
export const CONFIG_FILE_NAMES = ['race.config.ts', 'race.config.mts', 'race.config.js', 'race.config.mjs'] as const;

/** Types a configuration (identity at run time, validated when loaded). */
export function defineConfig(config: RaceConfig): RaceConfig {
  return config;
}

/** Where the scenarios of a run come from. */
export interface ScenarioSources {
  /** `--config`; else the first of CONFIG_FILE_NAMES in `cwd`, if any. */
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

/** The configuration: `config` (relative to `cwd`), else the first of CONFIG_FILE_NAMES in `cwd`, else none. */
export async function loadRaceConfig(cwd: string, config?: string): Promise<LoadedConfig> {
  const configFile = config ? resolve(cwd, config) : (CONFIG_FILE_NAMES.map((n) => resolve(cwd, n)).find((f) => existsSync(f)) ?? null);
  if (config && configFile && !existsSync(configFile)) throw new HarnessError('E_BAD_ARGUMENT', `--config: no file ${configFile}`);
  const loaded = configFile ? await loadConfigFile(configFile) : {};
  const dir = configFile ? dirname(configFile) : cwd;
  const baseSchema = (loaded.schema ?? []).map((f) => {
    const path = resolve(dir, f);
    return { name: shownPath(path, cwd), sql: readSchemaFile(path, `configuration ${configFile ?? ''}`) };
  });
  return { config: loaded, configFile, dir, baseSchema };
}

/** Loads the configuration (if any) and the scenario files it or `--scenarios` names. */
export async function loadScenarioCatalog(sources: ScenarioSources): Promise<ScenarioCatalog> {
  const { config, configFile, dir, baseSchema } = await loadRaceConfig(sources.cwd, sources.config);
  const files = sources.scenarios && sources.scenarios.length > 0
    ? await findScenarioFiles(sources.scenarios, sources.cwd)
    : await findScenarioFiles(config.scenarios ?? [DEFAULT_SCENARIO_GLOB], dir, config.exclude ?? []);
  return { scenarios: await loadScenarioFiles(files, sources.cwd), baseSchema, configFile };
}

async function loadConfigFile(file: string): Promise<RaceConfig> {
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    throw new HarnessError('E_BAD_SCENARIO', `${file}: cannot load it: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const c = mod.default as RaceConfig | undefined;
  const bad = (m: string) => new HarnessError('E_BAD_SCENARIO', `${file}: ${m}`);
  if (typeof c !== 'object' || c === null) throw bad('export default defineConfig({ scenarios: [...] })');
  for (const key of Object.keys(c)) if (!['scenarios', 'exclude', 'schema'].includes(key)) throw bad(`unknown setting '${key}'; valid: scenarios, exclude, schema`);
  for (const key of ['scenarios', 'exclude', 'schema'] as const) {
    const v = c[key];
    if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) throw bad(`${key} must be a list of paths or globs`);
  }
  return c;
}
