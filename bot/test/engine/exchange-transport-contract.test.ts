// The contract between the two exchange transports: for every scenario × layer set of the default
// matrix, the first counterexample (of each cell expected to violate) and a seeded random sample
// of schedules give identical runs over msw's HTTP path and over the direct in-process client:
// the same trace, actor outcomes, final database state and exchange state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allLayerSetIds, openBotCell, type BotCell } from '../../plugin/index.ts';
import type { HarnessDatabases } from '../../../harness/db/index.ts';
import type { ExchangeTransport } from '../../exchange/index.ts';
import { resolveLayerSet } from '../../layers/index.ts';
import { CellHarness, STRATEGIES, cellStrategy } from '../../../harness/run/index.ts';
import { RandomStrategy, ReplayStrategy, type Schedule, type Strategy } from '../../../harness/sched/index.ts';
import { SCENARIOS, expectationFor, type Scenario, type ScenarioEnv } from '../../scenarios/index.ts';
import { harnessDatabases } from '../../../test/support/test-database.ts';

/** Random schedules compared per cell, on top of the first counterexample (one keeps CI time low). */
const RANDOM_SAMPLE = 1;
/** Runs the search for a cell's first counterexample may take (the default matrix budget). */
const SEARCH_BUDGET = 500;

/** Everything a run leaves behind that a transport could change (no wall-clock fields). */
async function observe(h: CellHarness<BotCell>, scenario: Scenario, env: ScenarioEnv, strategy: Strategy) {
  await h.prepare(scenario);
  strategy.beginRun();
  const run = await h.scheduler.run(scenario.actors(env), strategy);
  strategy.endRun(run.schedule.choices.length);
  const db = await h.scheduler.observer.query<{ positions: unknown; history: unknown }>(`SELECT
    (SELECT coalesce(json_agg(to_jsonb(p) - 'created_at' - 'updated_at' - 'closed_at' ORDER BY id), '[]') FROM monitoring.positions p) AS positions,
    (SELECT coalesce(json_agg(to_jsonb(h) - 'changed_at' ORDER BY seq), '[]') FROM monitoring.position_history h) AS history`);
  return {
    outcome: run.outcome,
    schedule: run.schedule.toString(),
    trace: run.trace,
    actors: run.actors,
    virtualTime: run.virtualTime,
    blockedSteps: run.blockedSteps,
    database: db.rows[0],
    exchange: h.cell.exchange.snapshot(),
    pendingFaults: h.cell.exchange.pendingFaults(),
  };
}

/** The first schedule of the cell's own search that breaks an invariant. */
async function firstCounterexample(h: CellHarness<BotCell>, scenario: Scenario, env: ScenarioEnv): Promise<Schedule | undefined> {
  const { strategyName, strategyOptions } = cellStrategy(scenario, 'exhaustive', { budget: SEARCH_BUDGET, seed: 1, depth: 2, reduce: true }, 'violates');
  const search = STRATEGIES[strategyName].create(strategyOptions);
  if (!search) throw new Error(`${strategyName} is not a controlled strategy`);
  const actors = scenario.actors(env);
  while (search.beginRun()) {
    await h.prepare(scenario);
    const run = await h.scheduler.run(actors, search);
    search.endRun(run.schedule.choices.length);
    if (run.outcome === 'abandoned') continue;
    const { violations } = await h.inspect(scenario, run, actors);
    if (violations.length > 0) return run.schedule;
  }
  return undefined;
}

describe('exchange transports: direct in-process calls are equivalent to msw over HTTP', () => {
  let dbs: HarnessDatabases;
  beforeAll(async () => {
    dbs = await harnessDatabases();
  });

  for (const [cell, layers] of allLayerSetIds().entries()) {
    describe(layers, () => {
      const layerSet = resolveLayerSet(layers);
      const env: ScenarioEnv = { policy: layerSet.policy, layerSet };
      const harness = {} as Record<ExchangeTransport, CellHarness<BotCell>>;
      let close: () => Promise<void> = async () => undefined;

      beforeAll(async () => {
        const template = await dbs.createTemplate(layerSet.id, layerSet.sqlFiles);
        harness.direct = await CellHarness.open(dbs, template, (clock) => openBotCell(layerSet, clock, 'direct'));
        harness.http = await CellHarness.open(dbs, template, (clock) => openBotCell(layerSet, clock, 'http'));
        close = async () => {
          await harness.direct.close();
          await harness.http.close();
          await dbs.drop(template);
        };
      });
      afterAll(() => close());

      it('every scenario: its first counterexample and a random sample run identically', async () => {
        let compared = 0;
        for (const [index, scenario] of Object.values(SCENARIOS).entries()) {
          const compare = async (name: string, make: () => Strategy) => {
            const overDirect = await observe(harness.direct, scenario, env, make());
            const overHttp = await observe(harness.http, scenario, env, make());
            expect(overDirect, `${scenario.name}@${layers}, ${name}`).toEqual(overHttp);
            compared++;
          };
          for (let i = 0; i < RANDOM_SAMPLE; i++) {
            const seed = 1000 * cell + 10 * index + i;
            await compare(`random seed ${seed}`, () => new RandomStrategy(seed, 1));
          }
          if (expectationFor(scenario, layers) === 'violates') {
            // Searched over the fast transport; a divergence there shows in the comparison itself.
            const counterexample = await firstCounterexample(harness.direct, scenario, env);
            expect(counterexample, `${scenario.name}@${layers} has a counterexample`).toBeDefined();
            if (counterexample) await compare(`counterexample ${counterexample}`, () => new ReplayStrategy(counterexample));
          }
        }
        expect(compared).toBeGreaterThanOrEqual(Object.keys(SCENARIOS).length * RANDOM_SAMPLE);
      });
    });
  }
});
