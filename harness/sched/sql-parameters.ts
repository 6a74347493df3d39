// A statement's bound parameters as SQL literals: for the trace (each value of a step, so a report
// shows `$1 = 42` beside `pg_advisory_xact_lock($1)`) and for writing a step out as plain SQL.
import pg from 'pg';

/** A value as PostgreSQL would receive it from pg, written as a literal. */
export function sqlLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return pg.escapeLiteral(v.toISOString());
  // ARRAY[...] rather than a '{...}' literal: a spec block cannot hold a closing brace.
  if (Array.isArray(v)) return v.length === 0 ? 'ARRAY[]::text[]' : `ARRAY[${v.map(sqlLiteral).join(', ')}]`;
  if (typeof v === 'object') return pg.escapeLiteral(JSON.stringify(v));
  return pg.escapeLiteral(String(v));
}

/** Longest literal a trace keeps of one value. */
const TRACE_VALUE_MAX = 80;

/**
 * The values of a step as the trace keeps them: literals, shortened; date and time values as
 * `<time>` (they differ from run to run, and the same schedule must give the same trace).
 */
export function traceValues(values: readonly unknown[] | undefined): readonly string[] | undefined {
  if (!values || values.length === 0) return undefined;
  return values.map((v) => {
    const text = v instanceof Date ? '<time>' : sqlLiteral(v);
    return text.length > TRACE_VALUE_MAX ? `${text.slice(0, TRACE_VALUE_MAX - 1)}…` : text;
  });
}

/**
 * `$n` placeholders replaced by SQL literals (outside quoted strings, identifiers and comments),
 * so a parameterized statement can stand alone in a spec step. `values` may be literals already
 * (`literal`: a trace step's values).
 */
export function inlineParameters(text: string, values: readonly unknown[] | undefined, literal: (v: unknown) => string = sqlLiteral): string {
  if (!values || values.length === 0) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "'" || c === '"') {
      const end = closingQuote(text, i, c);
      out += text.slice(i, end);
      i = end;
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop);
      i = stop;
    } else if (c === '$' && /[0-9]/.test(text[i + 1] ?? '') && !/[A-Za-z0-9_]/.test(text[i - 1] ?? '')) {
      let j = i + 1;
      while (/[0-9]/.test(text[j] ?? '')) j++;
      const n = Number(text.slice(i + 1, j));
      out += n >= 1 && n <= values.length ? literal(values[n - 1]) : text.slice(i, j);
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function closingQuote(text: string, start: number, q: string): number {
  let j = start + 1;
  while (j < text.length) {
    if (text[j] === q) {
      if (text[j + 1] === q) {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return text.length;
}
