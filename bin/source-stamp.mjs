// What the harness's sources are, cheaply: every file under harness/ with its size and
// modification time. The build keeps the stamp its tsc run compiled; bin/race.mjs compares.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The stamp's file in dist/. */
export const SOURCE_STAMP_FILE = 'source-stamp';

/** One line per file under `dir` (sorted): its path there, size and mtime. */
export function sourceStamp(dir) {
  const lines = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath ?? entry.path, entry.name);
    // Python's bytecode cache beside the runner is no source.
    if (!entry.isFile() || path.includes('__pycache__')) continue;
    const s = statSync(path);
    lines.push(`${relative(dir, path)} ${s.size} ${s.mtimeMs}`);
  }
  return `${lines.sort().join('\n')}\n`;
}
