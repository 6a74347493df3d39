// Splits an isolation spec into tokens, following the lexical rules PostgreSQL documents for
// the format: keywords, plain or double-quoted names (no case folding), `{ SQL }` blocks kept as
// opaque text, integers, `( ) , *`, and `#` comments to the end of a line.
import { HarnessError } from '../errors/index.ts';

export type SpecKeyword = 'setup' | 'teardown' | 'session' | 'step' | 'permutation' | 'notices';

export type SpecToken =
  | { readonly kind: 'keyword'; readonly value: SpecKeyword; readonly line: number }
  | { readonly kind: 'name'; readonly value: string; readonly quoted: boolean; readonly line: number }
  | { readonly kind: 'sql'; readonly value: string; readonly line: number }
  | { readonly kind: 'integer'; readonly value: number; readonly line: number }
  | { readonly kind: 'punct'; readonly value: '(' | ')' | ',' | '*'; readonly line: number }
  | { readonly kind: 'eof'; readonly line: number };

export interface TokenizedSpec {
  readonly tokens: readonly SpecToken[];
  /** Comment lines before the first token, without the leading `#` and one space. */
  readonly headerComment: readonly string[];
}

const KEYWORDS: ReadonlySet<string> = new Set<SpecKeyword>(['setup', 'teardown', 'session', 'step', 'permutation', 'notices']);

/** Blanks the format skips; a newline only counts lines. */
const BLANK = /[ \t\r\f]/;
const NAME_START = /[A-Za-z_\u0080-\uffff]/;
const NAME_PART = /[A-Za-z_0-9$\u0080-\uffff]/;

export function tokenizeSpec(text: string, source: string): TokenizedSpec {
  const tokens: SpecToken[] = [];
  const headerComment: string[] = [];
  let line = 1;
  let i = 0;
  const fail = (what: string, at = line): never => {
    throw new HarnessError('E_SPEC_PARSE', `${source}:${at}: ${what}`);
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\n') {
      line++;
      i++;
    } else if (BLANK.test(c)) {
      i++;
    } else if (c === '#') {
      const end = text.indexOf('\n', i);
      const comment = text.slice(i + 1, end < 0 ? text.length : end).replace(/\r$/, '');
      if (tokens.length === 0) headerComment.push(comment.startsWith(' ') ? comment.slice(1) : comment);
      i = end < 0 ? text.length : end;
    } else if (c === '{') {
      // The block runs to the first `}`: there is no way to write one inside it. Blanks (not
      // newlines) right after `{` and right before `}` are dropped, the rest is kept verbatim.
      const start = line;
      let j = i + 1;
      while (j < text.length && BLANK.test(text[j] as string)) j++;
      const close = text.indexOf('}', j);
      if (close < 0) fail('unterminated SQL block (a `{` without its `}`)', start);
      let end = close;
      while (end > j && BLANK.test(text[end - 1] as string)) end--;
      const sql = text.slice(j, end);
      for (let k = i; k < close; k++) if (text[k] === '\n') line++;
      tokens.push({ kind: 'sql', value: sql, line: start });
      i = close + 1;
    } else if (c === '"') {
      // A quoted name: `""` stands for one `"`; it may not span lines.
      let value = '';
      let j = i + 1;
      for (;;) {
        const d = text[j];
        if (d === undefined) fail('unterminated quoted name');
        if (d === '\n') fail('unexpected newline in quoted name');
        if (d === '"') {
          if (text[j + 1] === '"') {
            value += '"';
            j += 2;
            continue;
          }
          break;
        }
        value += d;
        j++;
      }
      tokens.push({ kind: 'name', value, quoted: true, line });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      let j = i;
      while (j < text.length && /[0-9]/.test(text[j] as string)) j++;
      tokens.push({ kind: 'integer', value: Number(text.slice(i, j)), line });
      i = j;
    } else if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < text.length && NAME_PART.test(text[j] as string)) j++;
      const word = text.slice(i, j);
      if (KEYWORDS.has(word)) tokens.push({ kind: 'keyword', value: word as SpecKeyword, line });
      else tokens.push({ kind: 'name', value: word, quoted: false, line });
      i = j;
    } else if (c === '(' || c === ')' || c === ',' || c === '*') {
      tokens.push({ kind: 'punct', value: c, line });
      i++;
    } else {
      fail(`unexpected character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ kind: 'eof', line });
  return { tokens, headerComment };
}

/** How a token reads in an error message. */
export function describeToken(t: SpecToken): string {
  switch (t.kind) {
    case 'keyword':
      return `keyword '${t.value}'`;
    case 'name':
      return `name ${t.quoted ? `"${t.value}"` : `'${t.value}'`}`;
    case 'sql':
      return 'an SQL block';
    case 'integer':
      return `number ${t.value}`;
    case 'punct':
      return `'${t.value}'`;
    case 'eof':
      return 'the end of the file';
  }
}
