// `race --version`: the version in the harness's own package.json, found from this file upward
// (the source tree and a compiled package alike), without loading anything else.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      return `${pkg.name ?? 'race'} ${pkg.version ?? 'unknown'}`;
    }
    if (dirname(dir) === dir) return 'race (version unknown)';
  }
}
