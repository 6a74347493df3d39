// Every renderer speaks the words the result model carries: a user project's run of generic
// scenarios in the defaults, titled after the project; a plugin's run in its own words (here words
// like the bot plugin's); a run that mixes plugins in the defaults.
import { describe, expect, it } from 'vitest';
import { renderMatrixTable } from '../../harness/cli/matrix-table.ts';
import { renderHtml, renderJson, renderJunit, renderMarkdown, renderTraceText } from '../../harness/report/index.ts';
import type { RunResult } from '../../harness/run/index.ts';
import { DEFAULT_REPORT_WORDS } from '../../harness/scenario/index.ts';
import { BOT_WORDS_PATTERN } from './bot-words.ts';
import { sampleResult, userResult } from './sample-result.ts';


const RENDERERS = { json: renderJson, md: renderMarkdown, junit: renderJunit, html: renderHtml, terminal: renderMatrixTable } as const;

describe('a user project’s reports', () => {
  it.each(Object.entries(RENDERERS))('%s holds none of the bot’s words', (_format, render) => {
    const text = render(userResult);
    expect(text.match(BOT_WORDS_PATTERN)?.[0]).toBeUndefined();
  });

  it('are titled after the project and speak of variants, with no claimed-figure column', () => {
    const html = renderHtml(userResult);
    expect(html).toContain('<title>shop race report — 2025-06-02T10:00:00.000Z</title>');
    expect(html).toContain('<div class="brand">Race report</div>\n<h1>shop</h1>');
    expect(html).toContain('<h2>Matrix</h2>');
    expect(html).toContain('<span class="lbl">cells (scenario × variant)</span>');
    expect(html).not.toContain('class="claim"');
    const md = renderMarkdown(userResult);
    expect(md.startsWith('# Race report: shop\n')).toBe(true);
    expect(md).toContain('| variant | `wallet-buggy` | `wallet-locked` |');
    expect(md).toContain('| variant | `wallet-buggy` | `wallet-locked` |\n| --- | --- | --- |\n| `default` | ');
    const junit = renderJunit(userResult);
    expect(junit).toContain('<testsuites name="shop"');
    expect(junit).toContain('production odds: 12 % [7–20 %] per run of 2 actors; 88 % clean (95 % CI 80–93 %)\n');
    expect(junit).not.toContain('no figure');
    expect(renderMatrixTable(userResult)).toMatch(/^variant {2,}S1 {2,}S2$/m);
  });

  it('show a SQL step with its bound values, and the tables after the run', () => {
    const md = renderMarkdown(userResult);
    expect(md).toContain('| SELECT balance FROM account WHERE id = 1 | rows=1 |');
    expect(md).toContain('| pay | rows=1 |  | UPDATE account SET balance = 30 WHERE id = 1 |');
    expect(md).toContain('**public.account after the run**\n\n| id | balance |\n| --- | --- |\n| 1 | 0 |');
    const html = renderHtml(userResult);
    expect(html).toContain('<td><code>UPDATE account SET balance = $2 WHERE id = $1</code><div class="params">$1 = 1, $2 = 30</div></td>');
    const cx = userResult.cells[0]?.counterexample;
    if (!cx) throw new Error('no counterexample');
    const text = renderTraceText(cx);
    expect(text).toMatch(/alice\s+SELECT balance FROM account WHERE id = 1\s+rows=1\n/);
    expect(text).toMatch(/alice\s+pay\s+rows=1 {2}with \$1 = 1, \$2 = 30\n/);
    expect(text).toContain('public.account after the run:\n  {"id":1,"balance":0}');
  });

  it('state the timing model only where odds were computed', () => {
    const noOdds: RunResult = { ...userResult, cells: userResult.cells.map(({ odds: _odds, ...c }) => c) };
    for (const render of [renderHtml, renderMarkdown]) {
      expect(render(userResult)).toContain('periodic actors every 60 s');
      expect(render(noOdds)).not.toContain('periodic actors');
      expect(render(noOdds)).not.toContain('production odds of a violation (');
    }
  });
});

describe('a plugin’s reports', () => {
  it('keep the plugin’s heading, matrix, claimed figure and counted actors', () => {
    const html = renderHtml(sampleResult);
    expect(html).toContain('<div class="brand">position-race-harness</div>\n<h1>Which fix layers stop the duplicate-position race?</h1>');
    expect(html).toContain('<h2>Effectiveness matrix</h2>');
    expect(html).toContain('Rows: layer sets, with the plan option they come from and the effectiveness the plan claims.');
    expect(html).toContain('1 − odds is the counterpart of the effectiveness the plan claims');
    expect(html).toContain('Timing model of the odds: Sync every 60 s, other flows within 10 s, exchange 60 ms and SQL 1 ms median (log-normal σ 0.5), settlement 3,000 ms; 200 runs a cell, seed 42.');
    const md = renderMarkdown(sampleResult);
    expect(md).toContain('**Which fix layers stop the duplicate-position race?**');
    expect(md).toContain('| layer set | plan | `plan-test-2` | `close-reopen` |');
    const junit = renderJunit(sampleResult);
    expect(junit).toContain('per Signal; 94 % effective (95 % CI 89.8–96.5 %) (plan: no figure)');
    expect(junit).toContain('clean interleavings (share of explored schedules without a violation, not a probability): 100 % (plan: 100 %)');
  });

  it('fall back to the defaults when one run mixes plugins', () => {
    const mixed: RunResult = {
      ...sampleResult,
      words: { ...sampleResult.words, sql: DEFAULT_REPORT_WORDS },
      scenarios: [...sampleResult.scenarios, { name: 'wallet-buggy', title: 'Two payments', description: '', plugin: 'sql' }],
    };
    const html = renderHtml(mixed);
    expect(html).toContain('<h1>position-race-harness</h1>');
    expect(html).toContain('<h2>Matrix</h2>');
    // A variant still carries its own plugin's claim.
    expect(html).toContain('<span class="claim">plan: 100 %</span>');
  });
});
