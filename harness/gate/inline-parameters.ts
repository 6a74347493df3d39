// A statement with its bound values written in as literals, for traces: `$1` outside strings,
// quoted identifiers and comments becomes the value it was bound to.
import { inlineParameters as inlineWith } from '../sched/index.ts';
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

/** `sql` with each `$n` replaced by the literal of `values[n-1]` (references past the end are kept). */
export function inlineParameters(sql: string, values: readonly WireValue[]): string {
  return inlineWith(sql, values, sqlLiteral);
}
