// `race --help`: the core's flags and those of the plugins the configuration names. Only the
// configuration is loaded (no scenario, no database); with a cache the answer is kept until the
// configuration, a project file it imports, a package it imports, a lockfile or the harness
// change, so a repeated `--help` loads neither the harness nor the configuration.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findConfigFile } from '../scenario/config-file.ts';
import { AnswerCache } from './answer-cache.ts';
import { packageVersion } from './package-version.ts';

export interface HelpIo {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

export interface HelpOptions {
  /**
   * Keep and reuse the answer in node_modules/.cache, the configuration loaded as a bundle. Off
   * when the harness runs from its TypeScript sources: an edit of them would not show in what the
   * cache checks, and the running loader loads the configuration as a run does.
   */
  readonly cache: boolean;
}

export async function helpCommand(argv: readonly string[], cwd: string, io: HelpIo, options: HelpOptions): Promise<number> {
  // Only --config matters here; every other flag is left to the run the help is about.
  const given = parseArgs({ args: [...argv], options: { config: { type: 'string' } }, strict: false, allowPositionals: true }).values['config'];
  const configFile = typeof given === 'string' ? resolve(cwd, given) : findConfigFile(cwd);
  const cache = options.cache ? AnswerCache.near(configFile ? dirname(configFile) : cwd, packageVersion()) : null;
  const key = `help\0${configFile ?? ''}`;
  const kept = cache?.get(key);
  if (kept) {
    io.out.write(kept);
    return 0;
  }

  const [{ helpText }, { pluginsInUse }, { BundleUnavailable, importBundled, importUserFile, loadRaceConfig }] = await Promise.all([
    import('./help-text.ts'),
    import('./cli-plugins.ts'),
    import('../scenario/index.ts'),
  ]);
  // The harness's own compiled file: a rebuild without a new version changes it.
  const harness = fileURLToPath(import.meta.url);
  let stamps = cache && !configFile ? cache.stamp({ files: [], others: [harness] }) : null;
  const bundled = async (file: string): Promise<unknown> => {
    const before = cache?.stamp({ files: [file], others: [] })[0];
    try {
      const b = await importBundled(file, cache?.ensureDir() ? cache.dir : undefined);
      const after = cache?.stamp({ files: b.inputs, others: [...b.packages, harness] });
      // The configuration edited while it was bundled: its answer is not kept.
      if (after && before && after[0]?.[1] === before[1]) stamps = after;
      return b.module;
    } catch (e) {
      // What esbuild cannot bundle (a path alias, a plugin of the loader) loads as a run loads it.
      if (e instanceof BundleUnavailable) return importUserFile(file);
      throw e;
    }
  };
  let text: string;
  try {
    const loaded = await loadRaceConfig(cwd, typeof given === 'string' ? given : undefined, cache ? bundled : undefined);
    text = `${helpText(pluginsInUse(loaded.config.plugins ?? [], []))}\n`;
  } catch (e) {
    // Help without the configuration's plugins is still help.
    io.out.write(`${helpText([])}\n`);
    io.err.write(`(the configuration could not be loaded, so its plugins' flags are not shown: ${(e as Error).message})\n`);
    return 0;
  }
  io.out.write(text);
  if (cache && stamps) cache.put(key, stamps, text);
  return 0;
}
