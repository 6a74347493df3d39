// The bot's words in the harness's reports: layer sets for variants, the fix plan's claimed
// effectiveness, Signals per run, its timing model (Sync, settlement) and its positions table.
import type { Violation } from '../../harness/check/index.ts';
import type { ObservedRow } from '../../bot/invariants/index.ts';
import type { FinalTable, ReportWords, TimingDescription } from '../../harness/scenario/index.ts';
import type { TimingModel } from './timing-model.ts';

export const BOT_WORDS: Partial<ReportWords> = {
  variant: 'layer set',
  variants: 'layer sets',
  part: 'layer',
  claim: { name: 'plan', description: 'the effectiveness the plan claims' },
  rows: 'layer sets, with the plan option they come from and the effectiveness the plan claims',
  question: 'Which fix layers stop the duplicate-position race?',
  lede: 'Measured, not guessed: every cell counts the schedules that broke an invariant among the interleavings explored against a real PostgreSQL, next to the effectiveness the fix plan claims. Every failure comes with a replayable counterexample.',
  matrix: 'Effectiveness matrix',
  counted: { one: 'Signal', many: 'Signals' },
  oddsComplement: 'effective',
  // The set to ship first, then the plan's, then the code before any fix.
  overviewFirst: ['proposed', 'recommended', 'baseline'],
};

/** The timing model as the bot's reports state it. */
export function botTiming(t: TimingModel): TimingDescription {
  const n = (x: number) => x.toLocaleString('en-US');
  return {
    figures: { ...t },
    text:
      `Sync every ${n(t.periodicIntervalMs / 1000)} s, other flows within ${n(t.arrivalWindowMs / 1000)} s, ` +
      `exchange ${t.serviceLatencyMs} ms and SQL ${t.sqlLatencyMs} ms median (log-normal σ ${t.latencySpread}), settlement ${n(t.settlementMs)} ms`,
  };
}

/** The positions table after a run, the rows a violation names flagged. */
export function positionsTable(rows: readonly ObservedRow[], violations: readonly Violation[]): FinalTable {
  const named = new Set(violations.flatMap((v) => v.rows));
  return {
    name: 'monitoring.positions',
    rows: rows.map((r) => ({ id: r.id, symbol: r.symbol, exchange: r.exchange, side: r.side, quantity: r.quantity, status: r.status, has_stop_loss: r.hasStopLoss, exit_reason: r.exitReason })),
    truncated: false,
    flagged: rows.flatMap((r, i) => (named.has(r.id) ? [i] : [])),
  };
}
