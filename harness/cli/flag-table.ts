// Tables of flags (the core's and each plugin's, one type) → node:util's parseArgs, typed and
// range-checked values, the `--help` text and the reference page. Nothing here knows a flag.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { HarnessError } from '../errors/index.ts';
import type { FlagDef, FlagValues } from '../scenario/index.ts';

export interface ParsedFlags {
  /** Every flag's value: as given, else its default (undefined when it has none). */
  readonly values: FlagValues;
  /** The flags given on the command line, by name. */
  readonly given: ReadonlySet<string>;
  /** The name each flag was given under, when it was an alias (`variant` → `layers`). */
  readonly spelled: ReadonlyMap<string, string>;
}

/** Another name for a flag (a plugin's name for the core's `--variant`). */
export interface FlagAlias {
  readonly alias: string;
  readonly of: string;
}

/** A value that looks like a negative number: `--budget -5` is a value, not an unknown flag `-5`. */
const NEGATIVE_NUMBER = /^-(?:\d|\.\d)/;

/**
 * Parses `argv` against `flags`. A bad flag, a missing value or a value out of its range is
 * E_BAD_ARGUMENT naming the flag (and its range); `usage` is appended to unknown-flag errors.
 */
export function parseFlags(argv: readonly string[], flags: readonly FlagDef[], aliases: readonly FlagAlias[] = [], usage = ''): ParsedFlags {
  const byName = new Map(flags.map((f) => [f.name, f]));
  const spelled = new Map<string, string>();
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let token = argv[i] as string;
    const m = /^--([^=]+)(=.*)?$/.exec(token);
    if (m) {
      const alias = aliases.find((a) => a.alias === m[1]);
      if (alias) {
        spelled.set(alias.of, alias.alias);
        token = `--${alias.of}${m[2] ?? ''}`;
      }
      const name = alias?.of ?? (m[1] as string);
      const next = argv[i + 1];
      // Node refuses `--budget -5` as ambiguous; the range check says what is wrong with it.
      if (m[2] === undefined && byName.get(name)?.type !== 'boolean' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
        args.push(`${token}=${next}`);
        i++;
        continue;
      }
    }
    args.push(token);
  }
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const f of flags) {
    options[f.name] = { type: f.type === 'boolean' ? 'boolean' : 'string', ...(f.multiple ? { multiple: true } : {}), ...(f.short ? { short: f.short } : {}) };
  }
  let raw: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    raw = parseArgs({ args, options, allowPositionals: false, strict: true }).values;
  } catch (e) {
    const message = (e as Error).message.replace(/^(Unknown option '[^']+')\. .*$/s, '$1');
    throw new HarnessError('E_BAD_ARGUMENT', usage ? `${message}\n\n${usage}` : message);
  }
  const values: Record<string, FlagValues[string]> = {};
  const given = new Set<string>();
  for (const f of flags) {
    const v = raw[f.name];
    if (v === undefined) {
      values[f.name] = f.default;
      continue;
    }
    given.add(f.name);
    values[f.name] = typedValue(f, v, spelled.get(f.name) ?? f.name);
  }
  return { values, given, spelled };
}

/**
 * `--config` and `--scenarios`, read before the scenarios (and their plugins' flags) are known:
 * every other token is left for the full parse.
 */
export function parseSome(argv: readonly string[], flags: readonly FlagDef[]): FlagValues {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const f of flags) options[f.name] = { type: f.type === 'boolean' ? 'boolean' : 'string', ...(f.multiple ? { multiple: true } : {}), ...(f.short ? { short: f.short } : {}) };
  const { values } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true });
  const out: Record<string, FlagValues[string]> = {};
  for (const f of flags) {
    const v = values[f.name];
    // Without strict, a string flag given without a value reads as `true`: not given.
    if (f.type === 'boolean') out[f.name] = v === true;
    else if (f.multiple) out[f.name] = (Array.isArray(v) ? (v as unknown[]) : []).filter((x): x is string => typeof x === 'string');
    else out[f.name] = typeof v === 'string' ? v : undefined;
  }
  return out;
}

function typedValue(f: FlagDef, v: string | boolean | (string | boolean)[], shown: string): FlagValues[string] {
  if (f.type === 'boolean') return v === true;
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (typeof v !== 'string') return undefined;
  if (f.type === 'integer') return wholeNumber(shown, v, f.min ?? 0, f.max);
  if (f.type === 'number') return rangedNumber(shown, v, f);
  return v;
}

function wholeNumber(name: string, v: string, min: number, max: number | undefined): number {
  // Digits only: Number('') is 0 and Number('1e3') is 1000, neither of which the user wrote.
  const n = /^-?\d{1,15}$/.test(v.trim()) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
    throw new HarnessError('E_BAD_ARGUMENT', `--${name} must be a whole number ≥ ${min}${max !== undefined ? ` and ≤ ${max}` : ''}, got '${v}'`);
  }
  return n;
}

function rangedNumber(name: string, v: string, f: FlagDef): number {
  const n = Number(v);
  const min = f.min ?? Number.NEGATIVE_INFINITY;
  const max = f.max ?? Number.POSITIVE_INFINITY;
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new HarnessError('E_BAD_ARGUMENT', `--${name} (${f.description}) must be a number from ${f.min ?? '-∞'} to ${f.max ?? '∞'}${f.unit ? ` ${f.unit}` : ''}, got '${v}'`);
  }
  return n;
}

/** A group of flags under its heading, for `--help` and the reference page. */
export interface FlagGroup {
  readonly title: string;
  readonly flags: readonly FlagDef[];
}

/** Flags grouped by their `group`, groups in order of first appearance, hidden flags left out. */
export function groupFlags(flags: readonly FlagDef[]): FlagGroup[] {
  const groups = new Map<string, FlagDef[]>();
  for (const f of flags) {
    if (f.hidden) continue;
    groups.set(f.group, [...(groups.get(f.group) ?? []), f]);
  }
  return [...groups].map(([title, list]) => ({ title, flags: list }));
}

/** `--budget <n>`, `-h, --help`. */
export function flagSyntax(f: Pick<FlagDef, 'name' | 'short' | 'value'>): string {
  return `${f.short ? `-${f.short}, ` : ''}--${f.name}${f.value ? ` ${f.value}` : ''}`;
}

/** What `--help` adds after the description: repeatable, range, default. */
export function flagFacts(f: FlagDef): string[] {
  const facts: string[] = [];
  if (f.multiple) facts.push('repeatable');
  if (f.choices) facts.push(f.choices.join(', '));
  if (f.type === 'number' && f.min !== undefined && f.max !== undefined) facts.push(`${f.min}–${f.max}${f.unit ? ` ${f.unit}` : ''}`);
  if (f.type === 'integer' && f.max !== undefined) facts.push(`at most ${f.max}`);
  const d = f.defaultText ?? (f.default === undefined || f.default === false ? undefined : String(f.default));
  if (d !== undefined) facts.push(`default ${d}`);
  return facts;
}

const HELP_WIDTH = 100;
const SYNTAX_WIDTH = 30;

/** The groups as `--help` lines: syntax, then the description wrapped beside it. */
export function helpLines(groups: readonly FlagGroup[]): string[] {
  const lines: string[] = [];
  for (const g of groups) {
    lines.push('', `${g.title}:`);
    for (const f of g.flags) {
      const facts = flagFacts(f);
      const text = `${f.description}${facts.length > 0 ? ` (${facts.join('; ')})` : ''}`;
      const syntax = `  ${flagSyntax(f)}`;
      const wrapped = wrap(text, HELP_WIDTH - SYNTAX_WIDTH);
      if (syntax.length >= SYNTAX_WIDTH) lines.push(syntax, ...wrapped.map((w) => `${' '.repeat(SYNTAX_WIDTH)}${w}`));
      else wrapped.forEach((w, i) => lines.push(`${i === 0 ? syntax.padEnd(SYNTAX_WIDTH) : ' '.repeat(SYNTAX_WIDTH)}${w}`));
    }
  }
  return lines;
}

/** The groups as Markdown tables, for the reference page. */
export function referenceLines(groups: readonly FlagGroup[], level = '##'): string[] {
  const cell = (s: string) => s.replace(/[|*_<]/g, (c) => (c === '<' ? '&lt;' : `\\${c}`));
  const lines: string[] = [];
  for (const g of groups) {
    lines.push(`${level} ${g.title}`, '', '| flag | what it does | values and default |', '|---|---|---|');
    // Code spans keep their text as it is, but a table still needs its bars escaped.
    for (const f of g.flags) lines.push(`| \`${flagSyntax(f).replace(/\|/g, '\\|')}\` | ${cell(f.description)} | ${cell(flagFacts(f).join('; '))} |`);
    lines.push('');
  }
  return lines;
}

/** `text` in lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
