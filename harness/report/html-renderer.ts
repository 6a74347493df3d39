// The HTML report: one self-contained page (inline CSS, inline SVG, one tiny inline script, no
// network) with the measured effectiveness matrix and a swimlane timeline of every counterexample.
import type { Ablation, CellResult, Counterexample, LayerInfo, RunResult, ScenarioInfo } from '../run/index.ts';
import {
  actorName,
  actorOutcomeText,
  brokenInvariants,
  cellName,
  cleanShareText,
  countText,
  counterexampleAnchor,
  coverageText,
  durationText,
  effectivenessText,
  isErrorResult,
  isProven,
  oddsEffectivenessText,
  oddsText,
  oddsUnitText,
  outcomesText,
  pctBoundText,
  pctParamsText,
  planClaimText,
  plural,
  verdictGlyph,
  verdictText,
  vsBaselineText,
} from './cell-wording.ts';
import { REPORT_CSS, REPORT_SCRIPT } from './html-assets.ts';
import { renderSwimlane } from './html-swimlane.ts';
import { escapeAttr as attr, escapeText as text } from './markup-escape.ts';
import { overviewOrder, resultGrid, type ResultGrid } from './result-grid.ts';
import { resultText } from './text-trace.ts';

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
    `<title>Position race report — ${text(result.startedAt)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    header(result),
    '<main class="wrap">',
    overviewSection(grid),
    ...(result.ablation ? [ablationSection(result.ablation)] : []),
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

function header(result: RunResult): string {
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
<div class="brand">Position race harness</div>
<h1>Which fix layers stop the duplicate-position race?</h1>
<p class="lede">Measured, not guessed: every cell counts the schedules that broke an invariant among the interleavings explored against a real PostgreSQL, next to the effectiveness the fix plan claims. Every failure comes with a replayable counterexample.</p>
<div class="stats">
${stat(countText(t.cells), 'cells (scenario × layer set)')}
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

/** Layer sets × scenarios, one glyph a cell, the set to ship first: the answer on one screen. */
function overviewSection(grid: ResultGrid): string {
  const head = grid.scenarios.map((s, i) => `<th scope="col" title="${attr(`${s.name}: ${s.title}`)}">S${i + 1}</th>`).join('');
  const rows = overviewOrder(grid.layerSets)
    .map((set) => {
      const cells = grid.scenarios
        .map((s) => {
          const cell = grid.cell(s.name, set.id);
          const g = verdictGlyph(cell);
          const off = cell && !cell.agrees ? ' disagree' : '';
          const odds = cell?.odds ? `; odds ${oddsText(cell.odds)} ${oddsUnitText(cell.odds)}` : '';
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
<thead><tr><th class="corner">layer set</th>${head}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
<ol class="overview-key">${key}</ol></div>
<div class="legend"><span>✔ proven (searched to its end, no bound)</span><span>○ inconclusive (no violation where searched: sampled, bounded or budget-cut)</span><span>✘ violated (counterexample below)</span><span>dashed: not what the scenario declares</span><span>hover a cell for its figures and odds</span></div>
</section>`;
}

/** Why each layer of a named set is needed: the scenario that breaks without it, with its counterexample. */
function ablationSection(a: Ablation): string {
  const rows = a.rows
    .map((r) => {
      const breaks = r.breaks.length === 0 ? '<span class="hint">none: the set holds without it</span>' : r.breaks.map((b) => `<code>${text(b.scenario)}</code> ${countText(b.violating)}/${countText(b.schedules)}`).join(', ');
      const first = r.breaks.find((b) => b.command);
      return `<tr><th scope="row"><code>${text(r.removed)}</code></th><td><code>${text(r.layerSet)}</code></td><td class="${r.necessary ? 'nec' : 'unnec'}">${r.necessity === 'necessary' ? 'necessary' : r.necessity === 'not-needed' ? 'NOT needed' : 'unknown (a search without it did not finish)'}</td><td>${breaks}</td><td>${first?.command ? `<code>${text(first.command)}</code>` : ''}</td></tr>`;
    })
    .join('\n');
  return `<section class="card" id="ablation">
<h2>Ablation of <code>${text(a.set)}</code></h2>
<p class="hint">The set holds on ${countText(a.fullHolds)} of ${plural(a.scenarios, 'scenario')}. Each row leaves one layer out and runs every scenario again: a layer is necessary when some scenario the full set holds on then violates.</p>
<table class="data"><thead><tr><th>layer left out</th><th>set that ran</th><th>verdict</th><th>violates without it</th><th>counterexample</th></tr></thead><tbody>
${rows}
</tbody></table>
</section>`;
}

function matrixSection(grid: ResultGrid, result: RunResult): string {
  const head = grid.scenarios.map(scenarioHeader).join('');
  const rows = grid.layerSets
    .map((set) => `<tr>${layerHeader(set)}${grid.scenarios.map((s) => matrixCell(grid.cell(s.name, set.id))).join('')}</tr>`)
    .join('\n');
  return `<section class="card" id="matrix-section">
<h2>Effectiveness matrix</h2>
<p class="hint">Rows: layer sets, with the plan option they come from and the effectiveness the plan claims. Columns: scenarios. Each cell: the production odds of a violation (simulated runs over the timing model, with a 95 % interval; 1 − odds is the counterpart of the plan's figure), violating / schedules explored, and how far the search reaches. “Clean interleavings” is the share of explored schedules without a violation: a property of the search, not a probability.</p>${timingLine(result)}
<div class="scroll"><table id="matrix">
<thead><tr><th class="corner">layer set ↓ · scenario →</th>${head}</tr></thead>
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

function timingLine(result: RunResult): string {
  const t = result.options.timing;
  if (!t) return '';
  return `<p class="hint">Timing model of the odds: Sync every ${countText(t.periodicIntervalMs / 1000)} s, other flows within ${countText(t.arrivalWindowMs / 1000)} s, exchange ${t.serviceLatencyMs} ms and SQL ${t.sqlLatencyMs} ms median (log-normal σ ${t.latencySpread}), settlement ${countText(t.settlementMs ?? 0)} ms${result.options.oddsRuns ? `; ${countText(result.options.oddsRuns)} runs a cell` : ''}, seed ${result.options.seed}.</p>`;
}

function scenarioHeader(s: ScenarioInfo): string {
  return `<th scope="col"><div class="sc-name">${text(s.name)}</div><div class="sc-title">${text(s.title)}</div>${s.plan ? `<div class="sc-plan">${text(s.plan)}</div>` : ''}</th>`;
}

function layerHeader(set: LayerInfo): string {
  const seed = set.seedOption && set.seedOption !== '—' ? `<span class="seed">${text(set.seedOption)}</span>` : '';
  return `<th scope="row"><div class="ls-id">${text(set.id)}</div><div class="ls-title">${text(set.title)}</div><div class="ls-meta">${seed}<span class="claim">${text(planClaimText(set.claimedEffectiveness))}</span></div></th>`;
}

function matrixCell(cell: CellResult | undefined): string {
  if (!cell) return '<td class="cell empty">not run</td>';
  const data = `data-scenario="${attr(cell.scenario)}" data-layers="${attr(cell.layers)}" data-measured="${attr(cell.measured)}" data-verdict="${attr(cell.verdict)}" data-expectation="${attr(cell.expectation)}"`;
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
    `<div class="cell-top"><span class="eff" title="${attr(cell.odds ? `production odds of a violation ${oddsUnitText(cell.odds)}, ${countText(cell.odds.runs)} simulated runs; ${oddsEffectivenessText(cell.odds)}` : 'no odds pass in this run')}">${text(cell.odds ? `p ${oddsText(cell.odds)}` : '—')}</span><span class="verdict">${text(verdictText(cell.verdict))}</span></div>` +
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
  const flagged = new Set(ce.violations.flatMap((v) => v.rows));
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
<span><span class="swatch exchange"></span>exchange request</span>
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
<div>${ce.finalTables && ce.finalTables.length > 0 ? finalTablesHtml(ce.finalTables) : `<h4>Final positions</h4>${finalRowsTable(ce, flagged)}`}</div>
</div>
<h4>Replay</h4>
<div class="replay"><span class="prompt">$</span><code>${text(ce.command)}</code><button type="button" class="copy" data-copy="${attr(ce.command)}" title="Copy the replay command">copy</button></div>
<details class="trace"><summary>Full trace (${plural(ce.trace.length, 'step')}, with SQL and requests)</summary>${traceTable(ce)}</details>
</section>`;
}

function finalRowsTable(ce: Counterexample, flagged: ReadonlySet<number>): string {
  if (ce.finalRows.length === 0) return '<p class="hint">The positions table is empty.</p>';
  const rows = ce.finalRows
    .map(
      (r) =>
        `<tr class="${flagged.has(r.id) ? 'flagged' : ''}"><td class="num">#${r.id}</td><td>${text(r.symbol)}</td><td>${text(r.exchange)}</td><td>${text(r.side)}</td>` +
        `<td class="num">${text(String(r.quantity))}</td><td><span class="status status-${attr(r.status)}">${text(r.status)}</span></td>` +
        `<td>${r.hasStopLoss ? 'yes' : 'no'}</td><td>${text(r.exitReason ?? '')}</td></tr>`,
    )
    .join('');
  return `<table class="data rows"><thead><tr><th>id</th><th>symbol</th><th>exchange</th><th>side</th><th>qty</th><th>status</th><th>stop-loss</th><th>exit reason</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** A generic scenario's tables after the run, one row per line. */
function finalTablesHtml(tables: NonNullable<Counterexample['finalTables']>): string {
  return tables
    .map((t) => `<h4>${text(t.name)} after the run</h4>${t.rows.length === 0 ? '<p class="hint">empty</p>' : `<ul>${t.rows.map((r) => `<li><code>${text(JSON.stringify(r))}</code></li>`).join('')}${t.truncated ? '<li>…</li>' : ''}</ul>`}`)
    .join('');
}

function traceTable(ce: Counterexample): string {
  const rows = ce.trace
    .map(
      (s) =>
        `<tr><td class="num">${s.step}</td><td class="num">${s.at}</td><td>${text(actorName(ce, s.actor))}</td><td>${text(s.kind)}</td><td>${text(s.label)}</td>` +
        `<td><code>${text(s.detail)}</code></td><td class="${isErrorResult(s.result) ? 'err' : ''}">${text(resultText(s))}${s.completedAfter === undefined ? '' : ` (completed after step ${s.completedAfter})`}</td>` +
        `<td>${text(s.waitedOn.map((a) => actorName(ce, a)).join(', '))}</td></tr>`,
    )
    .join('');
  return `<table class="data"><thead><tr><th>#</th><th>t (ms)</th><th>actor</th><th>kind</th><th>step</th><th>SQL / request</th><th>result</th><th>waited on</th></tr></thead><tbody>${rows}</tbody></table>`;
}
