// Expected outcomes in a file, as PostgreSQL's isolation tests keep expected/*.out: per variant a
// scenario's verdict and its set of distinct outcomes (never run counts, which change with the
// search's pruning while the set does not). `--ci` diffs a run against the file, `--update-expected`
// rewrites it. The file lives next to the scenario's: expected/<scenario>.json.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HarnessError } from '../errors/index.ts';
import { shownPath } from '../scenario/index.ts';
import type { CellResult, DistinctOutcome, RunResult, Verdict } from './result-model.ts';

/** A cell's verdict, or `error` when its setup or check threw (or it could not run). */
export type ExpectedVerdict = Verdict | 'error';

export interface ExpectedVariant {
  readonly verdict: ExpectedVerdict;
  /** The search that measured it; a run with another search is not compared. */
  readonly search: string;
  readonly outcomes: readonly DistinctOutcome[];
}

export interface ExpectedFile {
  readonly about: string;
  readonly scenario: string;
  readonly variants: Readonly<Record<string, ExpectedVariant>>;
}

export type Comparison =
  | { readonly scenario: string; readonly variant: string; readonly status: 'same' }
  | { readonly scenario: string; readonly variant: string; readonly status: 'changed'; readonly lines: readonly string[] }
  | { readonly scenario: string; readonly variant: string; readonly status: 'missing'; readonly file: string }
  | { readonly scenario: string; readonly variant: string; readonly status: 'not-compared'; readonly reason: string; readonly recordedSearch?: string };

const ABOUT = 'Expected outcomes of one scenario: its verdict and distinct outcomes per variant. `--update-expected` rewrites this file; `--ci` fails when a run differs from it.';

/** The cell's verdict (see result-model.ts), or `error` when it has one. */
export function verdictOf(cell: CellResult): ExpectedVerdict {
  return cell.error ? 'error' : cell.verdict;
}

/** What determines the outcome set a cell found: the strategy and its budget, seed and bound. */
export function searchOf(cell: CellResult, options: RunResult['options']): string {
  const c = cell.coverage;
  const bound = c.preemptionBound === undefined ? '' : `, preemption bound ${c.preemptionBound}`;
  if (c.kind === 'exhaustive') return `exhaustive, budget ${options.budget}${bound}`;
  return `${c.stats.strategy}, ${c.stats.runs} runs, seed ${options.seed}${bound}`;
}

/** `<dir of the scenario file>/expected/<scenario>.json`. */
export function expectedPath(scenarioFile: string, scenario: string): string {
  return join(dirname(scenarioFile), 'expected', `${scenario}.json`);
}

/** The file, null when there is none; one that is not an expected-outcomes file is E_BAD_SCENARIO naming it. */
export async function readExpected(path: string): Promise<ExpectedFile | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const bad = (why: string) => new HarnessError('E_BAD_SCENARIO', `${path} is not an expected-outcomes file (${why}): fix it, or delete it and record it again with --update-expected`);
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (e) {
    throw bad((e as Error).message);
  }
  const f = file as Partial<ExpectedFile> | null;
  if (typeof f !== 'object' || f === null || typeof f.variants !== 'object' || f.variants === null) throw bad('no "variants" object');
  return f as ExpectedFile;
}

/** Each cell against its scenario's file; `files` maps scenario names to the files that define them. */
export async function compareExpected(result: RunResult, files: ReadonlyMap<string, string>, cwd = process.cwd()): Promise<Comparison[]> {
  const out: Comparison[] = [];
  const cache = new Map<string, ExpectedFile | null>();
  for (const cell of result.cells) {
    const { scenario, variant } = cell;
    const source = files.get(scenario);
    if (!source) {
      out.push({ scenario, variant, status: 'not-compared', reason: 'not defined in a scenario file' });
      continue;
    }
    const path = expectedPath(source, scenario);
    if (!cache.has(path)) cache.set(path, await readExpected(path));
    const expected = cache.get(path)?.variants[variant];
    if (!expected) {
      out.push({ scenario, variant, status: 'missing', file: shownPath(path, cwd) });
      continue;
    }
    const measured = expectedVariant(cell, result.options);
    if (measured.search !== expected.search) {
      out.push({ scenario, variant, status: 'not-compared', reason: `recorded with ${expected.search}, this run: ${measured.search}`, recordedSearch: expected.search });
      continue;
    }
    const lines = diffVariant(expected, measured);
    out.push(lines.length === 0 ? { scenario, variant, status: 'same' } : { scenario, variant, status: 'changed', lines });
  }
  return out;
}

/** Writes the measured variants into each scenario's file (other variants in it are kept); returns the paths. */
export async function updateExpected(result: RunResult, files: ReadonlyMap<string, string>, cwd = process.cwd()): Promise<string[]> {
  const byScenario = new Map<string, CellResult[]>();
  for (const cell of result.cells) {
    if (!files.has(cell.scenario)) continue;
    byScenario.set(cell.scenario, [...(byScenario.get(cell.scenario) ?? []), cell]);
  }
  const written: string[] = [];
  for (const [scenario, cells] of byScenario) {
    const path = expectedPath(files.get(scenario) as string, scenario);
    const old = await readExpected(path);
    const variants: Record<string, ExpectedVariant> = { ...(old?.variants ?? {}) };
    for (const cell of cells) variants[cell.variant] = expectedVariant(cell, result.options);
    const file: ExpectedFile = { about: ABOUT, scenario, variants };
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(file, null, 2)}\n`);
    written.push(shownPath(path, cwd));
  }
  return written;
}

function expectedVariant(cell: CellResult, options: RunResult['options']): ExpectedVariant {
  return { verdict: verdictOf(cell), search: searchOf(cell, options), outcomes: cell.distinctOutcomes ?? [] };
}

function diffVariant(expected: ExpectedVariant, measured: ExpectedVariant): string[] {
  const lines: string[] = [];
  if (expected.verdict !== measured.verdict) lines.push(`verdict: expected ${expected.verdict}, measured ${measured.verdict}`);
  const key = (o: DistinctOutcome) => JSON.stringify(o);
  const was = new Set(expected.outcomes.map(key));
  const now = new Set(measured.outcomes.map(key));
  for (const o of expected.outcomes) if (!now.has(key(o))) lines.push(`- ${describeOutcome(o)}`);
  for (const o of measured.outcomes) if (!was.has(key(o))) lines.push(`+ ${describeOutcome(o)}`);
  return lines;
}

/** One outcome on one line: `[checks] actors | state`. */
export function describeOutcome(o: DistinctOutcome): string {
  const checks = o.violated.length === 0 ? 'holds' : o.violated.join(', ');
  return `[${checks}]${o.run === 'completed' ? '' : ` ${o.run}`} ${o.actors} | ${o.state}`;
}

/** The comparison as lines for the terminal; empty when every compared cell is the same. */
export function renderComparisons(comparisons: readonly Comparison[]): string[] {
  const lines: string[] = [];
  const count = (s: Comparison['status']) => comparisons.filter((c) => c.status === s).length;
  if (comparisons.length === 0) return lines;
  lines.push(`Expected outcomes: ${count('same')} same, ${count('changed')} changed, ${count('missing')} missing, ${count('not-compared')} not compared`);
  for (const c of comparisons) {
    if (c.status === 'changed') {
      lines.push(`  ${c.scenario} @ ${c.variant} differs from its expected outcomes:`);
      for (const l of c.lines) lines.push(`    ${l}`);
    } else if (c.status === 'missing') {
      lines.push(`  ${c.scenario} @ ${c.variant}: no expected outcomes in ${c.file} (run with --update-expected to record them)`);
    } else if (c.status === 'not-compared' && c.reason !== 'not defined in a scenario file') {
      lines.push(`  ${c.scenario} @ ${c.variant}: not compared (${c.reason})`);
    }
  }
  return lines;
}
