// The Markdown summary: the matrix with verdicts and coverage, the disagreements, and one
// section per counterexample with its replay command.
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../harness/report/index.ts';
import { SAMPLE_COUNTEREXAMPLE, sampleAblation, sampleResult, violatingDisagreement, withCell } from './sample-result.ts';

const md = renderMarkdown(sampleResult);
const lines = md.split('\n');

describe('renderMarkdown', () => {
  it('has the matrix: one row per layer set, one column per scenario', () => {
    const header = lines.findIndex((l, i) => i > lines.indexOf('## Matrix') && l.startsWith('| layer set |'));
    expect(header).toBeGreaterThan(0);
    expect(lines[header]).toBe('| layer set | plan | `plan-test-2` | `close-reopen` |');
    const rows = lines.slice(header + 2, header + 4);
    expect(rows[0]).toMatch(/^\| `baseline` \| — \| \*\*VIOLATED\*\* \(no-duplicate-open, no-unhandled-db-error, scenario:plan-test-2\) · 3,211\/3,876 violating/);
    expect(rows[0]).toContain('all 3,876 interleavings');
    expect(rows[0]).toContain('3,211/3,876 violating · odds 6 % [3.5–10.2 %] · all 3,876 interleavings · clean interleavings 17.2 % |');
    expect(rows[0]).toContain('| **inconclusive** (sampled: 500 pct runs, each finding a depth-2 bug with p ≥ 0.021) · 0/500 violating · 500 sampled (pct bound p ≥ 0.021) · clean interleavings 100 % |');
    expect(rows[1]).toMatch(/^\| `single-transaction` \(Option 5\) \| 100 % \| proven · 0\/1,140 violating .* all 1,140 interleavings · clean interleavings 100 % · ⚠ expected violates \|/);
    expect(lines[header + 4]).toBe('');
  });

  it('has a production-odds table next to the plan’s claims, with the timing model it used', () => {
    const section = md.slice(md.indexOf('## Production odds'), md.indexOf('## Matrix'));
    expect(section).toContain('Timing model: Sync every 60 s, other flows within 10 s, exchange 60 ms and SQL 1 ms median (log-normal σ 0.5), settlement 3,000 ms, 200 runs per cell.');
    expect(section).toContain('with one Signal in the scenario, that is per Signal');
    expect(section).toContain('| layer set | plan | `plan-test-2` | `close-reopen` |');
    expect(section).toContain('| `baseline` | — | 6 % [3.5–10.2 %] | — |');
    expect(section).toContain('| `single-transaction` | 100 % | — | — |');
    const compared = renderMarkdown(withCell(sampleResult, { ...sampleResult.cells[1]!, odds: { runs: 200, violating: 3, counted: 1, p: 0.015, low: 0.005, high: 0.043, seed: 42, vsBaseline: 0.75 } }));
    expect(compared).toContain('| `single-transaction` | 100 % | 1.5 % [0.5–4.3 %]; 75 % fewer violations than the baseline | — |');
  });

  it('renders an ablation as its own table: each layer left out, whether it is needed, the counterexample', () => {
    const out = renderMarkdown({ ...sampleResult, ablation: sampleAblation });
    const section = out.slice(out.indexOf('## Ablation of `proposed`'), out.indexOf('## Production odds'));
    expect(section).toContain('holds on 2 of 2 scenarios');
    expect(section).toContain('| layer left out | set that ran | necessary | violates without it | counterexample |');
    expect(section).toContain(`| \`check-open-statuses\` | \`single-transaction\` | yes | \`plan-test-2\` 3,211/3,876 | \`--replay '${SAMPLE_COUNTEREXAMPLE.replay}'\` |`);
    expect(section).toContain('| `single-transaction` | `check-open-statuses` | **no** | — | — |');
    expect(md).not.toContain('## Ablation');
  });

  it('lists the cells whose measurement disagrees with the expectation', () => {
    const section = md.slice(md.indexOf('## Disagreements'), md.indexOf('## Counterexample'));
    expect(section).toContain('`plan-test-2 @ single-transaction`: expected **violates**, verdict **proven**: no violation in all 1,140 interleavings.');
    expect(section).not.toContain('baseline');
  });

  it('says so when there is no disagreement', () => {
    const agreeing = withCell(sampleResult, { ...sampleResult.cells[1]!, expectation: 'holds', agrees: true });
    expect(renderMarkdown(agreeing)).toContain('None: every measured outcome matches');
  });

  it('gives each counterexample its violations, replay command in a code block and a trace table', () => {
    expect(md).toContain('## Counterexample: plan-test-2 @ baseline');
    expect(md).toContain(['```sh', SAMPLE_COUNTEREXAMPLE.command, '```'].join('\n'));
    expect(md).toContain('- `no-duplicate-open`: 2 rows open at once for RACEUSDT@binance: #1, #2 (rows #1, #2)');
    const traceRows = lines.filter((l) => /^\| \d+ \| \d+ \| (signal|sync) \|/.test(l));
    expect(traceRows).toHaveLength(SAMPLE_COUNTEREXAMPLE.trace.length);
    expect(traceRows[4]).toContain('| createPosition:lock | rows=1 | signal |');
    expect(traceRows[16]).toContain('| **ERR 23505** |');
    expect(md).toContain('**monitoring.positions after the run**');
    expect(md).toContain('| id | symbol | exchange | side | quantity | status | has_stop_loss | exit_reason |');
    // The rows a violation names are in bold.
    expect(md).toContain('| **2** | **RACEUSDT** | **binance** | **long** | **5** | **active** | **false** |  |');
  });

  it('shows a SQL step with its bound values inlined', () => {
    const traceRows = lines.filter((l) => /^\| \d+ \| \d+ \| (signal|sync) \|/.test(l));
    expect(traceRows[1]).toContain('| SELECT pg_advisory_xact_lock(42) |');
    expect(traceRows[4]).toContain('| SELECT pg_advisory_xact_lock($1) |');
  });

  it('names the broken invariants of a violating cell that disagrees', () => {
    const out = renderMarkdown(withCell(sampleResult, violatingDisagreement));
    expect(out).toContain('`plan-test-2 @ baseline`: expected **holds**, verdict **VIOLATED**: 3,211 of 3,876 schedules violate `no-duplicate-open`');
  });

  it('keeps tables intact when messages carry pipes, backticks or line breaks', () => {
    const hostile = {
      ...SAMPLE_COUNTEREXAMPLE,
      trace: SAMPLE_COUNTEREXAMPLE.trace.map((s, i) => (i === 0 ? { ...s, detail: "SELECT 'a|b'\n  FROM `x`" } : s)),
    };
    const out = renderMarkdown(withCell(sampleResult, { ...sampleResult.cells[0]!, counterexample: hostile }));
    const row = out.split('\n').find((l) => l.startsWith('| 0 | 0 | signal |')) ?? '';
    expect(row).toContain("SELECT 'a\\|b' FROM \\`x\\`");
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(7);
  });
});
