// Prints a result set the way libpq's PQprint does with the isolation tester's options (aligned,
// header, `|` between columns): widths in bytes, a column right-aligned when every non-empty
// value in it looks like a number, a `-`/`+` border, and `(N rows)` plus an empty line.
import type { ResultSet } from './isolation-transcript.ts';

export function formatResultSet(rs: ResultSet): string {
  const n = rs.fields.length;
  // A result without columns prints nothing at all.
  if (n === 0) return '';
  const width = rs.fields.map((f) => bytes(f));
  const numeric = rs.fields.map(() => true);
  for (const row of rs.rows) {
    for (let j = 0; j < n; j++) {
      const v = row[j];
      // NULL and the empty string are skipped by both the width and the numeric test.
      if (v === null || v === undefined || v === '') continue;
      width[j] = Math.max(width[j] as number, bytes(v));
      if (numeric[j] && !looksNumeric(v)) numeric[j] = false;
    }
  }
  const cell = (v: string, j: number): string => {
    const pad = ' '.repeat(Math.max(0, (width[j] as number) - bytes(v)));
    return numeric[j] ? pad + v : v + pad;
  };
  const lines = [rs.fields.map((f, j) => cell(f, j)).join('|'), width.map((w) => '-'.repeat(w)).join('+')];
  for (const row of rs.rows) lines.push(rs.fields.map((_, j) => cell(row[j] ?? '', j)).join('|'));
  const count = rs.rows.length;
  return `${lines.join('\n')}\n(${count} row${count === 1 ? '' : 's'})\n\n`;
}

/** libpq's test: digits, `.`, `e`, `E`, space and `-` only, not starting with `e`, ending in a digit. */
function looksNumeric(v: string): boolean {
  return /^[0-9.Ee \-]*$/.test(v) && !/^[Ee]/.test(v) && /[0-9]$/.test(v);
}

function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
