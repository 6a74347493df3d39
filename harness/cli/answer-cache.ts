// Answers the command computed from a project's files (`race --help` with its plugins' flags),
// kept in node_modules/.cache/position-race-harness (where Babel, Vite and others keep theirs) with
// what they came from: the project's files by content, the packages they import and the lockfiles
// by size and modification time. One is reused only while the harness's version is the same and
// none of those changed. A cache never fails a command: what cannot be read or written is
// computed again.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** [path, how it was: `sha1:<hex>` of a project file's content, `<size>:<mtime>` of the others]. */
type Stamp = readonly [string, string];
/** What an answer was computed from, as it was then. */
export type AnswerStamps = readonly Stamp[];

interface Entry {
  readonly stamps: readonly Stamp[];
  readonly text: string;
}

/** What an answer depends on. */
export interface AnswerInputs {
  /** Files whose content was hashed when they were read (the project's files a bundle holds). */
  readonly hashed?: readonly { readonly path: string; readonly sha1: string }[];
  /** Files compared by content (settings, packages' package.json): an edit within the clock's resolution shows. */
  readonly files: readonly string[];
  /** Files compared by size and modification time (large ones). */
  readonly others: readonly string[];
}

const FILE_NAME = 'answers.json';
/** Lockfiles of npm, pnpm, yarn and bun: an install or upgrade rewrites one of them. */
const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lockb', 'bun.lock', join('node_modules', '.package-lock.json'), join('node_modules', '.modules.yaml'), join('node_modules', '.yarn-integrity')];

function contentStamp(path: string): string {
  try {
    return `sha1:${createHash('sha1').update(readFileSync(path)).digest('hex')}`;
  } catch {
    return 'missing';
  }
}

function statStamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function isEntry(x: unknown): x is Entry {
  const e = x as Partial<Entry> | null;
  return typeof e === 'object' && e !== null && typeof e.text === 'string' && Array.isArray(e.stamps) && e.stamps.every((s) => Array.isArray(s) && s.length === 2 && typeof s[0] === 'string' && typeof s[1] === 'string');
}

export class AnswerCache {
  private constructor(
    /** node_modules/.cache/position-race-harness. */
    readonly dir: string,
    private readonly version: string,
    /** Lockfiles from the project's directory up to the root: every answer depends on them. */
    private readonly lockfiles: readonly string[],
  ) {}

  /** The cache of the nearest node_modules at or above `dir`; null when there is none. */
  static near(dir: string, version: string): AnswerCache | null {
    for (let d = dir; ; d = dirname(d)) {
      if (isDirectory(join(d, 'node_modules'))) {
        const lockfiles: string[] = [];
        for (let up = d; ; up = dirname(up)) {
          lockfiles.push(...LOCKFILES.map((f) => join(up, f)));
          if (dirname(up) === up) break;
        }
        return new AnswerCache(join(d, 'node_modules', '.cache', 'position-race-harness'), version, lockfiles);
      }
      if (dirname(d) === d) return null;
    }
  }

  /** Makes the cache's directory (for a bundle written there); false when it cannot be made. */
  ensureDir(): boolean {
    try {
      mkdirSync(this.dir, { recursive: true });
      return true;
    } catch {
      return false;
    }
  }

  get(key: string): string | null {
    try {
      const entry = this.read()[key];
      if (!isEntry(entry)) return null;
      for (const [path, was] of entry.stamps) if ((was.startsWith('sha1:') ? contentStamp(path) : statStamp(path)) !== was) return null;
      return entry.text;
    } catch {
      return null;
    }
  }

  /** The stamps of `inputs` (now, for those not hashed already): take them before computing the answer, hand them to put. */
  stamp(inputs: AnswerInputs): AnswerStamps {
    const hashed = (inputs.hashed ?? []).map((h): Stamp => [h.path, `sha1:${h.sha1}`]);
    const known = new Set(hashed.map(([p]) => p));
    const files = [...new Set(inputs.files)].filter((p) => !known.has(p)).map((p): Stamp => [p, contentStamp(p)]);
    return [...hashed, ...files, ...[...new Set([...inputs.others, ...this.lockfiles])].map((p): Stamp => [p, statStamp(p)])];
  }

  /** Keeps `text` for `key`, unless an input changed since `stamps` were taken (then it may not match them). */
  put(key: string, stamps: AnswerStamps, text: string): void {
    // An input changed since it was read: the answer may not match the stamps.
    if (stamps.some(([path, was]) => (was.startsWith('sha1:') ? contentStamp(path) : statStamp(path)) !== was)) return;
    const file = join(this.dir, FILE_NAME);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true });
      writeFileSync(tmp, JSON.stringify({ version: this.version, entries: { ...this.read(), [key]: { stamps, text } } }));
      // A rename replaces the file at once: a command reading it meanwhile sees the old or the new.
      renameSync(tmp, file);
    } catch {
      // Read-only or full: the next command computes its answer again.
      try {
        rmSync(tmp, { force: true });
      } catch {
        // not even that: nothing was written
      }
    }
  }

  /** The texts kept under keys that start with `prefix`, whether or not their inputs changed since. */
  texts(prefix: string): string[] {
    return Object.entries(this.read()).flatMap(([key, entry]) => (key.startsWith(prefix) && isEntry(entry) ? [entry.text] : []));
  }

  /** The entries of this version; none when the file is missing, of another version or not ours. */
  private read(): Record<string, unknown> {
    try {
      const parsed = JSON.parse(readFileSync(join(this.dir, FILE_NAME), 'utf8')) as { version?: unknown; entries?: unknown } | null;
      const entries = parsed?.entries;
      return parsed?.version === this.version && typeof entries === 'object' && entries !== null && !Array.isArray(entries) ? (entries as Record<string, unknown>) : {};
    } catch {
      return {};
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
