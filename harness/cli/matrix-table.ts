// The terminal matrix: one row per layer set, one column per scenario, plus a line per
// disagreement and the replay command of every counterexample.
import type { CellResult, RunResult } from '../run/index.ts';

function cellText(c: CellResult | undefined): string {
  if (!c) return '';
  if (c.error) return 'ERROR';
  const mark = c.verdict === 'violated' ? `VIOL ${c.violating}/${c.schedules}` : c.verdict === 'proven' ? 'proven' : 'inconclusive';
  return `${mark}${c.agrees ? '' : ' !'}`;
}

export function renderMatrixTable(r: RunResult): string {
  const scen = r.scenarios.map((s) => s.name);
  const layers = r.layerSets.map((l) => l.id);
  const by = new Map(r.cells.map((c) => [`${c.scenario}|${c.layers}`, c]));
  const colW = 14;
  const firstW = Math.max(12, ...layers.map((l) => l.length)) + 1;
  const lines: string[] = [];
  lines.push(scen.map((s, i) => `  S${i + 1} = ${s}`).join('\n'));
  lines.push('');
  lines.push('layer set'.padEnd(firstW) + scen.map((_, i) => `S${i + 1}`.padEnd(colW)).join(''));
  for (const l of layers) {
    lines.push(l.padEnd(firstW) + scen.map((s) => cellText(by.get(`${s}|${l}`)).padEnd(colW)).join(''));
  }
  lines.push(
    '',
    `proven = exhaustive search finished, no bound, no violation; inconclusive = no violation in what ran, but not every interleaving ran (budget, bound or sample).`,
    `"!" = the verdict contradicts the scenario's declared expectation.`,
  );
  const bad = r.cells.filter((c) => !c.agrees);
  if (bad.length > 0) {
    lines.push('', 'Contradicted expectations:');
    for (const c of bad) lines.push(`  ${c.scenario} @ ${c.layers}: expected ${c.expectation}, verdict ${c.verdict} (${c.error ?? c.verdictReason})`);
  }
  const cx = r.cells.filter((c) => c.counterexample);
  if (cx.length > 0) {
    lines.push('', 'Counterexamples (replay any of them):');
    for (const c of cx) {
      const inv = Object.keys(c.violationsByInvariant).join(', ');
      lines.push(`  ${c.scenario} @ ${c.layers} [${inv}]: ${c.counterexample?.command}`);
    }
  }
  return lines.join('\n');
}
