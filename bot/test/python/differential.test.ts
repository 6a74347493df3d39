// The differential check of the two ports: the plan's five scenarios under the baseline, Options
// 2 to 5 and `proposed`, searched on the TypeScript bot (bot/flow, in-process) and on the Python
// bot (bot/python, process actors through the wire gate), judged by the same plugin. Every
// distinct outcome the Python bot reaches (final rows, exchange state, actor endings, violated
// invariants) must be one the TypeScript bot reaches; where both searches finished, the two sets
// must be equal. PYBOT_DIFF_BUDGET sets the Python runs per cell (default 200: every cell's
// whole search ends within it but activation-race's at the baseline and under safe-activation,
// 297 and 496; a Python run takes ~0.1 s). signal-signal's cells that may violate are searched
// with its preemption bound, with the reduction off, so they never end as whole searches: they
// get PYBOT_DIFF_BOUNDED_BUDGET runs (default 12) and are checked one way only.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../../harness/db/index.ts';
import { runMatrix, type CellResult } from '../../../harness/run/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { PYTHON_LAYER_SETS, PYTHON_SCENARIOS, closePythonRunners } from '../../python/scenarios/index.ts';
import { pythonUnavailable } from './python-actors.ts';

const missing = pythonUnavailable();
const BUDGET = Number(process.env['PYBOT_DIFF_BUDGET'] ?? 200);
const BOUNDED_BUDGET = Number(process.env['PYBOT_DIFF_BOUNDED_BUDGET'] ?? 12);
/** Cells compared both ways (both searches whole): fewer means a search stopped growing smaller. */
const LEAST_COMPARED_WHOLE = 20;
let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});
afterAll(() => closePythonRunners());

/** What tells two outcomes apart: endings, rows and exchange, violated invariants. */
function outcomes(cell: CellResult | undefined): string[] {
  return (cell?.distinctOutcomes ?? []).map((o) => `${o.actors} | ${o.state} | violated: ${[...o.violated].sort().join(', ') || 'none'}`).sort();
}

const complete = (cell: CellResult | undefined) => cell?.coverage.kind === 'exhaustive' && cell.coverage.complete && cell.coverage.preemptionBound === undefined;

describe.skipIf(missing)(`the Python bot against the TypeScript bot${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 1_800_000 }, () => {
  it(`reach the same outcomes: ${Object.keys(PYTHON_SCENARIOS).join(', ')} × ${PYTHON_LAYER_SETS.join(', ')}`, async () => {
    const names = Object.keys(PYTHON_SCENARIOS);
    const common = { layers: [...PYTHON_LAYER_SETS], server, strategy: 'exhaustive' as const, workers: 1, hangTimeoutMs: 15_000 };
    const ts = await runMatrix({ ...common, scenarios: names.map((n) => SCENARIOS[n]!), strategyOptions: { budget: 5000, seed: 1, depth: 2, reduce: true } });
    const bounded = names.filter((n) => PYTHON_SCENARIOS[n]?.preemptionBound !== undefined);
    const whole = names.filter((n) => !bounded.includes(n));
    // Two cells at a time: a Python cell's runs wait on the interpreter as much as on the harness.
    const py = [
      ...(await runMatrix({ ...common, workers: 2, scenarios: whole.map((n) => PYTHON_SCENARIOS[n]!), strategyOptions: { budget: BUDGET, seed: 1, depth: 2, reduce: true } })).cells,
      ...(await runMatrix({ ...common, workers: 2, scenarios: bounded.map((n) => PYTHON_SCENARIOS[n]!), strategyOptions: { budget: BOUNDED_BUDGET, seed: 1, depth: 2, reduce: true } })).cells,
    ];
    const problems: string[] = [];
    let comparedWhole = 0;
    for (const p of py) {
      const t = ts.cells.find((c) => c.scenario === p.scenario && c.variant === p.variant);
      const cell = `${p.scenario} @ ${p.variant}`;
      if (!t) {
        problems.push(`${cell}: no TypeScript cell`);
        continue;
      }
      if ((p.distinctOutcomes ?? []).length === 0) problems.push(`${cell}: the Python search did not run: ${p.verdictReason}`);
      const tsSet = new Set(outcomes(t));
      for (const o of outcomes(p)) if (!tsSet.has(o)) problems.push(`${cell}: only the Python bot reaches ${o}\n    the TypeScript bot reaches:\n      ${[...tsSet].join('\n      ')}`);
      if (complete(p) && complete(t)) comparedWhole++;
      if (complete(p) && complete(t) && JSON.stringify(outcomes(p)) !== JSON.stringify(outcomes(t))) {
        problems.push(`${cell}: both searches finished with different outcomes:\n    Python ${JSON.stringify(outcomes(p))}\n    TypeScript ${JSON.stringify(outcomes(t))}`);
      }
      if (p.verdict === 'violated' && t.verdict !== 'violated') problems.push(`${cell}: the Python bot violates (${p.verdictReason}), the TypeScript bot ${t.verdict}`);
    }
    expect(problems).toEqual([]);
    if (BUDGET >= 200) expect(comparedWhole).toBeGreaterThanOrEqual(LEAST_COMPARED_WHOLE);
  });
});
