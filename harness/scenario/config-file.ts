// Where a project's configuration is: race.config.* in the working directory or the nearest
// directory above it (as vitest looks for its own). Kept apart so `race --help` finds it cheaply.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The names the CLI looks for, in order. */
export const CONFIG_FILE_NAMES = ['race.config.ts', 'race.config.mts', 'race.config.js', 'race.config.mjs'] as const;

/** The first of CONFIG_FILE_NAMES in `cwd` or the nearest directory above it; null when there is none. */
export function findConfigFile(cwd: string): string | null {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const found = CONFIG_FILE_NAMES.map((n) => resolve(dir, n)).find((f) => existsSync(f));
    if (found) return found;
    if (dirname(dir) === dir) return null;
  }
}
