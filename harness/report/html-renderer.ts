// The HTML report: one self-contained page (inline CSS, inline SVG, one tiny inline script, no
// network) with the measured matrix and a swimlane timeline of every counterexample, in the words
// of the scenarios' plugin (the run's title heads a page of generic scenarios).
import type { Ablation, CellResult, Counterexample, RunResult, ScenarioInfo, VariantInfo } from '../run/index.ts';
import type { FinalTable, ReportWords } from '../scenario/index.ts';
import {
  actorName,
  actorOutcomeText,
  brokenInvariants,
  cellName,
  claimText,
  cleanShareText,
  countText,
  counterexampleAnchor,
  coverageText,
  durationText,
  isErrorResult,
  isProven,
  oddsComplementText,
  oddsText,
  oddsUnitText,
  outcomesText,
  pctBoundText,
  pctParamsText,
  plural,
  verdictGlyph,
  verdictText,
  vsBaselineText,
} from './cell-wording.ts';
import { REPORT_CSS, REPORT_SCRIPT } from './html-assets.ts';
import { renderSwimlane } from './html-swimlane.ts';
import { escapeAttr as attr, escapeText as text } from './markup-escape.ts';
import { overviewOrder, resultGrid, type ResultGrid } from './result-grid.ts';
import { finalTableColumns, paramsText, resultText, tableValueText } from './text-trace.ts';

// No request of any kind leaves the page: everything it shows is inline.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

/** Renders the run as one self-contained HTML page. */
export function renderHtml(result: RunResult): string {
  const grid = resultGrid(result);
  const withCounterexample = result.cells.filter((c): c is CellResult & { counterexample: Counterexample } => c.counterexample !== null);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${text(result.title)} race report — ${text(result.startedAt)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    header(result, grid.words),
    '<main class="wrap">',
    overviewSection(grid),
    ...(result.ablation ? [ablationSection(result.ablation, grid.words)] : []),
    matrixSection(grid, result),
    disagreementsSection(result),
    ...withCounterexample.map((c, i) => counterexampleSection(c, c.counterexample, i)),
    '</main>',
    `<footer class="wrap">results schema v${result.schemaVersion} · generated from the run's RunResult (results.json holds the same data)</footer>`,
    `<script>${REPORT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function header(result: RunResult, words: ReportWords): string {
  const t = result.totals;
  const o = result.options;
  const options: [string, string][] = [
    ['strategy', o.strategy],
    ['budget', countText(o.budget)],
    ['seed', String(o.seed)],
    ['workers', String(o.workers)],
    ['database', o.database],
    ...(o.shard ? ([['shard', o.shard]] as [string, string][]) : []),
    ['started', result.startedAt],
    ['finished', result.finishedAt],
  ];
  return `<header class="top"><div class="wrap">
<div class="brand">${text(words.question ? result.title : 'Race report')}</div>
<h1>${text(words.question ?? result.title)}</h1>
<p class="lede">${text(words.lede)}</p>
<div class="stats">
${stat(countText(t.cells), `cells (scenario × ${words.variant})`)}
${stat(countText(t.schedules), 'schedules run')}
${stat(countText(t.disagreements), t.disagreements === 1 ? 'disagreement with expectations' : 'disagreements with expectations', t.disagreements > 0 ? 'bad' : 'good')}
${stat(durationText(t.elapsedMs), 'elapsed')}
</div>
<dl class="options">${options.map(([k, v]) => `<div><dt>${text(k)}</dt><dd>${text(v)}</dd></div>`).join('')}</dl>
</div></header>`;
}

function stat(value: string, label: string, tone = ''): string {
  return `<div class="stat${tone ? ` ${tone}` : ''}"><span class="num">${text(value)}</span><span class="lbl">${text(label)}</span></div>`;
}

/** Variants × scenarios, one glyph a cell, the plugin's first variants first: the answer on one screen. */
function overviewSection(grid: ResultGrid): string {
  const head = grid.scenarios.map((s, i) => `<th scope="col" title="${attr(`${s.name}: ${s.title}`)}">S${i + 1}</th>`).join('');
  const rows = overviewOrder(grid.variants, grid.words)
    .map((set) => {
      const cells = grid.scenarios
        .map((s) => {
          const cell = grid.cell(s.name, set.id);
          const g = verdictGlyph(cell);
          const off = cell && !cell.agrees ? ' disagree' : '';
          const odds = cell?.odds ? `; odds ${oddsText(cell.odds)} ${oddsUnitText(cell.odds, grid.scenarioWords(s.name))}` : '';
          return `<td class="g ${attr(g.tone)}${off}" title="${attr(`${s.name} @ ${set.id}: ${g.title}${odds}${cell && !cell.agrees ? `; expected ${cell.expectation}` : ''}`)}">${text(g.glyph)}</td>`;
        })
        .join('');
      return `<tr><th scope="row" title="${attr(set.title)}">${text(set.id)}</th>${cells}</tr>`;
    })
    .join('\n');
  const key = grid.scenarios.map((s, i) => `<li><b>S${i + 1}</b> ${text(s.name)}</li>`).join('');
  return `<section class="card" id="overview">
<h2>Verdicts at a glance</h2>
<div class="overview-wrap"><table id="overview-table">
<thead><tr><th class="corner">${text(grid.words.variant)}</th>${head}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
<ol class="overview-key">${key}</ol></div>
<div class="legend"><span>✔ proven (searched to its end, no bound)</span><span>○ inconclusive (no violation where searched: sampled, bounded or budget-cut)</span><span>✘ violated (counterexample below)</span><span>dashed: not what the scenario declares</span><span>hover a cell for its figures and odds</span></div>
</section>`;
}

/** Why each part of a named set is needed: the scenario that breaks without it, with its counterexample. */
function ablationSection(a: Ablation, words: ReportWords): string {
  const rows = a.rows
    .map((r) => {
      const breaks = r.breaks.length === 0 ? '<span class="hint">none: the set holds without it</span>' : r.breaks.map((b) => `<code>${text(b.scenario)}</code> ${countText(b.violating)}/${countText(b.schedules)}`).join(', ');
      const first = r.breaks.find((b) => b.command);
      return `<tr><th scope="row"><code>${text(r.removed)}</code></th><td><code>${text(r.variant)}</code></td><td class="${r.necessary ? 'nec' : 'unnec'}">${r.necessity === 'necessary' ? 'necessary' : r.necessity === 'not-needed' ? 'NOT needed' : 'unknown (a search without it did not finish)'}</td><td>${breaks}</td><td>${first?.command ? `<code>${text(first.command)}</code>` : ''}</td></tr>`;
    })
    .join('\n');
  return `<section class="card" id="ablation">
<h2>Ablation of <code>${text(a.set)}</code></h2>
<p class="hint">The set holds on ${countText(a.fullHolds)} of ${plural(a.scenarios, 'scenario')}. Each row leaves one ${text(words.part)} out and runs every scenario again: a ${text(words.part)} is necessary when some scenario the full set holds on then violates.</p>
<table class="data"><thead><tr><th>${text(words.part)} left out</th><th>set that ran</th><th>verdict</th><th>violates without it</th><th>counterexample</th></tr></thead><tbody>
${rows}
</tbody></table>
</section>`;
}

function matrixSection(grid: ResultGrid, result: RunResult): string {
  const words = grid.words;
  const head = grid.scenarios.map(scenarioHeader).join('');
  const rows = grid.variants
    .map((v) => `<tr>${variantHeader(v, grid.variantWords(v))}${grid.scenarios.map((s) => matrixCell(grid.cell(s.name, v.id), grid.scenarioWords(s.name))).join('')}</tr>`)
    .join('\n');
  const withOdds = result.cells.some((c) => c.odds);
  const odds = withOdds
    ? `the production odds of a violation (simulated runs over the timing model, with a 95 % interval${words.claim ? `; 1 − odds is the counterpart of ${words.claim.description}` : ''}), `
    : '';
  return `<section class="card" id="matrix-section">
<h2>${text(words.matrix)}</h2>
<p class="hint">Rows: ${text(words.rows)}. Columns: scenarios. Each cell: ${text(odds)}violating / schedules explored, and how far the search reaches. “Clean interleavings” is the share of explored schedules without a violation: a property of the search, not a probability.</p>${withOdds ? timingLine(result) : ''}
<div class="scroll"><table id="matrix">
<thead><tr><th class="corner">${text(words.variant)} ↓ · scenario →</th>${head}</tr></thead>
<tbody>
${rows}
</tbody>
</table></div>
<div class="legend">
<span><span class="swatch holds"></span>holds: no schedule broke an invariant</span>
<span><span class="swatch violates"></span>violates: some schedule broke one</span>
<span><span class="swatch disagree"></span>measured ≠ the scenario's expectation</span>
<span>✔ proven: every interleaving ran</span>
</div>
</section>`;
}

/** The timing model the odds ran on, in the plugin's words (only where odds were computed). */
function timingLine(result: RunResult): string {
  const t = result.options.timing;
  if (!t) return '';
  return `<p class="hint">Timing model of the odds: ${text(t.text)}${result.options.oddsRuns ? `; ${countText(result.options.oddsRuns)} runs a cell` : ''}, seed ${result.options.seed}.</p>`;
}

function scenarioHeader(s: ScenarioInfo): string {
  return `<th scope="col"><div class="sc-name">${text(s.name)}</div><div class="sc-title">${text(s.title)}</div>${s.description ? `<div class="sc-plan">${text(s.description)}</div>` : ''}</th>`;
}

function variantHeader(v: VariantInfo, words: ReportWords): string {
  const origin = v.origin && v.origin !== '—' ? `<span class="seed">${text(v.origin)}</span>` : '';
  const claim = claimText(words, v.claimed);
  const meta = origin || claim ? `<div class="ls-meta">${origin}${claim ? `<span class="claim">${text(claim)}</span>` : ''}</div>` : '';
  return `<th scope="row"><div class="ls-id">${text(v.id)}</div><div class="ls-title">${text(v.title)}</div>${meta}</th>`;
}

function matrixCell(cell: CellResult | undefined, words: ReportWords): string {
  if (!cell) return '<td class="cell empty">not run</td>';
  const data = `data-scenario="${attr(cell.scenario)}" data-variant="${attr(cell.variant)}" data-measured="${attr(cell.measured)}" data-verdict="${attr(cell.verdict)}" data-expectation="${attr(cell.expectation)}"`;
  if (cell.error !== undefined) {
    return `<td class="cell error${cell.agrees ? '' : ' disagree'}" ${data} title="${attr(cell.error)}"><div class="cell-top"><span class="eff">—</span><span class="verdict">error</span></div><div class="cov">could not run: ${text(cell.error)}</div>${expectationLine(cell)}</td>`;
  }
  const classes = ['cell', cell.measured, cell.verdict, ...(cell.agrees ? [] : ['disagree'])].join(' ');
  const bound = cell.coverage.stats.pctBound;
  const coverage = isProven(cell)
    ? `<div class="cov proven">proven over all ${plural(cell.schedules, 'interleaving')}</div>`
    : cell.verdict === 'inconclusive'
      ? `<div class="cov inconclusive">inconclusive: ${text(cell.verdictReason)}</div>`
      : cell.coverage.kind === 'exhaustive'
      ? `<div class="cov">${cell.coverage.complete ? `all ${plural(cell.schedules, 'interleaving')} searched` : `exhaustive, incomplete: ${plural(cell.schedules, 'interleaving')}`}</div>`
      : cell.coverage.kind === 'replay'
        ? `<div class="cov">replay: ${plural(cell.schedules, 'run')}</div>`
        : `<div class="cov">sampled: ${plural(cell.schedules, 'run')} (${text(cell.coverage.stats.strategy)})</div>`;
  const boundLine = bound ? `<div class="bound" title="${attr(`PCT: ${pctParamsText(bound)}`)}">PCT bound ${text(pctBoundText(bound))} per run</div>` : '';
  const link = cell.counterexample ? `<a class="ce-link" href="#${attr(counterexampleAnchor(cell))}">counterexample ↓</a>` : '';
  const title = `${cellName(cell)}: ${cell.verdict}; ${coverageText(cell)}; outcomes ${outcomesText(cell)}`;
  return (
    `<td class="${classes}" ${data} title="${attr(title)}">` +
    `<div class="cell-top"><span class="eff" title="${attr(cell.odds ? `production odds of a violation ${oddsUnitText(cell.odds, words)}, ${countText(cell.odds.runs)} simulated runs; ${oddsComplementText(cell.odds, words)}` : 'no odds pass in this run')}">${text(cell.odds ? `p ${oddsText(cell.odds)}` : '—')}</span><span class="verdict">${text(verdictText(cell.verdict))}</span></div>` +
    (cell.odds && vsBaselineText(cell.odds) ? `<div class="vs">${text(vsBaselineText(cell.odds))}</div>` : '') +
    `<div class="ratio">${countText(cell.violating)} / ${countText(cell.schedules)} violating · ${text(cleanShareText(cell))}</div>` +
    coverage +
    boundLine +
    expectationLine(cell) +
    link +
    `</td>`
  );
}

function expectationLine(cell: CellResult): string {
  return cell.agrees
    ? `<div class="expect as-expected">as expected (${text(cell.expectation)})</div>`
    : `<div class="expect">⚠ expected ${text(cell.expectation)}</div>`;
}

function disagreementsSection(result: RunResult): string {
  const disagreeing = result.cells.filter((c) => !c.agrees);
  const body =
    disagreeing.length === 0
      ? '<p class="hint">None: every measured outcome matches its scenario’s expectation.</p>'
      : `<ul class="disagreements">${disagreeing.map((c) => `<li>${disagreementLine(c)}</li>`).join('')}</ul>`;
  return `<section class="card" id="disagreements"><h2>Disagreements</h2>${body}</section>`;
}

function disagreementLine(cell: CellResult): string {
  const where = `<code>${text(cellName(cell))}</code>: expected <b>${text(cell.expectation)}</b>, measured <b>${text(cell.measured)}</b>`;
  if (cell.error !== undefined) return `${where} — the cell could not run: ${text(cell.error)}`;
  if (!cell.counterexample) return `${where} — no violation in ${text(coverageText(cell))}.`;
  return `${where} — ${text(brokenInvariants(cell).join(', '))} in ${countText(cell.violating)} of ${plural(cell.schedules, 'schedule')}; <a href="#${attr(counterexampleAnchor(cell))}">counterexample</a>.`;
}

function counterexampleSection(cell: CellResult, ce: Counterexample, index: number): string {
  const badges = [
    `<span class="badge ${attr(cell.measured)}">${text(cell.measured)}</span>`,
    cell.agrees ? '' : `<span class="badge disagree">expected ${text(cell.expectation)}</span>`,
    `<span class="badge outcome">${text(ce.outcome)}</span>`,
  ].join('');
  return `<section class="card counterexample" id="${attr(counterexampleAnchor(cell))}">
<h3>Counterexample: <code>${text(cellName(cell))}</code>${badges}</h3>
<p class="meta">Found at run ${countText(ce.foundAtRun + 1)} of ${countText(cell.schedules)} · schedule <code>${text(ce.schedule)}</code> · ${plural(ce.trace.length, 'step')} · ${text(ce.actors.map((a) => `${a.name}: ${actorOutcomeText(a.outcome, 40)}`).join(' · '))}</p>
<div class="timeline-scroll">${renderSwimlane(ce, String(index))}</div>
<div class="legend">
<span><span class="swatch sql"></span>SQL statement</span>
<span><span class="swatch service"></span>service call</span>
<span><span class="swatch sleep"></span>sleep / wake-up</span>
<span><span class="swatch err"></span>error result (ERR SQLSTATE)</span>
<span><span class="swatch wait"></span>waited on the lock of another actor</span>
<span>scroll sideways through all ${plural(ce.trace.length, 'step')}; hover a step for its SQL or request</span>
</div>
<div class="columns">
<div><h4>Violations</h4><ul class="violations">${ce.violations
    .map(
      (v) =>
        `<li><span class="inv">${text(v.invariant)}</span>${text(v.message)}${v.rows.length > 0 ? `<span class="rows-ref">rows ${text(v.rows.map((r) => `#${r}`).join(', '))}</span>` : ''}</li>`,
    )
    .join('')}</ul></div>
<div>${finalTablesHtml(ce.finalTables)}</div>
</div>
<h4>Replay</h4>
<div class="replay"><span class="prompt">$</span><code>${text(ce.command)}</code><button type="button" class="copy" data-copy="${attr(ce.command)}" title="Copy the replay command">copy</button></div>
<details class="trace"><summary>Full trace (${plural(ce.trace.length, 'step')}, with SQL and requests)</summary>${traceTable(ce)}</details>
</section>`;
}

/** The tables the scenario's plugin shows after the run: one table each, rows a violation names highlighted. */
function finalTablesHtml(tables: readonly FinalTable[]): string {
  if (tables.length === 0) return '<h4>Tables after the run</h4><p class="hint">none shown: the run touched no table</p>';
  return tables.map(finalTableHtml).join('');
}

function finalTableHtml(t: FinalTable): string {
  const head = `<h4>${text(t.name)} after the run</h4>`;
  if (t.rows.length === 0) return `${head}<p class="hint">empty</p>`;
  const columns = finalTableColumns(t);
  const flagged = new Set(t.flagged ?? []);
  const rows = t.rows
    .map((r, i) => `<tr${flagged.has(i) ? ' class="flagged"' : ''}>${columns.map((c) => `<td>${text(tableValueText(r[c]))}</td>`).join('')}</tr>`)
    .join('');
  const more = t.truncated ? `<tr><td colspan="${columns.length}">…</td></tr>` : '';
  return `${head}<table class="data rows"><thead><tr>${columns.map((c) => `<th>${text(c)}</th>`).join('')}</tr></thead><tbody>${rows}${more}</tbody></table>`;
}

function traceTable(ce: Counterexample): string {
  const rows = ce.trace
    .map(
      (s) =>
        `<tr><td class="num">${s.step}</td><td class="num">${s.at}</td><td>${text(actorName(ce, s.actor))}</td><td>${text(s.kind)}</td><td>${text(s.label)}</td>` +
        `<td><code>${text(s.detail)}</code>${s.values ? `<div class="params">${text(paramsText(s.values))}</div>` : ''}</td><td class="${isErrorResult(s.result) ? 'err' : ''}">${text(resultText(s))}${s.completedAfter === undefined ? '' : ` (completed after step ${s.completedAfter})`}</td>` +
        `<td>${text(s.waitedOn.map((a) => actorName(ce, a)).join(', '))}</td></tr>`,
    )
    .join('');
  return `<table class="data"><thead><tr><th>#</th><th>t (ms)</th><th>actor</th><th>kind</th><th>step</th><th>SQL / request</th><th>result</th><th>waited on</th></tr></thead><tbody>${rows}</tbody></table>`;
}
