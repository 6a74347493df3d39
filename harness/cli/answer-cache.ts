// Answers the command computed from a project's files (`race --help` with its plugins' flags),
// kept in node_modules/.cache/position-race-harness (where Babel, Vite and others keep theirs) with
// the files they came from; one is reused only while the harness's version is the same and every
// one of those files has the same size and modification time. A cache never fails a command:
// what cannot be read or written is computed again.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface Entry {
  /** [path, size:mtime] of each file the answer was computed from. */
  readonly inputs: readonly (readonly [string, string])[];
  readonly text: string;
}

interface CacheFile {
  readonly version: string;
  readonly entries: Record<string, Entry>;
}

const FILE_NAME = 'answers.json';

function stamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

export class AnswerCache {
  private constructor(
    private readonly file: string,
    private readonly version: string,
    /** Files every answer depends on besides its own: what npm rewrites when packages change. */
    private readonly shared: readonly string[],
  ) {}

  /** The cache of the nearest node_modules at or above `dir`; null when there is none. */
  static near(dir: string, version: string): AnswerCache | null {
    for (let d = dir; ; d = dirname(d)) {
      const modules = join(d, 'node_modules');
      if (isDirectory(modules)) {
        return new AnswerCache(join(modules, '.cache', 'position-race-harness', FILE_NAME), version, [join(modules, '.package-lock.json'), join(d, 'package.json')]);
      }
      if (dirname(d) === d) return null;
    }
  }

  get(key: string): string | null {
    const entry = this.read()?.entries[key];
    if (!entry) return null;
    for (const [path, was] of [...entry.inputs]) if (stamp(path) !== was) return null;
    return entry.text;
  }

  put(key: string, inputs: readonly string[], text: string): void {
    const current = this.read();
    const entries = { ...(current?.entries ?? {}), [key]: { inputs: [...new Set([...inputs, ...this.shared])].map((p) => [p, stamp(p)] as const), text } };
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ version: this.version, entries } satisfies CacheFile));
      // A rename replaces the file at once: a command reading it meanwhile sees the old or the new.
      renameSync(tmp, this.file);
    } catch {
      // Read-only or full: the next command computes its answer again.
    }
  }

  private read(): CacheFile | null {
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as CacheFile;
      return parsed.version === this.version && typeof parsed.entries === 'object' ? parsed : null;
    } catch {
      return null;
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
