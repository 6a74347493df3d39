// One run as plain text, for terminals and assertion errors: each step with its SQL (or label) and
// bound values, what it returned or its error, whom it waited on, and a blocked statement's
// completion shown where it completed; then how the actors ended, the tables after the run and
// the violations.
import type { Violation } from '../check/index.ts';
import type { ReplayResult } from '../run/index.ts';
import { inlineParameters, type ActorOutcome, type RunOutcome, type TraceStep } from '../sched/index.ts';
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
  readonly finalTables: readonly FinalTable[];
}

const LABEL_WIDTH = 60;

export function renderTraceText(v: TraceView): string {
  const lines: string[] = [];
  const name = (i: number) => v.actors[i]?.name ?? String(i);
  const who = Math.max(5, ...v.actors.map((a) => a.name.length));
  const width = Math.min(LABEL_WIDTH, Math.max(4, ...v.trace.map((s) => stepText(s).label.length + 2)));
  lines.push(`outcome: ${v.outcome}; schedule ${v.schedule}${v.virtualTime === undefined ? '' : `; virtual time ${v.virtualTime} ms`}`);
  lines.push(`step  t(ms)  ${'actor'.padEnd(who)}  ${'step'.padEnd(width)}  result`);
  const completions = new Map<number, TraceStep[]>();
  for (const s of v.trace) if (s.completedAfter !== undefined) completions.set(s.completedAfter, [...(completions.get(s.completedAfter) ?? []), s]);
  for (const s of v.trace) {
    const waits = s.waitedOn.length > 0 ? `waiting on ${s.waitedOn.map(name).join(', ')}` : '';
    const { label, values } = stepText(s);
    const bound = values ? `  with ${values}` : '';
    // A statement that completed later shows its result where it completed.
    const result = s.completedAfter !== undefined ? `${waits} …` : `${resultText(s)}${waits ? `  (${waits})` : ''}${bound}`;
    lines.push(`${String(s.step).padStart(4)}  ${String(s.at).padStart(5)}  ${name(s.actor).padEnd(who)}  ${fit(label, width)}  ${result}`);
    for (const done of completions.get(s.step) ?? []) {
      const d = stepText(done);
      lines.push(`${''.padStart(4)}  ${''.padStart(5)}  ${name(done.actor).padEnd(who)}  ${fit(`↳ ${d.label}`, width)}  ${resultText(done)} (step ${done.step}, after its wait)${d.values ? `  with ${d.values}` : ''}`);
    }
  }
  lines.push('', 'actors:');
  for (const a of v.actors) lines.push(`  ${a.name}: ${actorOutcomeText(a.outcome, 100)}`);
  for (const t of v.finalTables) {
    const flagged = new Set(t.flagged ?? []);
    lines.push('', `${t.name} after the run:${t.rows.length === 0 ? ' (empty)' : ''}`);
    t.rows.forEach((row, i) => lines.push(`  ${JSON.stringify(row)}${flagged.has(i) ? '   ← named by a violation' : ''}`));
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
    finalTables: r.finalTables,
  });
}

/**
 * How a step reads in a trace: a label that is the statement itself gets its values inlined
 * (`pg_advisory_xact_lock(42)`); any other label keeps them apart, as `$1 = 42, $2 = 'x'`.
 */
export function stepText(s: TraceStep): { readonly label: string; readonly values?: string } {
  if (!s.values) return { label: s.label };
  if (/(^|[^A-Za-z0-9_])\$[0-9]/.test(s.label)) return { label: inlineParameters(s.label, s.values, String) };
  return { label: s.label, values: paramsText(s.values) };
}

/** `$1 = 42, $2 = 'x'`: a step's bound values. */
export function paramsText(values: readonly string[]): string {
  return values.map((v, i) => `$${i + 1} = ${v}`).join(', ');
}

/** The columns of a final table, in the order its rows first name them. */
export function finalTableColumns(t: FinalTable): string[] {
  const columns = new Set<string>();
  for (const r of t.rows) for (const k of Object.keys(r)) columns.add(k);
  return [...columns];
}

/** `rows=1 [{"v":11}]`, `ERR 23505 duplicate key value …`. */
export function resultText(s: TraceStep): string {
  if (s.error) return `${s.result} ${s.error}`;
  return s.rows ? `${s.result} ${s.rows}` : s.result;
}

function fit(s: string, width: number): string {
  return s.length > width ? `${s.slice(0, width - 1)}…` : s.padEnd(width);
}

/** A column's value as a table cell shows it: text as is, anything else as JSON. */
export function tableValueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
