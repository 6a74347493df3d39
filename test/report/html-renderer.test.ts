// The HTML report as text: self-contained (nothing fetched), the matrix with its figures, and one
// swimlane timeline per counterexample with a lane per actor and a box per trace step.
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../harness/report/index.ts';
import type { CellResult } from '../../harness/run/index.ts';
import { SAMPLE_COUNTEREXAMPLE, errorCell, sampleAblation, sampleResult, withCell } from './sample-result.ts';

const html = renderHtml(sampleResult);

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** The markup of the matrix cell of one scenario × layer set. */
function matrixCell(page: string, scenario: string, variant: string): string {
  const start = page.indexOf(`data-scenario="${scenario}" data-variant="${variant}"`);
  expect(start).toBeGreaterThan(0);
  return page.slice(page.lastIndexOf('<td', start), page.indexOf('</td>', start));
}

/** A second counterexample, on close-reopen @ single-transaction, with three actors. */
const secondCounterexample: CellResult = {
  ...sampleResult.cells[3]!,
  measured: 'violates',
  agrees: false,
  violating: 4,
  violationsByInvariant: { 'no-duplicate-open': 4 },
  cleanShare: 99.2,
  counterexample: {
    ...SAMPLE_COUNTEREXAMPLE,
    replay: 'close-reopen@single-transaction:0-1-2',
    command: "npm run scenarios -- --replay 'close-reopen@single-transaction:0-1-2'",
    actors: [...SAMPLE_COUNTEREXAMPLE.actors, { name: '<script>alert(1)</script>', outcome: { status: 'unfinished', state: 'blocked' } }],
    trace: SAMPLE_COUNTEREXAMPLE.trace.slice(0, 6).map((s, i) => (i === 5 ? { ...s, actor: 2, waitedOn: [0, 1] } : s)),
  },
};

describe('renderHtml', () => {
  it('is one self-contained page: no network, no external stylesheet or script', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\s(src|href)\s*=\s*["']?\s*\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).not.toMatch(/@import/i);
    // url() only for in-page fragments (the SVG arrow markers).
    expect(html).not.toMatch(/url\(\s*['"]?(?!#)/i);
    expect(count(html, '<style>')).toBe(1);
    expect(count(html, '<script>')).toBe(1);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`);
  });

  it('shows totals and options in the header', () => {
    const header = html.slice(html.indexOf('<header'), html.indexOf('</header>'));
    expect(header).toContain('<span class="num">6,016</span><span class="lbl">schedules run</span>');
    expect(header).toContain('<div class="stat bad"><span class="num">1</span><span class="lbl">disagreement with expectations</span></div>');
    expect(header).toContain('<dt>strategy</dt><dd>exhaustive</dd>');
    expect(header).toContain('<dt>seed</dt><dd>42</dd>');
  });

  it('has the effectiveness matrix: layer sets as rows with the plan claim, scenarios as columns', () => {
    expect(count(html, 'id="matrix"')).toBe(1);
    const table = html.slice(html.indexOf('<table id="matrix">'), html.indexOf('</table>', html.indexOf('<table id="matrix">')));
    expect(count(table, '<th scope="col">')).toBe(2);
    expect(count(table, '<th scope="row">')).toBe(2);
    expect(count(table, '<td class="cell ')).toBe(4);
    expect(table).toContain('<div class="ls-id">single-transaction</div>');
    expect(table).toContain('<span class="seed">Option 5</span><span class="claim">plan: 100 %</span>');
    expect(table).toContain('<span class="claim">plan: no figure</span>');
  });

  it('fills each cell with the production odds, violating/schedules, coverage and the expectation', () => {
    const baseline = matrixCell(html, 'plan-test-2', 'baseline');
    expect(baseline).toContain('class="cell violates violated"');
    expect(baseline).toMatch(/<span class="eff" title="production odds of a violation per Signal, 200 simulated runs; 94 % effective \(95 % CI 89\.8–96\.5 %\)">p 6 % \[3\.5–10\.2 %\]<\/span>/);
    expect(baseline).toContain('3,211 / 3,876 violating · clean interleavings 17.2 %');
    expect(matrixCell(html, 'close-reopen', 'baseline')).toContain('<span class="eff" title="no odds pass in this run">—</span>');
    expect(baseline).toContain('all 3,876 interleavings searched');
    expect(baseline).not.toContain('proven');
    expect(baseline).toContain('href="#ce-plan-test-2--baseline"');

    const disagreeing = matrixCell(html, 'plan-test-2', 'single-transaction');
    expect(disagreeing).toContain('class="cell holds proven disagree"');
    expect(disagreeing).toContain('⚠ expected violates');

    const sampled = matrixCell(html, 'close-reopen', 'baseline');
    expect(sampled).toContain('class="cell holds inconclusive"');
    expect(sampled).toContain('inconclusive: sampled: 500 pct runs');
    expect(sampled).toContain('PCT bound p ≥ 0.021 per run');
    expect(sampled).not.toContain('proven');
  });

  it('opens with a verdict overview: one glyph per cell, proposed first when it ran', () => {
    const overview = html.slice(html.indexOf('id="overview"'), html.indexOf('id="matrix-section"'));
    expect(html.indexOf('id="overview"')).toBeLessThan(html.indexOf('id="matrix"'));
    expect(count(overview, '<td class="g ')).toBe(4);
    expect(overview).toMatch(/<td class="g violates" title="plan-test-2 @ baseline: violated: 3211\/3876; odds 6 % \[3\.5–10\.2 %\] per Signal">✘<\/td>/);
    expect(overview).toMatch(/<td class="g holds disagree" title="plan-test-2 @ single-transaction: proven: [^"]*; expected violates">✔<\/td>/);
    expect(overview).toMatch(/<td class="g holds-open" title="close-reopen @ baseline: inconclusive: [^"]*">○<\/td>/);
    const proposedFirst = renderHtml({ ...sampleResult, variants: [...sampleResult.variants, { id: 'proposed', plugin: 'bot', origin: 'beyond the plan', title: 'the set to ship', claimed: null }] });
    const rows = [...proposedFirst.slice(proposedFirst.indexOf('id="overview-table"')).matchAll(/<tr><th scope="row" title="[^"]*">([^<]+)<\/th>/g)].map((m) => m[1]);
    expect(rows).toEqual(['proposed', 'baseline', 'single-transaction']);
  });

  it('shows an ablation as its own table when the run has one', () => {
    expect(html).not.toContain('id="ablation"');
    const page = renderHtml({ ...sampleResult, ablation: sampleAblation });
    const section = page.slice(page.indexOf('id="ablation"'), page.indexOf('id="matrix-section"'));
    expect(section).toContain('<h2>Ablation of <code>proposed</code></h2>');
    expect(section).toContain('<tr><th scope="row"><code>check-open-statuses</code></th><td><code>single-transaction</code></td><td class="nec">necessary</td><td><code>plan-test-2</code> 3,211/3,876</td>');
    expect(section).toContain('<td class="unnec">NOT needed</td>');
  });

  it('shows a cell that could not run', () => {
    const cell = matrixCell(renderHtml(withCell(sampleResult, errorCell)), 'close-reopen', 'single-transaction');
    expect(cell).toContain('class="cell error disagree"');
    expect(cell).toContain('could not run: migration 008_fix_unique_index.up.sql failed: could not create unique index "idx_unique_open_position" &lt;duplicate rows&gt; &amp; more');
  });

  it('draws one timeline per counterexample, one lane per actor, one step box per trace step', () => {
    expect(count(html, '<svg class="timeline"')).toBe(1);
    expect(count(html, '<g class="lane"')).toBe(2);
    expect(count(html, '<g class="step ')).toBe(20);
    expect(count(html, '<g class="wait"')).toBe(1);
    expect(html).toContain('<g class="step kind-sql waited" data-step="4" data-actor="1"');
    expect(html).toContain('<g class="step kind-sql err" data-step="16" data-actor="0"');
    expect(html).toMatch(/<text class="step-result err"[^>]*>ERR 23505<\/text>/);
    expect(html).toContain('<text class="axis-time" x="');
    expect(html).toContain('>t=0ms</text>');
    expect(html).toContain('>t=3000ms</text>');
    expect(count(html, 'class="time-tick"')).toBe(2);
    expect(html).toContain('<title>#16 signal · updatePosition(active)\nt=3000ms · sql\nUPDATE monitoring.positions SET status = $2');
    expect(html).toContain('<title>#1 signal · createPosition:lock\nt=0ms · sql\nSELECT pg_advisory_xact_lock($1)\n$1 = 42\n→ rows=1</title>');
    expect(html).toContain('<td><code>SELECT pg_advisory_xact_lock($1)</code><div class="params">$1 = 42</div></td>');
  });

  it('lists the tables after the run (rows a violation names flagged), the violations and the replay command with a copy button', () => {
    const section = html.slice(html.indexOf('id="ce-plan-test-2--baseline"'));
    expect(section).toContain('<h4>monitoring.positions after the run</h4><table class="data rows"><thead><tr><th>id</th><th>symbol</th>');
    expect(count(section, '<tr class="flagged">')).toBe(2);
    expect(section).toContain('<td>rolled_back</td>');
    expect(count(section, '<li><span class="inv">')).toBe(3);
    expect(section).toContain(`<code>npm run scenarios -- --replay 'plan-test-2@baseline:0x3-1x2-0x2-1x3-0x10'</code>`);
    expect(section).toContain(`<button type="button" class="copy" data-copy="npm run scenarios -- --replay &#39;plan-test-2@baseline:0x3-1x2-0x2-1x3-0x10&#39;"`);
  });

  it('keeps ids unique and escapes actor names with several counterexamples', () => {
    const page = renderHtml(withCell(sampleResult, secondCounterexample));
    expect(count(page, '<svg class="timeline"')).toBe(2);
    expect(count(page, '<g class="lane"')).toBe(2 + 3);
    expect(count(page, '<g class="step ')).toBe(20 + 6);
    expect(count(page, '<g class="wait"')).toBe(1 + 1 + 2);
    expect(count(page, 'id="wait-arrow-0"')).toBe(1);
    expect(count(page, 'id="wait-arrow-1"')).toBe(1);
    expect(count(page, 'id="ce-close-reopen--single-transaction"')).toBe(1);
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
