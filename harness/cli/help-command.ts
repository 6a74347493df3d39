// `race --help`: the core's flags and those of the plugins the configuration names. Only the
// configuration is loaded (no scenario, no database); with a cache the answer is kept until the
// configuration, a project file it imports, a package it imports, a lockfile or the harness
// change, so a repeated `--help` loads neither the harness nor the configuration.
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findConfigFile } from '../scenario/config-file.ts';
import { AnswerCache } from './answer-cache.ts';
import { packageVersion } from './package-version.ts';

export interface HelpIo {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

export interface AnswerOptions {
  /**
   * Keep and reuse the answer in node_modules/.cache, the project's files loaded as bundles. Off
   * when the harness runs from its TypeScript sources: an edit of them would not show in what the
   * cache checks, and the running loader loads the files as a run does.
   */
  readonly cache: boolean;
}

export async function helpCommand(argv: readonly string[], cwd: string, io: HelpIo, options: AnswerOptions): Promise<number> {
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

  const [{ helpText }, { pluginsInUse }, { loadRaceConfig }, { BundledImporter }] = await Promise.all([
    import('./help-text.ts'),
    import('./cli-plugins.ts'),
    import('../scenario/index.ts'),
    import('./bundled-importer.ts'),
  ]);
  const importer = cache ? new BundledImporter(cache) : null;
  let text: string;
  try {
    const loaded = await loadRaceConfig(cwd, typeof given === 'string' ? given : undefined, importer?.import);
    text = `${helpText(pluginsInUse(loaded.config.plugins ?? [], []))}\n`;
  } catch (e) {
    // Help without the configuration's plugins is still help.
    io.out.write(`${helpText([])}\n`);
    io.err.write(`(the configuration could not be loaded, so its plugins' flags are not shown: ${(e as Error).message})\n`);
    return 0;
  }
  io.out.write(text);
  const stamps = importer?.stamps();
  if (cache && stamps) cache.put(key, stamps, text);
  return 0;
}
