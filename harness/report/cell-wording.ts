// The phrases all renderers use for a cell's figures (coverage, PCT bound, odds, claims,
// durations), so the Markdown, JUnit and HTML reports say the same thing the same way.
import type { CellResult, Counterexample, Odds, Verdict } from '../run/index.ts';
import type { ReportWords } from '../scenario/index.ts';
import type { ActorOutcome, StrategyStats } from '../sched/index.ts';

type PctBound = NonNullable<StrategyStats['pctBound']>;

/** `1,716`: counts with thousands separators, the same on every machine. */
export function countText(n: number): string {
  return n.toLocaleString('en-US');
}

/** `1 interleaving`, `2,997 interleavings`. */
export function plural(n: number, noun: string): string {
  return `${countText(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** A probability with two significant digits: `0.021`, `3.6e-4`. */
export function probabilityText(p: number): string {
  if (p === 0) return '0';
  return p >= 0.001 ? String(Number(p.toPrecision(2))) : p.toExponential(1);
}

/** `p ≥ 0.021`: the per-run PCT lower bound as reported by the strategy. */
export function pctBoundText(bound: PctBound): string {
  return `p ≥ ${probabilityText(bound.p)}`;
}

/** `n=2, k=24, d=2`: the parameters of the PCT bound 1/(n·k^(d−1)). */
export function pctParamsText(bound: PctBound): string {
  return `n=${bound.n}, k=${bound.k}, d=${bound.d}`;
}

/** True only for the `proven` verdict: a finished, unbounded exhaustive search. */
export function isProven(cell: CellResult): boolean {
  return cell.verdict === 'proven';
}

/** How far a cell's schedules reach: `all 924 interleavings`, `500 sampled (pct bound p ≥ 0.021)`. */
export function coverageText(cell: CellResult): string {
  if (cell.error !== undefined) return 'not run';
  const n = cell.schedules;
  const { coverage } = cell;
  if (coverage.kind === 'exhaustive') {
    const bound = coverage.preemptionBound === undefined ? '' : ` with ≤ ${coverage.preemptionBound} preemptions`;
    if (!coverage.complete) return `${plural(n, 'interleaving')}${bound} (exhaustive, budget reached before the end)`;
    return bound ? `${plural(n, 'interleaving')}${bound} (bounded, not a proof)` : `all ${plural(n, 'interleaving')}`;
  }
  if (coverage.kind === 'replay') return `${plural(n, 'replayed schedule')}`;
  const bound = coverage.stats.pctBound;
  return bound ? `${countText(n)} sampled (pct bound ${pctBoundText(bound)})` : `${countText(n)} sampled (${coverage.stats.strategy})`;
}

/** `17.7 %`, or `—` when there is no figure. */
export function shareText(percent: number | null): string {
  return percent === null ? '—' : `${percent} %`;
}

/**
 * `plan: 95 %`, or `plan: no figure` for a variant that claims none, in the words of its plugin;
 * '' when the plugin's variants claim nothing.
 */
export function claimText(words: ReportWords, claimed: number | null): string {
  if (!words.claim) return '';
  return claimed === null ? `${words.claim.name}: no figure` : `${words.claim.name}: ${claimed} %`;
}

/** `proven` / `VIOLATED` / `inconclusive`: the verdict word every report uses. */
export function verdictText(verdict: Verdict): string {
  return verdict === 'violated' ? 'VIOLATED' : verdict;
}

/** Invariant ids a cell's violating schedules broke, in the model's order. */
export function brokenInvariants(cell: CellResult): string[] {
  return Object.keys(cell.violationsByInvariant);
}

/** `850 ms`, `12.3 s`, `4 min 05 s`. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** `wallet @ default`: how every report names a cell. */
export function cellName(cell: { readonly scenario: string; readonly variant: string }): string {
  return `${cell.scenario} @ ${cell.variant}`;
}

/** An element id / anchor for a cell's counterexample: `ce-wallet--default`. */
export function counterexampleAnchor(cell: { readonly scenario: string; readonly variant: string }): string {
  return `ce-${cell.scenario}--${cell.variant}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** `ok → 2`, `error 23505: duplicate key …`, `unfinished (blocked)`: one actor's end. */
export function actorOutcomeText(outcome: ActorOutcome, maxValue = 80): string {
  if (outcome.status === 'ok') {
    const value = JSON.stringify(outcome.value ?? null) ?? 'undefined';
    return `ok → ${truncate(value, maxValue)}`;
  }
  if (outcome.status === 'error') {
    const code = outcome.sqlState ?? outcome.code;
    return code ? `error ${code}: ${outcome.message}` : `error: ${outcome.message}`;
  }
  return `unfinished (${outcome.state})`;
}

/** The short tag of an actor's end for lane labels: `ok`, `ERR 23505`, `unfinished`. */
export function actorOutcomeTag(outcome: ActorOutcome): string {
  if (outcome.status === 'ok') return 'ok';
  if (outcome.status === 'error') return `ERR ${outcome.sqlState ?? outcome.code ?? ''}`.trim();
  return 'unfinished';
}

/** An actor's name from the counterexample, or `actor-N` for an index it does not list. */
export function actorName(ce: Counterexample, actor: number): string {
  return ce.actors[actor]?.name ?? `actor-${actor}`;
}

/** True for a step result that is an error (`ERR <SQLSTATE|code>`). */
export function isErrorResult(result: string): boolean {
  return result.startsWith('ERR');
}

/** Cuts text to `max` characters with an ellipsis; whitespace runs become one space. */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(0, max - 1))}…`;
}

/** `completed=924, hang=1`: a cell's run outcomes. */
export function outcomesText(cell: CellResult): string {
  const parts = Object.entries(cell.outcomes).map(([k, v]) => `${k}=${countText(v ?? 0)}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** `4.1 %`, `0 %`, `0.35 %`: a probability as a percentage with two significant digits. */
export function percentText(p: number): string {
  if (p === 0 || p === 1) return `${p * 100} %`;
  const v = p * 100;
  return `${v >= 10 ? Number(v.toFixed(1)) : Number(v.toPrecision(2))} %`;
}

/** `4.1 % [3.2–5.3 %]`: the odds with their 95 % interval. */
export function oddsText(odds: Odds): string {
  return `${percentText(odds.p)} [${percentText(odds.low).replace(' %', '')}–${percentText(odds.high)}]`;
}

/** `per actor`, `per run of 2 actors` (the bot: `per Signal`): what one simulated run stands for. */
export function oddsUnitText(odds: Odds, words: ReportWords): string {
  return odds.counted === 1 ? `per ${words.counted.one}` : odds.counted === 0 ? 'per run' : `per run of ${odds.counted} ${words.counted.many}`;
}

/** `95.9 % clean (95 % CI 94.7–96.8)` (the bot: `effective`): 1 − odds, the counterpart of a claimed figure. */
export function oddsComplementText(odds: Odds, words: ReportWords): string {
  return `${percentText(1 - odds.p)} ${words.oddsComplement} (95 % CI ${percentText(1 - odds.high).replace(' %', '')}–${percentText(1 - odds.low)})`;
}

/** `clean interleavings 17.2 %`: the share of explored schedules without a violation — not a probability. */
export function cleanShareText(cell: CellResult): string {
  return `clean interleavings ${shareText(cell.cleanShare)}`;
}

/** One glyph per cell for the verdict overview: proven, holds unproven, violated, not run. */
export function verdictGlyph(cell: CellResult | undefined): { readonly glyph: string; readonly tone: string; readonly title: string } {
  if (!cell) return { glyph: '·', tone: 'empty', title: 'not run' };
  if (cell.error !== undefined) return { glyph: '?', tone: 'error', title: `could not run: ${cell.error}` };
  if (cell.verdict === 'violated') return { glyph: '✘', tone: 'violates', title: `violated: ${cell.violating}/${cell.schedules}` };
  if (cell.verdict === 'proven') return { glyph: '✔', tone: 'holds', title: `proven: ${coverageText(cell)}` };
  return { glyph: '○', tone: 'holds-open', title: `inconclusive: ${cell.verdictReason}` };
}

/** `83 % fewer violations than the baseline`, or `` when the cell has no comparison. */
export function vsBaselineText(odds: Odds): string {
  const r = odds.vsBaseline;
  if (r === undefined) return '';
  if (r < 0) return `${percentText(-r)} more violations than the baseline`;
  return r === 1 ? 'none of the baseline’s violations' : `${percentText(r)} fewer violations than the baseline`;
}
