// Scenarios × their variants (the bot: layer sets) × one strategy → one RunResult. Each distinct
// template (configuration schema + variant's SQL) is built once; cells run in parallel
// (--workers), each on its own clone.
import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import { HarnessDatabases, type HarnessDatabase, type SqlFile, type StartedPostgres } from '../db/index.ts';
import { HarnessError } from '../errors/index.ts';
import type { ScenarioBase, Variant } from '../scenario/index.ts';
import { runCell, type CellOptions } from './cell-runner.ts';
import { RESULT_SCHEMA_VERSION, type CellResult, type LayerInfo, type RunResult } from './result-model.ts';
import type { StrategyName, StrategyOptions } from './strategy-registry.ts';

export type ProgressEvent =
  | { readonly kind: 'cell-start'; readonly scenario: string; readonly layers: string; readonly index: number; readonly total: number }
  | { readonly kind: 'cell-progress'; readonly scenario: string; readonly layers: string; readonly runs: number; readonly violating: number }
  | { readonly kind: 'cell-done'; readonly cell: CellResult; readonly index: number; readonly total: number };

export interface MatrixOptions {
  readonly scenarios: readonly ScenarioBase[];
  /** Variant ids to run (`--layers`); undefined: each plugin's default (the bot: its default layer sets). */
  readonly layers?: readonly string[];
  /** SQL applied to every template first (the configuration's schema). */
  readonly baseSchema?: readonly SqlFile[];
  readonly strategy: StrategyName;
  readonly strategyOptions: StrategyOptions;
  readonly workers: number;
  readonly server: StartedPostgres;
  readonly hangTimeoutMs?: number;
  /** Run only cells whose index ≡ k−1 (mod n), for `--shard k/n`. */
  readonly shard?: { readonly k: number; readonly n: number };
  readonly onProgress?: (e: ProgressEvent) => void;
  readonly replayCommand?: (replay: string) => string;
}

/** Every cell of the matrix, in order: each scenario under each of its variants. */
export function matrixTasks(scenarios: readonly ScenarioBase[], layers: readonly string[] | undefined): { scenario: ScenarioBase; variant: Variant }[] {
  return scenarios.flatMap((scenario) => scenario.plugin.variants(scenario, layers).map((variant) => ({ scenario, variant })));
}

export async function runMatrix(o: MatrixOptions): Promise<RunResult> {
  const startedAt = new Date();
  const all = matrixTasks(o.scenarios, o.layers);
  const tasks = o.shard ? all.filter((_, i) => i % (o.shard as { n: number }).n === (o.shard as { k: number }).k - 1) : all;
  const dbs = await HarnessDatabases.open(o.server);
  try {
    const templates = new Map<string, HarnessDatabase | HarnessError>();
    for (const t of tasks) {
      const files = [...(o.baseSchema ?? []), ...t.variant.sqlFiles];
      const key = templateKey(files);
      if (templates.has(key)) continue;
      try {
        templates.set(key, await dbs.createTemplate(t.variant.id, files));
      } catch (e) {
        if (!(e instanceof HarnessError) || e.code !== 'E_MIGRATION') throw e;
        // A user's schema that fails is bad input; a layer's migration that fails is a finding.
        if (!t.variant.failedSqlIsResult) throw new HarnessError('E_BAD_SCENARIO', `scenario '${t.scenario.name}': schema ${e.message}`, { cause: e });
        templates.set(key, e);
      }
    }
    const limit = pLimit(Math.max(1, o.workers));
    let done = 0;
    const cells = await Promise.all(
      tasks.map((t, index) =>
        limit(async () => {
          o.onProgress?.({ kind: 'cell-start', scenario: t.scenario.name, layers: t.variant.id, index, total: tasks.length });
          const template = templates.get(templateKey([...(o.baseSchema ?? []), ...t.variant.sqlFiles]));
          if (!template || template instanceof HarnessError) throw template ?? new Error('no template');
          const cellOptions: CellOptions = {
            strategy: o.strategy,
            strategyOptions: o.strategyOptions,
            ...(o.hangTimeoutMs ? { hangTimeoutMs: o.hangTimeoutMs } : {}),
            ...(o.replayCommand ? { replayCommand: o.replayCommand } : {}),
            onRun: (runs, violating) => o.onProgress?.({ kind: 'cell-progress', scenario: t.scenario.name, layers: t.variant.id, runs, violating }),
          };
          const cell = await runCell(dbs, { ...t, template }, cellOptions);
          o.onProgress?.({ kind: 'cell-done', cell, index: done++, total: tasks.length });
          return cell;
        }),
      ),
    );
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
      },
      scenarios: o.scenarios.map((s) => ({ name: s.name, title: s.title, plan: s.plan ?? '' })),
      layerSets: layerInfos(all.map((t) => t.variant)),
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

/** The variants of a run, each once, in order of first appearance. */
function layerInfos(variants: readonly Variant[]): LayerInfo[] {
  const seen = new Map<string, LayerInfo>();
  for (const v of variants) if (!seen.has(v.id)) seen.set(v.id, { id: v.id, seedOption: v.seedOption, title: v.title, claimedEffectiveness: v.claimedEffectiveness });
  return [...seen.values()];
}

/** Same SQL, same template. */
function templateKey(files: readonly SqlFile[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(f.name).update('\0').update(f.sql).update('\0');
  return h.digest('hex');
}
