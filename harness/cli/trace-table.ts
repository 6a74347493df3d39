// A replayed run as text: each step with its actor, label, result, virtual time and lock waits.
import type { ReplayResult } from '../run/index.ts';

export function renderTrace(r: ReplayResult): string {
  const lines: string[] = [];
  lines.push(`outcome: ${r.run.outcome}; schedule ${r.run.schedule.toString()}; virtual time ${r.run.virtualTime} ms`);
  lines.push('step  t(ms)  actor          step label                          result');
  for (const s of r.run.trace) {
    const who = r.actorNames[s.actor] ?? String(s.actor);
    const wait = s.waitedOn.length > 0 ? `  (waited on ${s.waitedOn.map((w) => r.actorNames[w] ?? w).join(', ')})` : '';
    lines.push(`${String(s.step).padStart(4)}  ${String(s.at).padStart(5)}  ${who.padEnd(14)} ${s.label.padEnd(35)} ${s.result}${wait}`);
  }
  lines.push('', 'actors:');
  r.run.actors.forEach((a, i) => {
    const name = r.actorNames[i] ?? String(i);
    lines.push(`  ${name}: ${a.status === 'ok' ? 'ok' : a.status === 'error' ? `error ${a.sqlState ?? a.code ?? ''} ${a.message}` : `unfinished (${a.state})`}`);
  });
  lines.push('', 'positions after the run:');
  for (const row of r.finalRows) lines.push(`  #${row.id} ${row.symbol}@${row.exchange} ${row.side} ${row.quantity} ${row.status}${row.exitReason ? ` (${row.exitReason})` : ''}`);
  lines.push('', r.violations.length === 0 ? 'invariants: all hold' : 'violations:');
  for (const v of r.violations) lines.push(`  [${v.invariant}] ${v.message}`);
  return `${lines.join('\n')}\n`;
}
