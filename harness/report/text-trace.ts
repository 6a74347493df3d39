// One run as plain text, for terminals and assertion errors: each step with its SQL (or label),
// what it returned or its error, whom it waited on, and a blocked statement's completion shown
// where it completed; then how the actors ended, the final state and the violations.
import type { Violation } from '../check/index.ts';
import type { ObservedRow } from '../../bot/invariants/index.ts';
import type { ReplayResult } from '../run/index.ts';
import type { ActorOutcome, RunOutcome, TraceStep } from '../sched/index.ts';
import type { FinalTable } from '../scenario/index.ts';
import { actorOutcomeText } from './cell-wording.ts';

/** What the text shows: a replayed run or a counterexample of a report. */
export interface TraceView {
  readonly outcome: RunOutcome;
  readonly schedule: string;
  readonly virtualTime?: number;
  readonly trace: readonly TraceStep[];
  readonly actors: readonly { readonly name: string; readonly outcome: ActorOutcome }[];
  readonly violations: readonly Violation[];
  readonly finalRows: readonly ObservedRow[];
  readonly finalTables?: readonly FinalTable[];
}

const LABEL_WIDTH = 60;

export function renderTraceText(v: TraceView): string {
  const lines: string[] = [];
  const name = (i: number) => v.actors[i]?.name ?? String(i);
  const who = Math.max(5, ...v.actors.map((a) => a.name.length));
  const width = Math.min(LABEL_WIDTH, Math.max(4, ...v.trace.map((s) => s.label.length + 2)));
  lines.push(`outcome: ${v.outcome}; schedule ${v.schedule}${v.virtualTime === undefined ? '' : `; virtual time ${v.virtualTime} ms`}`);
  lines.push(`step  t(ms)  ${'actor'.padEnd(who)}  ${'step'.padEnd(width)}  result`);
  const completions = new Map<number, TraceStep[]>();
  for (const s of v.trace) if (s.completedAfter !== undefined) completions.set(s.completedAfter, [...(completions.get(s.completedAfter) ?? []), s]);
  for (const s of v.trace) {
    const waits = s.waitedOn.length > 0 ? `waiting on ${s.waitedOn.map(name).join(', ')}` : '';
    // A statement that completed later shows its result where it completed.
    const result = s.completedAfter !== undefined ? `${waits} …` : `${resultText(s)}${waits ? `  (${waits})` : ''}`;
    lines.push(`${String(s.step).padStart(4)}  ${String(s.at).padStart(5)}  ${name(s.actor).padEnd(who)}  ${fit(s.label, width)}  ${result}`);
    for (const done of completions.get(s.step) ?? []) {
      lines.push(`${''.padStart(4)}  ${''.padStart(5)}  ${name(done.actor).padEnd(who)}  ${fit(`↳ ${done.label}`, width)}  ${resultText(done)} (step ${done.step}, after its wait)`);
    }
  }
  lines.push('', 'actors:');
  for (const a of v.actors) lines.push(`  ${a.name}: ${actorOutcomeText(a.outcome, 100)}`);
  if (v.finalRows.length > 0) {
    lines.push('', 'positions after the run:');
    for (const row of v.finalRows) lines.push(`  #${row.id} ${row.symbol}@${row.exchange} ${row.side} ${row.quantity} ${row.status}${row.exitReason ? ` (${row.exitReason})` : ''}`);
  }
  for (const t of v.finalTables ?? []) {
    lines.push('', `${t.name} after the run:${t.rows.length === 0 ? ' (empty)' : ''}`);
    for (const row of t.rows) lines.push(`  ${JSON.stringify(row)}`);
    if (t.truncated) lines.push('  …');
  }
  lines.push('', v.violations.length === 0 ? 'checks: all hold' : 'violations:');
  for (const x of v.violations) lines.push(`  [${x.invariant}] ${x.message}`);
  return `${lines.join('\n')}\n`;
}

/** A replayed run (`--replay`, assertRace's `replay`) as text. */
export function renderReplayText(r: ReplayResult): string {
  return renderTraceText({
    outcome: r.run.outcome,
    schedule: r.run.schedule.toString(),
    virtualTime: r.run.virtualTime,
    trace: r.run.trace,
    actors: r.run.actors.map((outcome, i) => ({ name: r.actorNames[i] ?? String(i), outcome })),
    violations: r.violations,
    finalRows: r.finalRows,
    finalTables: r.finalTables,
  });
}

/** `rows=1 [{"v":11}]`, `ERR 23505 duplicate key value …`. */
export function resultText(s: TraceStep): string {
  if (s.error) return `${s.result} ${s.error}`;
  return s.rows ? `${s.result} ${s.rows}` : s.result;
}

function fit(s: string, width: number): string {
  return s.length > width ? `${s.slice(0, width - 1)}…` : s.padEnd(width);
}
