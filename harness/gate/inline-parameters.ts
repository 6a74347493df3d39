// A statement with its bound values written in as literals, for traces: `$1` outside strings,
// quoted identifiers and comments becomes the value it was bound to.
import type { WireValue } from './wire-values.ts';

/** Longer text and byte values are cut in traces (the step keeps them whole). */
const SHOWN_CHARS = 200;
const SHOWN_BYTES = 64;

/** A value as an SQL literal (for reading, not for sending); long values are shortened with `…`. */
export function sqlLiteral(v: WireValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Buffer.isBuffer(v)) {
    const cut = v.length > SHOWN_BYTES;
    return `'\\x${v.subarray(0, SHOWN_BYTES).toString('hex')}${cut ? `…' /* ${v.length} bytes */` : "'"}`;
  }
  if (Array.isArray(v)) return `ARRAY[${v.map(sqlLiteral).join(', ')}]`;
  const s = String(v);
  const cut = s.length > SHOWN_CHARS;
  return `'${s.slice(0, SHOWN_CHARS).replace(/'/g, "''")}${cut ? `…' /* ${s.length} characters */` : "'"}`;
}

const IDENT = /[A-Za-z0-9_$\u0080-\uffff]/;

/** `sql` with each `$n` replaced by the literal of `values[n-1]` (references past the end are kept). */
export function inlineParameters(sql: string, values: readonly WireValue[]): string {
  if (values.length === 0 || !sql.includes('$')) return sql;
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      // E'...' strings escape quotes with a backslash as well.
      const backslash = c === "'" && i > 0 && /[eE]/.test(sql[i - 1]!) && (i < 2 || !IDENT.test(sql[i - 2]!));
      let j = i + 1;
      while (j < n) {
        if (backslash && sql[j] === '\\') j += 2;
        else if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      const j = end < 0 ? n : end;
      out += sql.slice(i, j);
      i = j;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') (depth++, (j += 2));
        else if (sql[j] === '*' && sql[j + 1] === '/') (depth--, (j += 2));
        else j++;
      }
      out += sql.slice(i, j);
      i = j;
    } else if (c === '$' && (i === 0 || !IDENT.test(sql[i - 1]!))) {
      const param = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      if (param) {
        const index = Number(param[1]) - 1;
        out += index < values.length ? sqlLiteral(values[index]!) : param[0];
        i += param[0].length;
        continue;
      }
      const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        const j = end < 0 ? n : end + tag[0].length;
        out += sql.slice(i, j);
        i = j;
        continue;
      }
      out += c;
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
