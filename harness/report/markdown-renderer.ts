// The Markdown summary (for PR comments and CI job summaries): the matrix, the cells that
// disagree with their expectation, and one section per counterexample with its replay command,
// in the words of the scenarios' plugin.
import type { Ablation, CellResult, Counterexample, RunResult } from '../run/index.ts';
import { inlineParameters } from '../sched/index.ts';
import type { FinalTable, ReportWords } from '../scenario/index.ts';
import {
  actorName,
  actorOutcomeText,
  brokenInvariants,
  cellName,
  cleanShareText,
  countText,
  coverageText,
  durationText,
  oddsText,
  shareText,
  vsBaselineText,
  outcomesText,
  plural,
  truncate,
  verdictText,
} from './cell-wording.ts';
import { resultGrid, type ResultGrid } from './result-grid.ts';
import { finalTableColumns, resultText, stepText, tableValueText } from './text-trace.ts';

/** Renders the run as a Markdown summary. */
export function renderMarkdown(result: RunResult): string {
  const grid = resultGrid(result);
  const words = grid.words;
  const out: string[] = [];
  const o = result.options;
  out.push(`# Race report: ${text(result.title)}`, '');
  if (words.question) out.push(`**${text(words.question)}**`, '');
  out.push(
    `Run ${inline(result.startedAt)} → ${inline(result.finishedAt)} (${durationText(result.totals.elapsedMs)}) · strategy ${inline(o.strategy)}, ` +
      `budget ${countText(o.budget)}, seed ${o.seed}, ${plural(o.workers, 'worker')}, database ${inline(o.database)}${o.shard ? `, shard ${inline(o.shard)}` : ''}`,
    '',
  );
  out.push(
    `**${plural(result.totals.cells, 'cell')} · ${plural(result.totals.schedules, 'schedule')} · ${plural(result.totals.disagreements, 'disagreement')} with expectations**`,
    '',
  );

  if (result.ablation) out.push(...ablationSection(result.ablation, words));
  if (result.cells.some((c) => c.odds)) out.push(...oddsSection(result, grid));

  out.push("## Matrix", "");
  out.push(
    `Rows: ${text(words.rows)}. Columns: scenarios. Each cell: the measured outcome, violating schedules, ${result.cells.some((c) => c.odds) ? 'the production odds, ' : ''}how far the search reaches, and the share of explored interleavings without a violation (a property of the search, not a probability).`,
    '',
  );
  out.push(tableRow([text(words.variant), ...claimHeader(words), ...grid.scenarios.map((s) => inline(s.name))]));
  out.push(tableRow(['---', ...claimHeader(words).map(() => '---'), ...grid.scenarios.map(() => '---')]));
  for (const v of grid.variants) {
    const cells = grid.scenarios.map((s) => {
      const cell = grid.cell(s.name, v.id);
      return cell ? matrixCell(cell) : '—';
    });
    const origin = v.origin && v.origin !== '—' ? ` (${text(v.origin)})` : '';
    out.push(tableRow([`${inline(v.id)}${origin}`, ...claimColumn(words, v.claimed), ...cells]));
  }
  out.push('');

  const disagreeing = result.cells.filter((c) => !c.agrees);
  out.push('## Disagreements', '');
  if (disagreeing.length === 0) {
    out.push('None: every measured outcome matches its scenario’s expectation.', '');
  } else {
    out.push(`${plural(disagreeing.length, 'cell')} measured differently from the scenario’s expectation:`, '');
    for (const c of disagreeing) out.push(`- ${disagreementLine(c)}`);
    out.push('');
  }

  const failed = result.cells.filter((c) => c.error !== undefined);
  if (failed.length > 0) {
    out.push('## Cells that could not run', '');
    for (const c of failed) out.push(`- ${inline(cellName(c))}: ${text(c.error ?? '')}`);
    out.push('');
  }

  for (const cell of result.cells) {
    if (cell.counterexample) out.push(...counterexampleSection(cell, cell.counterexample));
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function matrixCell(cell: CellResult): string {
  if (cell.error !== undefined) return `**ERROR** ${text(truncate(cell.error, 80))}`;
  const verdict =
    cell.verdict === 'proven'
      ? 'proven'
      : cell.verdict === 'inconclusive'
        ? `**inconclusive** (${text(cell.verdictReason)})`
        : `**${verdictText(cell.verdict)}** (${brokenInvariants(cell).map((x) => text(x)).join(', ')})`;
  const parts = [
    verdict,
    `${countText(cell.violating)}/${countText(cell.schedules)} violating`,
    ...(cell.odds ? [`odds ${oddsText(cell.odds)}`] : []),
    coverageText(cell),
    cleanShareText(cell),
  ];
  if (!cell.agrees) parts.push(`⚠ expected ${cell.expectation}`);
  return parts.join(' · ');
}

/** The claimed figure's column, when the run's plugin has one. */
function claimHeader(words: ReportWords): string[] {
  return words.claim ? [text(words.claim.name)] : [];
}

function claimColumn(words: ReportWords, claimed: number | null): string[] {
  return words.claim ? [shareText(claimed)] : [];
}

function ablationSection(a: Ablation, words: ReportWords): string[] {
  const out = ['## Ablation of ' + inline(a.set), ''];
  out.push(`The set (${a.parts.map(inline).join(' + ')}) holds on ${a.fullHolds} of ${plural(a.scenarios, 'scenario')}. Each row leaves one ${text(words.part)} out and runs every scenario again.`, '');
  out.push(tableRow([`${text(words.part)} left out`, 'set that ran', 'necessary', 'violates without it', 'counterexample']));
  out.push(tableRow(['---', '---', '---', '---', '---']));
  for (const r of a.rows) {
    const first = r.breaks.find((b) => b.replay);
    out.push(
      tableRow([
        inline(r.removed),
        inline(r.variant),
        r.necessity === 'necessary' ? 'yes' : r.necessity === 'not-needed' ? '**no**' : '**unknown** (a search without it did not finish)',
        r.breaks.map((b) => `${inline(b.scenario)} ${countText(b.violating)}/${countText(b.schedules)}`).join(', ') || '—',
        first?.replay ? inline(`--replay '${first.replay}'`) : '—',
      ]),
    );
  }
  out.push('');
  return out;
}

function oddsSection(result: RunResult, grid: ResultGrid): string[] {
  const words = grid.words;
  const t = result.options.timing;
  const out = ['## Production odds', ''];
  const per = `; with one ${text(words.counted.one)} in the scenario, that is per ${text(words.counted.one)}`;
  const compared = result.cells.some((c) => c.odds?.vsBaseline !== undefined) || words.claim !== undefined;
  const counterpart = words.claim ? `: that is the counterpart of ${text(words.claim.description)} (second column)` : '';
  out.push(
    `Probability that a run ends in a violation, estimated by the \`simulate\` strategy (a discrete-event simulation over the timing model, seeded), with its 95 % Wilson interval${per}.${compared ? ` Where the baseline violates, the share of its violations the ${text(words.variant)} removes follows${counterpart}.` : ''}`,
    '',
  );
  if (t) out.push(`Timing model: ${text(t.text)}${result.options.oddsRuns ? `, ${countText(result.options.oddsRuns)} runs per cell` : ''}.`, '');
  out.push(tableRow([text(words.variant), ...claimHeader(words), ...grid.scenarios.map((s) => inline(s.name))]));
  out.push(tableRow(['---', ...claimHeader(words).map(() => '---'), ...grid.scenarios.map(() => '---')]));
  for (const v of grid.variants) {
    const cells = grid.scenarios.map((s) => {
      const odds = grid.cell(s.name, v.id)?.odds;
      if (!odds) return '—';
      const vs = vsBaselineText(odds);
      return vs ? `${oddsText(odds)}; ${vs}` : oddsText(odds);
    });
    out.push(tableRow([inline(v.id), ...claimColumn(words, v.claimed), ...cells]));
  }
  out.push('');
  return out;
}

function disagreementLine(cell: CellResult): string {
  const where = `${inline(cellName(cell))}: expected **${cell.expectation}**, verdict **${verdictText(cell.verdict)}**`;
  if (cell.error !== undefined) return `${where} (the cell could not run: ${text(cell.error)})`;
  if (cell.verdict === 'inconclusive') return `${where}: ${text(cell.verdictReason)}.`;
  if (cell.measured === 'holds') return `${where}: no violation in ${coverageText(cell)}.`;
  return `${where}: ${countText(cell.violating)} of ${plural(cell.schedules, 'schedule')} violate ${brokenInvariants(cell).map(inline).join(', ')} (${coverageText(cell)}); counterexample below.`;
}

function counterexampleSection(cell: CellResult, ce: Counterexample): string[] {
  const out: string[] = [];
  out.push(`## Counterexample: ${text(cellName(cell))}`, '');
  out.push(
    `Outcome ${inline(ce.outcome)}, found at run ${countText(ce.foundAtRun + 1)} of ${countText(cell.schedules)}; schedule ${inline(ce.schedule)}. ` +
      `Expected ${cell.expectation}, verdict ${verdictText(cell.verdict)}. Outcomes over the cell: ${outcomesText(cell)}.`,
    '',
  );
  out.push('**Violations**', '');
  for (const v of ce.violations) {
    const rows = v.rows.length > 0 ? ` (rows ${v.rows.map((r) => `#${r}`).join(', ')})` : '';
    out.push(`- ${inline(v.invariant)}: ${text(v.message)}${rows}`);
  }
  out.push('', '**Replay**', '');
  out.push(...codeBlock('sh', ce.command), '');
  out.push('**Actors**', '');
  ce.actors.forEach((a, i) => out.push(`- ${inline(a.name)} (${i}): ${text(actorOutcomeText(a.outcome))}`));
  out.push('', `**Trace** (${plural(ce.trace.length, 'step')})`, '');
  out.push(tableRow(['#', 't (ms)', 'actor', 'step', 'result', 'waited on', 'detail']));
  out.push(tableRow(['--:', '--:', '---', '---', '---', '---', '---']));
  for (const s of ce.trace) {
    out.push(
      tableRow([
        String(s.step),
        String(s.at),
        text(actorName(ce, s.actor)),
        text(stepText(s).label),
        s.result.startsWith('ERR') ? `**${text(truncate(resultText(s), 90))}**` : text(truncate(resultText(s), 90)) + (s.completedAfter === undefined ? '' : ` (completed after step ${s.completedAfter})`),
        text(s.waitedOn.map((a) => actorName(ce, a)).join(', ')),
        text(truncate(s.values ? inlineParameters(s.detail, s.values, String) : s.detail, 72)),
      ]),
    );
  }
  for (const t of ce.finalTables) out.push('', ...finalTable(t));
  out.push('');
  return out;
}

/** A table after the run, its rows a violation names in bold. */
function finalTable(t: FinalTable): string[] {
  const out = [`**${text(t.name)} after the run**`, ''];
  if (t.rows.length === 0) return [...out, '(no rows)'];
  const columns = finalTableColumns(t);
  const flagged = new Set(t.flagged ?? []);
  out.push(tableRow(columns.map(text)), tableRow(columns.map(() => '---')));
  t.rows.forEach((r, i) => {
    const cells = columns.map((c) => text(truncate(tableValueText(r[c]), 60)));
    out.push(tableRow(flagged.has(i) ? cells.map((c) => (c ? `**${c}**` : c)) : cells));
  });
  if (t.truncated) out.push(tableRow(columns.map(() => '…')));
  return out;
}

function tableRow(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** Text safe in running Markdown: characters that could start emphasis, code, links or HTML are escaped (not `_` inside a word). */
function text(s: string): string {
  return s
    .replace(/[\\`*[\]<>|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, ' ');
}

/** Inline code whose fence is longer than any backtick run inside it; safe in table cells too. */
function inline(s: string): string {
  const flat = s.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat.replace(/\|/g, '\\|')}${pad}${fence}`;
}

function codeBlock(lang: string, body: string): string[] {
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${lang}`, body, fence];
}
