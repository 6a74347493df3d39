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

const IDENT = /[A-Za-z0-9_$\u0080-\uffff]/;

/**
 * `$n` placeholders replaced by SQL literals (outside strings, E'' strings, quoted identifiers,
 * dollar-quoted bodies and comments), so a parameterized statement can stand alone in a spec step
 * or a trace; a reference past the end of `values` is kept. `literal` writes one value (default:
 * as pg would send it; a trace step's values are literals already: pass `String`).
 */
export function inlineParameters<V>(sql: string, values: readonly V[] | undefined, literal: (v: V) => string = sqlLiteral): string {
  if (!values || values.length === 0 || !sql.includes('$')) return sql;
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      // E'...' strings escape quotes with a backslash as well.
      const backslash = c === "'" && i > 0 && /[eE]/.test(sql[i - 1] as string) && (i < 2 || !IDENT.test(sql[i - 2] as string));
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
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
        } else j++;
      }
      out += sql.slice(i, j);
      i = j;
    } else if (c === '$' && (i === 0 || !IDENT.test(sql[i - 1] as string))) {
      const param = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      if (param) {
        const index = Number(param[1]) - 1;
        out += index < values.length ? literal(values[index] as V) : param[0];
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
