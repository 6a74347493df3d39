// The three-way verdict of a cell and whether it meets the scenario's expectation: the one place
// that decides what may be called "proven".
import type { Coverage, Measured, Verdict } from './result-model.ts';

export interface VerdictInput {
  readonly expectation: Measured;
  readonly violating: number;
  readonly schedules: number;
  readonly coverage: Coverage;
  /** The scenario itself declares that it is sampled or preemption-bounded. */
  readonly declaredPartial: boolean;
  readonly error?: string;
  /** The search stopped early on an infrastructure fault (after what it found). */
  readonly stoppedBy?: string;
  /**
   * The run-time cross-check saw PostgreSQL touch more than the footprints claimed (the first
   * such account, in words): the reduction may have skipped an order, so the search proves nothing.
   */
  readonly footprintMiss?: string;
  /** A run began from session state an earlier run left: no search over such runs proves anything. */
  readonly sessionMiss?: string;
}

export interface CellVerdict {
  readonly verdict: Verdict;
  readonly verdictReason: string;
  readonly agrees: boolean;
}

/**
 * Judges a cell: proven only for a finished, unbounded, reduced-soundly exhaustive search. A
 * violation found is a stored, replayable counterexample: `violated`, whatever stopped the search after it.
 */
export function judgeCell(c: VerdictInput): CellVerdict {
  if (c.violating > 0) {
    const after = c.stoppedBy ?? c.error;
    const note = after === undefined ? '' : `; the search then stopped (${after})`;
    return { verdict: 'violated', verdictReason: `${c.violating} of ${c.schedules} schedules violate${note}`, agrees: c.expectation === 'violates' };
  }
  const failed = c.error ?? c.stoppedBy;
  if (failed !== undefined) return { verdict: 'inconclusive', verdictReason: `could not run: ${failed}`, agrees: false };
  const { coverage } = c;
  const reduction = coverage.stats.reduction === 'dpor' ? 'with partial-order reduction' : 'without reduction';
  if (c.sessionMiss !== undefined) {
    return { verdict: 'inconclusive', verdictReason: `not proven: ${c.sessionMiss}`, agrees: false };
  }
  if (c.footprintMiss !== undefined && coverage.stats.reduction === 'dpor') {
    return { verdict: 'inconclusive', verdictReason: `not proven: ${c.footprintMiss}; run it with --no-reduce`, agrees: false };
  }
  if (coverage.kind === 'exhaustive' && coverage.complete && coverage.preemptionBound === undefined) {
    return { verdict: 'proven', verdictReason: `exhaustive search finished: every interleaving is covered (${c.schedules} runs, ${reduction})`, agrees: c.expectation === 'holds' };
  }
  const why =
    coverage.kind === 'exhaustive'
      ? coverage.preemptionBound !== undefined && coverage.complete
        ? `bounded: no violation within ≤ ${coverage.preemptionBound} preemptions (${c.schedules} runs); longer interleavings were not searched`
        : `budget reached after ${c.schedules} runs, before the search ended`
      : coverage.kind === 'replay'
        ? 'replayed schedules only'
        : `sampled: ${c.schedules} ${coverage.stats.strategy} runs${coverage.stats.pctBound ? `, each finding a depth-${coverage.stats.pctBound.d} bug with p ≥ ${coverage.stats.pctBound.p.toPrecision(2)}` : ''}`;
  // A search cut by the budget is never accepted as holding; a declared sample or bound is.
  const declaredShortfall = c.declaredPartial && !(coverage.kind === 'exhaustive' && !coverage.complete);
  return { verdict: 'inconclusive', verdictReason: why, agrees: c.expectation === 'holds' && declaredShortfall };
}
