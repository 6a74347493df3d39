// Scenarios × layer sets × one strategy → one RunResult. Each layer set gets a template
// database once; cells run in parallel (--workers), each on its own clone.
import pLimit from 'p-limit';
import { HarnessDatabases, type HarnessDatabase, type StartedPostgres } from '../db/index.ts';
import { HarnessError } from '../errors/index.ts';
import type { LayerSet } from '../fixes/index.ts';
import type { Scenario } from '../../scenarios/index.ts';
import { runCell, type CellOptions } from './cell-runner.ts';
import { withOddsAgainstBaseline, type OddsOptions } from './odds.ts';
import { RESULT_SCHEMA_VERSION, type CellResult, type RunResult } from './result-model.ts';
import type { StrategyName, StrategyOptions } from './strategy-registry.ts';

export type ProgressEvent =
  | { readonly kind: 'cell-start'; readonly scenario: string; readonly layers: string; readonly index: number; readonly total: number }
  | { readonly kind: 'cell-progress'; readonly scenario: string; readonly layers: string; readonly runs: number; readonly violating: number }
  | { readonly kind: 'cell-done'; readonly cell: CellResult; readonly index: number; readonly total: number };

export interface MatrixOptions {
  readonly scenarios: readonly Scenario[];
  readonly layerSets: readonly LayerSet[];
  readonly strategy: StrategyName;
  readonly strategyOptions: StrategyOptions;
  readonly workers: number;
  readonly server: StartedPostgres;
  readonly hangTimeoutMs?: number;
  /** Run only cells whose index ≡ k−1 (mod n), for `--shard k/n`. */
  readonly shard?: { readonly k: number; readonly n: number };
  readonly onProgress?: (e: ProgressEvent) => void;
  /** Estimate each cell's production odds after its runs (simulate strategy). */
  readonly odds?: OddsOptions;
}

export async function runMatrix(o: MatrixOptions): Promise<RunResult> {
  const startedAt = new Date();
  const dbs = await HarnessDatabases.open(o.server);
  try {
    const templates = new Map<string, HarnessDatabase | HarnessError>();
    for (const set of o.layerSets) {
      try {
        templates.set(set.id, await dbs.createTemplate(set.id, set.sqlFiles));
      } catch (e) {
        if (!(e instanceof HarnessError) || e.code !== 'E_MIGRATION') throw e;
        templates.set(set.id, e);
      }
    }
    const all = o.scenarios.flatMap((scenario) => o.layerSets.map((layerSet) => ({ scenario, layerSet })));
    const tasks = o.shard ? all.filter((_, i) => i % (o.shard as { n: number }).n === (o.shard as { k: number }).k - 1) : all;
    const limit = pLimit(Math.max(1, o.workers));
    let done = 0;
    const measured = await Promise.all(
      tasks.map((t, index) =>
        limit(async () => {
          o.onProgress?.({ kind: 'cell-start', scenario: t.scenario.name, layers: t.layerSet.id, index, total: tasks.length });
          const template = templates.get(t.layerSet.id);
          if (!template || template instanceof HarnessError) throw template ?? new Error('no template');
          const cellOptions: CellOptions = {
            strategy: o.strategy,
            strategyOptions: o.strategyOptions,
            ...(o.hangTimeoutMs ? { hangTimeoutMs: o.hangTimeoutMs } : {}),
            ...(o.odds ? { odds: o.odds } : {}),
            onRun: (runs, violating) => o.onProgress?.({ kind: 'cell-progress', scenario: t.scenario.name, layers: t.layerSet.id, runs, violating }),
          };
          const cell = await runCell(dbs, { ...t, template }, cellOptions);
          o.onProgress?.({ kind: 'cell-done', cell, index: done++, total: tasks.length });
          return cell;
        }),
      ),
    );
    const cells = withOddsAgainstBaseline(measured);
    const finishedAt = new Date();
    return {
      schemaVersion: RESULT_SCHEMA_VERSION,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      options: {
        strategy: o.strategy,
        budget: o.strategyOptions.budget,
        seed: o.strategyOptions.seed,
        workers: o.workers,
        database: o.server.kind,
        ...(o.shard ? { shard: `${o.shard.k}/${o.shard.n}` } : {}),
        ...(o.odds ? { timing: o.odds.timing, oddsRuns: o.odds.runs } : o.strategy === 'simulate' && o.strategyOptions.timing ? { timing: o.strategyOptions.timing } : {}),
      },
      scenarios: o.scenarios.map((s) => ({ name: s.name, title: s.title, plan: s.plan })),
      layerSets: o.layerSets.map((l) => ({
        id: l.id,
        seedOption: l.layers.map((x) => x.seedOption).join(' + ') || '—',
        title: l.layers.map((x) => x.title).join('; '),
        claimedEffectiveness: l.claimedEffectiveness,
      })),
      cells,
      totals: {
        cells: cells.length,
        schedules: cells.reduce((n, c) => n + c.schedules, 0),
        disagreements: cells.filter((c) => !c.agrees).length,
        elapsedMs: finishedAt.getTime() - startedAt.getTime(),
      },
    };
  } finally {
    await dbs.close();
  }
}
