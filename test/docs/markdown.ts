// Reads the repository's Markdown the way GitHub renders it, for the docs tests: its fenced code
// blocks, its links (outside code) and the anchors its headings get.
import { readFileSync } from 'node:fs';
import { globSync } from 'tinyglobby';

/** README.md and every page under docs/, relative to the repository root. */
export function docFiles(): string[] {
  return ['README.md', ...globSync(['docs/**/*.md'], { cwd: '.' }).sort()];
}

export interface FencedBlock {
  /** The info string's first word (`sh`, `ts`, `console`), '' when none. */
  readonly lang: string;
  readonly text: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

/** The fenced code blocks (``` or ~~~), in order. */
export function fencedBlocks(md: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i] as string);
    if (!open) continue;
    const fence = open[1] as string;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] as string).trimStart().startsWith(fence)) body.push(lines[j++] as string);
    blocks.push({ lang: open[2] ?? '', text: body.join('\n'), line: i + 1 });
    i = j;
  }
  return blocks;
}

/** The text outside fenced blocks and inline code, where links and headings are. */
export function prose(md: string): string {
  const lines = md.split('\n');
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of lines) {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (m && line.trimStart().startsWith(fence)) fence = null;
      out.push('');
      continue;
    }
    if (m) {
      fence = m[1] as string;
      out.push('');
      continue;
    }
    out.push(line.replace(/(`+)[^`]*?\1/g, (s) => ' '.repeat(s.length)));
  }
  return out.join('\n');
}

export interface Link {
  readonly target: string;
  readonly line: number;
}

/** Every inline link and image target (`[text](target)`, `![alt](target)`) and reference definition. */
export function links(md: string): Link[] {
  const found: Link[] = [];
  prose(md)
    .split('\n')
    .forEach((line, i) => {
      for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push({ target: m[1] as string, line: i + 1 });
      const def = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
      if (def) found.push({ target: def[1] as string, line: i + 1 });
      for (const m of line.matchAll(/<((?:https?|mailto|ftp):[^>\s]+)>/g)) found.push({ target: m[1] as string, line: i + 1 });
    });
  return found;
}

/** GitHub's anchor for a heading's text: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors of a page's headings, numbered as GitHub numbers repeats (`x`, `x-1`, `x-2`). */
export function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fence: string | null = null;
  for (const line of md.split('\n')) {
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (f && line.trimStart().startsWith(fence)) fence = null;
      continue;
    }
    if (f) {
      fence = f[1] as string;
      continue;
    }
    const h = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = slug(h[1] as string);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Inline code spans that name a path of the repository (`harness/run/`, `bot/scenarios/signal-sync.ts`). */
export function repoPaths(md: string, roots: readonly string[]): Link[] {
  const found: Link[] = [];
  const lines = md.split('\n');
  let fence: string | null = null;
  lines.forEach((line, i) => {
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (f && line.trimStart().startsWith(fence)) fence = null;
      return;
    }
    if (f) {
      fence = f[1] as string;
      return;
    }
    for (const m of line.matchAll(/`([^`\s]+)`/g)) {
      const path = m[1] as string;
      if (roots.some((r) => path.startsWith(`${r}/`)) && /^[\w./-]+$/.test(path)) found.push({ target: path, line: i + 1 });
    }
  });
  return found;
}

export function read(path: string): string {
  return readFileSync(path, 'utf8');
}
