// The key an advisory-lock call locks, read from its argument's parse tree: known only when
// PostgreSQL's value cannot differ from the text's. Casts through other types change it
// ('-1'::oid::bigint locks 4294967295), so anything but an integer literal, its negation, a cast
// of one to an integer type, or a bound parameter is an unknown key (it conflicts with every key).
import type { Node } from './sql-parse.ts';

/** Integer types a cast to keeps an integer literal's value (or fails): int2, int4, int8 and their SQL names. */
const INTEGER_TYPES = new Set(['int2', 'int4', 'int8', 'smallint', 'integer', 'int', 'bigint']);

/** The integer an advisory-lock argument is, in canonical decimal, or undefined when it is not certain. */
export function advisoryKeyOf(n: unknown, values: readonly unknown[]): string | undefined {
  if (!n || typeof n !== 'object') return undefined;
  const node = n as Node;
  const c = node['A_Const'] as Node | undefined;
  if (c) {
    const ival = c['ival'] as Node | undefined;
    if (ival) return String(ival['ival'] ?? 0);
    // An integer literal past int4 is a Float node holding its digits (typed int8, or numeric).
    const fval = (c['fval'] as Node | undefined)?.['fval'];
    return typeof fval === 'string' && /^-?\d+$/.test(fval) ? canonical(fval) : undefined;
  }
  const p = node['ParamRef'] as Node | undefined;
  if (p) {
    const v = values[Number(p['number']) - 1];
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : undefined;
    return typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v) ? canonical(v.trim()) : undefined;
  }
  const cast = node['TypeCast'] as Node | undefined;
  if (cast) return integerType(cast['typeName']) ? advisoryKeyOf(cast['arg'], values) : undefined;
  const expr = node['A_Expr'] as Node | undefined;
  if (expr && expr['kind'] === 'AEXPR_OP' && expr['lexpr'] === undefined) {
    const names = (expr['name'] as Node[] | undefined) ?? [];
    const inner = advisoryKeyOf(expr['rexpr'], values);
    if (names.length === 1 && (names[0]?.['String'] as Node | undefined)?.['sval'] === '-' && inner !== undefined) return canonical(`-${inner}`);
  }
  return undefined;
}

function integerType(typeName: unknown): boolean {
  if (!typeName || typeof typeName !== 'object') return false;
  const t = typeName as Node;
  if (t['arrayBounds'] !== undefined || t['typmods'] !== undefined || t['setof'] === true) return false;
  const names = ((t['names'] as Node[] | undefined) ?? []).map((n) => String((n['String'] as Node | undefined)?.['sval'] ?? ''));
  const name = names[names.length - 1] ?? '';
  return (names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog')) && INTEGER_TYPES.has(name);
}

function canonical(v: string): string | undefined {
  try {
    return BigInt(v.replace(/^--/, '')).toString();
  } catch {
    return undefined;
  }
}
