// What a run's reports are titled after when no title is given: the project the run is of, as its
// nearest package.json names it (else its directory's name).
import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** The `name` of the nearest package.json at or above `dir`, else the directory's own name. */
export function projectTitle(dir: string): string {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const name = packageName(join(d, 'package.json'));
    if (name) return name;
    if (dirname(d) === d) return basename(resolve(dir)) || 'race';
  }
}

function packageName(file: string): string | undefined {
  try {
    const name = (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    // No package.json here (or not one we can read): look further up.
    return undefined;
  }
}
