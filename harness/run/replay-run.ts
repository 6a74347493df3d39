// `--replay <scenario>@<layers>:<schedule>`: one run on exactly that schedule, with its trace.
import type { Violation } from '../check/index.ts';
import { HarnessDatabases, type StartedPostgres } from '../db/index.ts';
import type { ExchangeTransport } from '../exchange/index.ts';
import type { LayerSet } from '../fixes/index.ts';
import { ReplayStrategy, type ActorSpec, type Schedule, type ScheduleRun } from '../sched/index.ts';
import type { Scenario } from '../../scenarios/index.ts';
import { CellHarness } from './cell-runner.ts';
import type { ObservedRow } from '../check/index.ts';

export interface ReplayResult {
  readonly run: ScheduleRun;
  readonly actorNames: readonly string[];
  readonly violations: readonly Violation[];
  readonly finalRows: readonly ObservedRow[];
}

/** `instrument` may wrap the scenario's actors (e.g. to record their SQL); the schedule is the same. */
export async function runReplay(
  server: StartedPostgres,
  scenario: Scenario,
  layerSet: LayerSet,
  schedule: Schedule,
  instrument: (actors: readonly ActorSpec[]) => readonly ActorSpec[] = (a) => a,
  transport?: ExchangeTransport,
): Promise<ReplayResult> {
  const dbs = await HarnessDatabases.open(server);
  try {
    const template = await dbs.createTemplate(layerSet.id, layerSet.sqlFiles);
    const harness = await CellHarness.open(dbs, template, undefined, undefined, transport);
    try {
      const env = { policy: layerSet.policy, layerSet };
      const actors = instrument(scenario.actors(env));
      await harness.prepare(scenario, env);
      const strategy = new ReplayStrategy(schedule);
      strategy.beginRun();
      const run = await harness.scheduler.run(actors, strategy);
      const names = actors.map((a) => a.name);
      const { violations, finalRows } = await harness.check(scenario, run, names);
      return { run, actorNames: names, violations, finalRows };
    } finally {
      await harness.close();
    }
  } finally {
    await dbs.close();
  }
}
