// Finds scenario files by glob and imports them: every exported scenario is collected. A file
// that exports none, two scenarios with one name, or a file that fails to load is bad input
// (E_BAD_SCENARIO) naming the file and the reason.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { HarnessError } from '../errors/index.ts';
import { isScenario, type ScenarioBase } from './scenario-plugin.ts';
import { importUserFile } from './module-loader.ts';

export interface LoadedScenario {
  readonly scenario: ScenarioBase;
  /** Absolute path of the file that exports it. */
  readonly file: string;
}

/** Without --scenarios or a configuration: every `*.race.ts` under the working directory. */
export const DEFAULT_SCENARIO_GLOB = '**/*.race.ts';

/** Files matching `patterns` (relative to `cwd`), sorted; each pattern must match at least one. */
export async function findScenarioFiles(patterns: readonly string[], cwd: string, exclude: readonly string[] = []): Promise<string[]> {
  const ignore = ['**/node_modules/**', ...exclude];
  const files = new Set<string>();
  for (const pattern of patterns) {
    const found = await glob([pattern], { cwd, ignore, absolute: true, onlyFiles: true });
    if (found.length === 0) throw new HarnessError('E_BAD_SCENARIO', `no scenario file matches '${pattern}' (in ${cwd})`);
    for (const f of found) files.add(resolve(f));
  }
  return [...files].sort();
}

/** Imports `files` and collects their scenarios, in file order then export order. */
export async function loadScenarioFiles(files: readonly string[], cwd = process.cwd(), importer: (file: string) => Promise<unknown> = importUserFile): Promise<LoadedScenario[]> {
  const loaded: LoadedScenario[] = [];
  const byName = new Map<string, LoadedScenario>();
  for (const file of files) {
    const shown = shownPath(file, cwd);
    let mod: Record<string, unknown>;
    try {
      mod = (await importer(file)) as Record<string, unknown>;
    } catch (e) {
      const reason = e instanceof HarnessError ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      throw new HarnessError('E_BAD_SCENARIO', `${shown}: cannot load it: ${reason}${moduleHint(file, e, cwd)}`, { cause: e });
    }
    const found = new Set<ScenarioBase>();
    for (const value of Object.values(mod)) {
      for (const v of Array.isArray(value) ? value : [value]) if (isScenario(v)) found.add(v);
    }
    if (found.size === 0) {
      throw new HarnessError('E_BAD_SCENARIO', `${shown}: exports no scenario; export one made with defineScenario (e.g. \`export const myRace = defineScenario({ ... })\`)`);
    }
    for (const scenario of found) {
      const earlier = byName.get(scenario.name);
      // The same object re-exported by another file is one scenario.
      if (earlier && earlier.scenario === scenario) continue;
      if (earlier) {
        const first = shownPath(earlier.file, cwd);
        throw new HarnessError('E_BAD_SCENARIO', `two scenarios are named '${scenario.name}': in ${first} and in ${shown}; names must be unique`);
      }
      const entry = { scenario, file };
      byName.set(scenario.name, entry);
      loaded.push(entry);
    }
  }
  return loaded;
}

/**
 * What to do when a file failed to load because its package is not an ES module package: Node
 * then loads a `.ts`/`.js` file as CommonJS, and its `import` of the harness (an ES module) ends in
 * "Cannot require() ES Module ... in a cycle" or an ERR_REQUIRE_* code.
 */
export function moduleHint(file: string, e: unknown, cwd: string): string {
  const err = e as { code?: unknown; message?: unknown } | null;
  const message = typeof err?.message === 'string' ? err.message : '';
  const code = typeof err?.code === 'string' ? err.code : '';
  if (!/Cannot require\(\) ES Module|require\(\) of ES Module|Cannot use import statement outside a module/.test(message) && !code.startsWith('ERR_REQUIRE')) return '';
  if (/\.m[jt]s$/.test(file)) return '';
  const pkg = nearestPackageJson(dirname(file));
  const where = pkg ? `add "type": "module" to ${shownPath(pkg, cwd)}` : 'add a package.json with "type": "module" beside it';
  return ` (hint: this file is loaded as CommonJS because its package is not an ES module package; ${where}, or rename the file to end in .mts)`;
}

function nearestPackageJson(dir: string): string | null {
  for (let d = dir; ; d = dirname(d)) {
    const p = join(d, 'package.json');
    if (existsSync(p)) return p;
    if (dirname(d) === d) return null;
  }
}

/** A path as the user wrote it: relative to the working directory when inside it. */
export function shownPath(file: string, cwd: string): string {
  const r = relative(cwd, file);
  return r === '' || r.startsWith('..') || isAbsolute(r) ? file : r;
}
