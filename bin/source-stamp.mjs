// What the harness's sources are, cheaply: every file under harness/ and the TypeScript settings
// the build compiles them with, each with its size and modification time. The build keeps the
// stamp of what its tsc run read; bin/race.mjs compares.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The stamp's file in dist/. */
export const SOURCE_STAMP_FILE = 'source-stamp';
const SETTINGS = ['tsconfig.json', 'tsconfig.build.json'];

/** One line per file (sorted): its path under `root`, size and mtime; a missing settings file says so. */
export function sourceStamp(root) {
  const lines = [];
  const walk = (rel) => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = join(rel, entry.name);
      // Python's bytecode cache beside the runner is no source.
      if (entry.isDirectory()) {
        if (entry.name !== '__pycache__') walk(path);
      } else if (entry.isFile()) {
        const s = statSync(join(root, path));
        lines.push(`${path} ${s.size} ${s.mtimeMs}`);
      }
    }
  };
  walk('harness');
  for (const file of SETTINGS) {
    try {
      const s = statSync(join(root, file));
      lines.push(`${file} ${s.size} ${s.mtimeMs}`);
    } catch {
      lines.push(`${file} missing`);
    }
  }
  return `${lines.sort().join('\n')}\n`;
}
