// `race --list` of an installed harness, answered from node_modules/.cache while nothing it came
// from changed: the configuration, the scenario files (the glob is run again, so a file added or
// removed shows), the project files and packages they import, the lockfiles and the harness.
// Only a plain `--list` (with `--config` or `--scenarios`) comes here, and only its success: an
// error, or another flag, is left to the full command (run-cli.ts), which says it as usual.
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findConfigFile } from '../scenario/config-file.ts';
import { AnswerCache } from './answer-cache.ts';
import type { HelpIo } from './help-command.ts';
import { packageVersion } from './package-version.ts';

/** What a kept listing holds besides its text: the glob to run again and what it found. */
interface KeptListing {
  readonly out: string;
  readonly err: string;
  readonly glob: { readonly patterns: readonly string[]; readonly dir: string; readonly exclude: readonly string[] };
  readonly files: readonly string[];
}

/** A plain `--list`: no flag but `--config` and `--scenarios` beside it. */
export function isPlainList(argv: readonly string[]): boolean {
  if (!argv.includes('--list')) return false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--list' || /^--(config|scenarios)=./.test(a)) continue;
    if ((a === '--config' || a === '--scenarios') && i + 1 < argv.length && !(argv[i + 1] ?? '').startsWith('-')) {
      i++;
      continue;
    }
    return false;
  }
  return true;
}

function parseKept(text: string): KeptListing | null {
  try {
    const k = JSON.parse(text) as Partial<KeptListing> | null;
    const g = k?.glob;
    const strings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
    if (typeof k?.out !== 'string' || typeof k.err !== 'string' || !strings(k.files) || !g || !strings(g.patterns) || !strings(g.exclude) || typeof g.dir !== 'string') return null;
    return k as KeptListing;
  } catch {
    return null;
  }
}

/** The listing, from the cache or computed and kept; null when the full command must answer. */
export async function listCommand(argv: readonly string[], cwd: string, io: HelpIo): Promise<number | null> {
  const { values } = parseArgs({ args: [...argv], options: { list: { type: 'boolean' }, config: { type: 'string' }, scenarios: { type: 'string', multiple: true } }, strict: true, allowPositionals: false });
  const given = values.config;
  const globs = values.scenarios ?? [];
  const configFile = given !== undefined ? resolve(cwd, given) : findConfigFile(cwd);
  const cache = AnswerCache.near(configFile ? dirname(configFile) : cwd, packageVersion());
  if (!cache) return null;
  const key = `list\0${cwd}\0${configFile ?? ''}\0${JSON.stringify(globs)}`;
  const { findScenarioFiles } = await import('../scenario/scenario-files.ts');
  const text = cache.get(key);
  const kept = text === null ? null : parseKept(text);
  if (kept) {
    const files = await findScenarioFiles(kept.glob.patterns, kept.glob.dir, kept.glob.exclude).catch(() => null);
    if (files && JSON.stringify(files) === JSON.stringify(kept.files)) {
      io.err.write(kept.err);
      io.out.write(kept.out);
      return 0;
    }
  }

  const [{ listing }, { pluginsInUse }, { loadRaceConfig, loadScenarioCatalog, DEFAULT_SCENARIO_GLOB }, { BundledImporter }, { noConfigWarning }] = await Promise.all([
    import('./help-text.ts'),
    import('./cli-plugins.ts'),
    import('../scenario/index.ts'),
    import('./bundled-importer.ts'),
    import('./no-config-warning.ts'),
  ]);
  const importer = new BundledImporter(cache);
  let listed: KeptListing;
  try {
    const loaded = await loadRaceConfig(cwd, given, importer.import);
    const catalog = await loadScenarioCatalog({ cwd, ...(given !== undefined ? { config: given } : {}), scenarios: globs }, loaded, importer.import);
    const glob = globs.length > 0 ? { patterns: globs, dir: cwd, exclude: [] } : { patterns: loaded.config.scenarios ?? [DEFAULT_SCENARIO_GLOB], dir: loaded.dir, exclude: loaded.config.exclude ?? [] };
    listed = {
      out: `${listing(catalog.scenarios, pluginsInUse(catalog.config.plugins ?? [], catalog.scenarios.map((l) => l.scenario)))}\n`,
      err: catalog.defaultGlob ? noConfigWarning(cwd) : '',
      glob,
      files: [...new Set(catalog.scenarios.map((l) => l.file))].sort(),
    };
  } catch {
    return null;
  }
  io.err.write(listed.err);
  io.out.write(listed.out);
  const stamps = importer.stamps();
  if (stamps) cache.put(key, stamps, JSON.stringify(listed));
  return 0;
}
