// `--replay <scenario>@<variant>:<schedule>`: one run on exactly that schedule, with its trace.
import type { Violation } from '../check/index.ts';
import { HarnessDatabases, type SqlFile, type StartedPostgres } from '../db/index.ts';
import { HarnessError, unknownName } from '../errors/index.ts';
import { ReplayStrategy, type ActorSpec, type Schedule, type ScheduleRun } from '../sched/index.ts';
import type { FinalTable, ScenarioBase, SqlFn } from '../scenario/index.ts';
import { CellHarness } from './cell-harness.ts';

export interface ReplayResult {
  readonly run: ScheduleRun;
  readonly actorNames: readonly string[];
  readonly violations: readonly Violation[];
  readonly finalTables: readonly FinalTable[];
}

export interface ReplayOptions {
  /** May wrap the scenario's actors (e.g. to record their SQL); the schedule is the same. */
  readonly instrument?: (actors: readonly ActorSpec[]) => readonly ActorSpec[];
  /** Each plugin's options by plugin name (see CellOptions.pluginOptions). */
  readonly pluginOptions?: Readonly<Record<string, unknown>>;
  /** The configuration's schema, applied to the template first. */
  readonly baseSchema?: readonly SqlFile[];
  /** May wrap the SQL the scenario's setup runs (e.g. to record it). */
  readonly instrumentSetup?: (sql: SqlFn) => SqlFn;
}

export async function runReplay(server: StartedPostgres, scenario: ScenarioBase, variantId: string, schedule: Schedule, options: ReplayOptions = {}): Promise<ReplayResult> {
  const variant = scenario.plugin.variants(scenario, [variantId]).find((v) => v.id === variantId);
  if (!variant) {
    const valid = scenario.plugin.variants(scenario, undefined).map((v) => v.id);
    throw unknownName('E_UNKNOWN_LAYER', `variant of scenario '${scenario.name}'`, variantId, valid);
  }
  const dbs = await HarnessDatabases.open(server);
  try {
    let template;
    try {
      template = await dbs.createTemplate(variant.id, [...(options.baseSchema ?? []), ...variant.sqlFiles]);
    } catch (e) {
      if (e instanceof HarnessError && e.code === 'E_MIGRATION' && !variant.failedSqlIsResult) throw new HarnessError('E_BAD_SCENARIO', `scenario '${scenario.name}': schema ${e.message}`, { cause: e });
      throw e;
    }
    // One run: on the template itself, as a copy of it would be.
    const harness = await CellHarness.open(dbs, template, (clock) => scenario.plugin.openCell(variant, { clock, realtime: false, options: options.pluginOptions?.[scenario.plugin.name] }), { onTemplate: true });
    try {
      const actors = (options.instrument ?? ((a) => a))(harness.actors(scenario));
      await harness.prepare(scenario, options.instrumentSetup);
      const strategy = new ReplayStrategy(schedule);
      strategy.beginRun();
      const run = await harness.scheduler.run(actors, strategy);
      const { violations, finalTables } = await harness.inspect(scenario, run, actors);
      return { run, actorNames: actors.map((a) => a.name), violations, finalTables };
    } finally {
      await harness.close();
    }
  } finally {
    await dbs.close();
  }
}
