// The Markdown summary (for PR comments and CI job summaries): the matrix, the cells that
// disagree with their expectation, and one section per counterexample with its replay command.
import type { Ablation, CellResult, Counterexample, RunResult } from '../run/index.ts';
import {
  actorName,
  actorOutcomeText,
  brokenInvariants,
  cellName,
  cleanShareText,
  countText,
  coverageText,
  durationText,
  effectivenessText,
  oddsText,
  vsBaselineText,
  outcomesText,
  plural,
  truncate,
  verdictText,
} from './cell-wording.ts';
import { resultGrid } from './result-grid.ts';
import { resultText } from './text-trace.ts';

/** Renders the run as a Markdown summary. */
export function renderMarkdown(result: RunResult): string {
  const grid = resultGrid(result);
  const out: string[] = [];
  const o = result.options;
  out.push('# Position race report', '');
  out.push(
    `Run ${inline(result.startedAt)} → ${inline(result.finishedAt)} (${durationText(result.totals.elapsedMs)}) · strategy ${inline(o.strategy)}, ` +
      `budget ${countText(o.budget)}, seed ${o.seed}, ${plural(o.workers, 'worker')}, database ${inline(o.database)}${o.shard ? `, shard ${inline(o.shard)}` : ''}`,
    '',
  );
  out.push(
    `**${plural(result.totals.cells, 'cell')} · ${plural(result.totals.schedules, 'schedule')} · ${plural(result.totals.disagreements, 'disagreement')} with expectations**`,
    '',
  );

  if (result.ablation) out.push(...ablationSection(result.ablation));
  if (result.cells.some((c) => c.odds)) out.push(...oddsSection(result));

  out.push('## Matrix', '');
  out.push(
    'Rows: layer sets, with the effectiveness the plan claims. Columns: scenarios. Each cell: the measured outcome, violating schedules, the production odds when they were estimated, how far the search reaches, and the share of explored interleavings without a violation (a property of the search, not a probability).',
    '',
  );
  out.push(tableRow(['layer set', 'plan', ...grid.scenarios.map((s) => inline(s.name))]));
  out.push(tableRow(['---', '---', ...grid.scenarios.map(() => '---')]));
  for (const set of grid.layerSets) {
    const cells = grid.scenarios.map((s) => {
      const cell = grid.cell(s.name, set.id);
      return cell ? matrixCell(cell) : '—';
    });
    const seed = set.seedOption && set.seedOption !== '—' ? ` (${text(set.seedOption)})` : '';
    out.push(tableRow([`${inline(set.id)}${seed}`, effectivenessText(set.claimedEffectiveness), ...cells]));
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

function ablationSection(a: Ablation): string[] {
  const out = ['## Ablation of ' + inline(a.set), ''];
  out.push(`The set (${a.layers.map(inline).join(' + ')}) holds on ${a.fullHolds} of ${plural(a.scenarios, 'scenario')}. Each row leaves one layer out and runs every scenario again.`, '');
  out.push(tableRow(['layer left out', 'set that ran', 'necessary', 'violates without it', 'counterexample']));
  out.push(tableRow(['---', '---', '---', '---', '---']));
  for (const r of a.rows) {
    const first = r.breaks.find((b) => b.replay);
    out.push(
      tableRow([
        inline(r.removed),
        inline(r.layerSet),
        r.necessity === 'necessary' ? 'yes' : r.necessity === 'not-needed' ? '**no**' : '**unknown** (a search without it did not finish)',
        r.breaks.map((b) => `${inline(b.scenario)} ${countText(b.violating)}/${countText(b.schedules)}`).join(', ') || '—',
        first?.replay ? inline(`--replay '${first.replay}'`) : '—',
      ]),
    );
  }
  out.push('');
  return out;
}

function oddsSection(result: RunResult): string[] {
  const grid = resultGrid(result);
  const t = result.options.timing;
  const out = ['## Production odds', ''];
  out.push(
    'Probability that a run ends in a violation, estimated by the `simulate` strategy (a discrete-event simulation over the timing model, seeded), with its 95 % Wilson interval; with one Signal in the scenario, that is per Signal. Where the baseline violates, the share of its violations the set removes follows: that is the counterpart of the effectiveness the plan claims (second column).',
    '',
  );
  if (t) {
    out.push(
      `Timing model: Sync every ${t.periodicIntervalMs} ms, other flows within ${t.arrivalWindowMs} ms, exchange ${t.serviceLatencyMs} ms and SQL ${t.sqlLatencyMs} ms median (log-normal σ ${t.latencySpread}), settlement ${t.settlementMs} ms${result.options.oddsRuns ? `, ${countText(result.options.oddsRuns)} runs per cell` : ''}.`,
      '',
    );
  }
  out.push(tableRow(['layer set', 'plan', ...grid.scenarios.map((s) => inline(s.name))]));
  out.push(tableRow(['---', '---', ...grid.scenarios.map(() => '---')]));
  for (const set of grid.layerSets) {
    const cells = grid.scenarios.map((s) => {
      const odds = grid.cell(s.name, set.id)?.odds;
      if (!odds) return '—';
      const vs = vsBaselineText(odds);
      return vs ? `${oddsText(odds)}; ${vs}` : oddsText(odds);
    });
    out.push(tableRow([inline(set.id), effectivenessText(set.claimedEffectiveness), ...cells]));
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
        text(s.label),
        s.result.startsWith('ERR') ? `**${text(truncate(resultText(s), 90))}**` : text(truncate(resultText(s), 90)) + (s.completedAfter === undefined ? '' : ` (completed after step ${s.completedAfter})`),
        text(s.waitedOn.map((a) => actorName(ce, a)).join(', ')),
        text(truncate(s.detail, 72)),
      ]),
    );
  }
  for (const t of ce.finalTables ?? []) {
    out.push('', `**${text(t.name)} after the run**`, '');
    out.push(...(t.rows.length === 0 ? ['(no rows)'] : t.rows.map((r) => `- ${inline(JSON.stringify(r))}`)));
    if (t.truncated) out.push('- …');
  }
  if (ce.finalTables && ce.finalTables.length > 0) {
    out.push('');
    return out;
  }
  out.push('', '**Final positions**', '');
  if (ce.finalRows.length === 0) {
    out.push('(no rows)');
  } else {
    out.push(tableRow(['id', 'symbol', 'exchange', 'side', 'quantity', 'status', 'stop-loss', 'exit reason']));
    out.push(tableRow(['--:', '---', '---', '---', '--:', '---', '---', '---']));
    for (const r of ce.finalRows) {
      out.push(
        tableRow([
          String(r.id),
          text(r.symbol),
          text(r.exchange),
          text(r.side),
          String(r.quantity),
          text(r.status),
          r.hasStopLoss ? 'yes' : 'no',
          text(truncate(r.exitReason ?? '', 60)),
        ]),
      );
    }
  }
  out.push('');
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
