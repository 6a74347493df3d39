// The terminal matrix: one row per variant, one column per scenario, each column as wide as its
// widest entry plus a gap (figures never run together), then a line per disagreement, the replay
// command of every counterexample and, after an ablation, its table; in the run's words.
import { resultGrid } from '../report/index.ts';
import type { Ablation, CellResult, RunResult } from '../run/index.ts';
import { DEFAULT_REPORT_WORDS } from '../scenario/index.ts';

const GAP = '  ';

function cellText(c: CellResult | undefined): string {
  if (!c) return '-';
  if (c.error) return 'ERROR';
  const mark = c.verdict === 'violated' ? `VIOL ${c.violating}/${c.schedules}` : c.verdict === 'proven' ? 'proven' : 'inconclusive';
  const odds = c.odds ? ` p=${percent(c.odds.p)}` : '';
  return `${mark}${odds}${c.agrees ? '' : ' !'}`;
}

/** `0%`, `4.1%`, `100%`: a share for a terminal cell. */
function percent(p: number): string {
  const v = p * 100;
  return `${v === 0 || v === 100 || v >= 10 ? v.toFixed(0) : v.toFixed(1)}%`;
}

/** Rows of text cells → lines, every column padded to its widest entry. */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join(GAP).trimEnd());
}

export function renderMatrixTable(r: RunResult): string {
  const grid = resultGrid(r);
  const scen = r.scenarios.map((s) => s.name);
  const variants = r.variants.map((v) => v.id);
  const lines: string[] = [];
  lines.push(scen.map((s, i) => `  S${i + 1} = ${s}`).join('\n'));
  lines.push('');
  const table = [[grid.words.variant, ...scen.map((_, i) => `S${i + 1}`)], ...variants.map((v) => [v, ...scen.map((s) => cellText(grid.cell(s, v)))])];
  lines.push(...alignColumns(table));
  lines.push(
    '',
    `proven = exhaustive search finished, no bound, no violation; inconclusive = no violation in what ran, but not every interleaving ran (budget, bound or sample).`,
    `"!" = the verdict contradicts the scenario's declared expectation.`,
  );
  if (r.cells.some((c) => c.odds)) lines.push(`p = production odds: the share of simulated runs (timing model, seeded) that violate.`);
  const bad = r.cells.filter((c) => !c.agrees);
  if (bad.length > 0) {
    lines.push('', 'Contradicted expectations:');
    for (const c of bad) lines.push(`  ${c.scenario} @ ${c.variant}: expected ${c.expectation}, verdict ${c.verdict} (${c.error ?? c.verdictReason})`);
  }
  const cx = r.cells.filter((c) => c.counterexample);
  if (cx.length > 0) {
    lines.push('', 'Counterexamples (replay any of them):');
    for (const c of cx) {
      const inv = Object.keys(c.violationsByInvariant).join(', ');
      lines.push(`  ${c.scenario} @ ${c.variant} [${inv}]: ${c.counterexample?.command}`);
      // What the counterexample broke, in the check's own words (the first few).
      const broke = c.counterexample?.violations ?? [];
      for (const v of broke.slice(0, 3)) lines.push(`    ${v.message}`);
      if (broke.length > 3) lines.push(`    (and ${broke.length - 3} more)`);
    }
  }
  return lines.join('\n');
}

/** The ablation as text: per part left out (in the words of `result`'s plugin), whether it is needed and where the set breaks without it. */
export function renderAblationTable(a: Ablation, result?: RunResult): string {
  const words = result ? resultGrid(result).words : DEFAULT_REPORT_WORDS;
  const lines = [`Ablation of ${a.set} (${a.parts.join(' + ')}): the full set holds on ${a.fullHolds} of ${a.scenarios} scenarios.`, ''];
  const rows = [[`${words.part} left out`, 'set that ran', 'necessary', 'violates without it']];
  for (const row of a.rows) {
    rows.push([row.removed, row.variant, row.necessity === 'necessary' ? 'yes' : row.necessity === 'not-needed' ? 'NO' : 'unknown', row.breaks.map((b) => `${b.scenario} ${b.violating}/${b.schedules}`).join(', ') || '-']);
  }
  lines.push(...alignColumns(rows));
  for (const row of a.rows) {
    const first = row.breaks.find((b) => b.command);
    if (first?.command) lines.push(`  without ${row.removed}: ${first.command}`);
  }
  return lines.join('\n');
}
