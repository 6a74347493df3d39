// Every schedule replays exactly (STYLE section 11): for signal-sync on the baseline, any choice
// array fast-check draws gives a run whose recorded schedule reproduces the same trace and state.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HarnessDatabases } from '../../../harness/db/index.ts';
import { HarnessError } from '../../../harness/errors/index.ts';
import { ChoiceStrategy, ExhaustiveStrategy, RandomStrategy, ReplayStrategy, Schedule, type ScheduleRun, type Strategy } from '../../../harness/sched/index.ts';
import { SCENARIOS, type Scenario } from '../../scenarios/index.ts';
import { harnessDatabases } from '../../../test/support/test-database.ts';
import { botCell, type BotCell } from '../support/bot-cell.ts';

const scenario = SCENARIOS['signal-sync'] as Scenario;

/** The fields of a step that must be identical on replay. */
function comparable(run: ScheduleRun) {
  return run.trace.map(({ step, actor, kind, label, detail, values, result, at, waitedOn }) => ({ step, actor, kind, label, detail, values, result, at, waitedOn: [...waitedOn] }));
}

describe('replaying signal-sync schedules on the baseline', () => {
  let dbs: HarnessDatabases;
  let cell: BotCell;

  beforeAll(async () => {
    dbs = await harnessDatabases();
    cell = await botCell(dbs, 'baseline');
  });
  afterAll(async () => {
    await cell?.close();
  });

  /** One run from a fresh state (`begin`: this call starts the strategy's run); what it ends with. */
  async function runOnce(strategy: Strategy, begin = true) {
    const actors = scenario.actors(cell.env);
    await cell.harness.prepare(scenario);
    if (begin) strategy.beginRun();
    const run = await cell.harness.scheduler.run(actors, strategy);
    strategy.endRun(run.schedule.choices.length);
    const { violations, finalTables } = await cell.harness.inspect(scenario, run, actors);
    return { run, violations, finalTables, exchange: cell.harness.cell.exchange.positions('binance') };
  }

  it('any generated choice array replays to the identical trace and final positions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: 5 }), { maxLength: 40 }), async (choices) => {
        const first = await runOnce(new ChoiceStrategy(choices));
        expect(first.run.outcome).toBe('completed');
        const again = await runOnce(new ReplayStrategy(first.run.schedule));
        expect(again.run.schedule.toString()).toBe(first.run.schedule.toString());
        expect(comparable(again.run)).toEqual(comparable(first.run));
        expect(again.run.outcome).toBe(first.run.outcome);
        expect(again.run.actors).toEqual(first.run.actors);
        expect(again.run.virtualTime).toBe(first.run.virtualTime);
        expect(again.run.blockedSteps).toBe(first.run.blockedSteps);
        expect(again.finalTables).toEqual(first.finalTables);
        expect(again.exchange).toEqual(first.exchange);
        expect(again.violations).toEqual(first.violations);
      }),
      { numRuns: 15 },
    );
  });

  it('the first exhaustive schedules, lock waits and violations included, replay to identical runs', async () => {
    // Per-step coin flips rarely let Sync get far ahead of Signal, so the property above seldom
    // meets a lock wait or the duplicate; the depth-first search meets both within 30 runs.
    const search = new ExhaustiveStrategy({ budget: 30 });
    let blocked = 0;
    let violating = 0;
    while (search.beginRun()) {
      const first = await runOnce(search, false);
      if (first.run.outcome === 'abandoned') continue;
      const again = await runOnce(new ReplayStrategy(first.run.schedule));
      expect(comparable(again.run)).toEqual(comparable(first.run));
      expect(again.run.actors).toEqual(first.run.actors);
      expect(again.finalTables).toEqual(first.finalTables);
      expect(again.violations).toEqual(first.violations);
      if (first.run.blockedSteps > 0) blocked++;
      if (first.violations.length > 0) violating++;
    }
    expect(blocked).toBeGreaterThan(0);
    expect(violating).toBeGreaterThan(0);
  });

  it('the schedule string, printed and parsed back, replays the same run', async () => {
    // Sync first for a dozen steps, then the default order.
    const first = await runOnce(new ChoiceStrategy([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]));
    const pasted = Schedule.parse(first.run.schedule.toString());
    const again = await runOnce(new ReplayStrategy(pasted));
    expect(comparable(again.run)).toEqual(comparable(first.run));
    expect(again.finalTables).toEqual(first.finalTables);
  });

  it('a schedule that picks an actor that cannot run there fails with E_SCHEDULE_DIVERGED', async () => {
    // Actor 0 (Signal) again and again: once Signal is done, only Sync can run.
    const tooMuchSignal = await runOnce(new ReplayStrategy(Schedule.parse('0x200'))).catch((e: unknown) => e);
    expect(tooMuchSignal).toBeInstanceOf(HarnessError);
    expect(tooMuchSignal).toMatchObject({ code: 'E_SCHEDULE_DIVERGED' });
    expect((tooMuchSignal as Error).message).toMatch(/picks actor 0 at step \d+, but only 1 \(/);

    // An actor the scenario does not have.
    const noSuchActor = await runOnce(new ReplayStrategy(Schedule.parse('0-7'))).catch((e: unknown) => e);
    expect(noSuchActor).toMatchObject({ code: 'E_SCHEDULE_DIVERGED' });
    expect((noSuchActor as Error).message).toContain('picks actor 7 at step 1');

    // A schedule that ends while the run goes on.
    const tooShort = await runOnce(new ReplayStrategy(Schedule.parse('0x2-1'))).catch((e: unknown) => e);
    expect(tooShort).toMatchObject({ code: 'E_SCHEDULE_DIVERGED' });
    expect((tooShort as Error).message).toContain('ends after 3 steps');

    // The scheduler is still good for the next run.
    const after = await runOnce(new ChoiceStrategy([]));
    expect(after.run.outcome).toBe('completed');
  });
});

describe('replaying at SERIALIZABLE after other runs on the same cell', () => {
  // SERIALIZABLE's predicate locks sit on heap and index pages: whether a transaction fails with
  // 40001 depends on the tables' physical layout, which the runs before it leave behind (DELETE
  // keeps dead rows). A schedule must replay the same whatever ran before it on the cell.
  const storm = SCENARIOS['signal-storm'] as Scenario;
  let dbs: HarnessDatabases;
  let cell: BotCell;

  beforeAll(async () => {
    dbs = await harnessDatabases();
    cell = await botCell(dbs, 'serializable');
  });
  afterAll(async () => {
    await cell?.close();
  });

  async function stormRun(strategy: Strategy, scenario: Scenario = storm) {
    const actors = scenario.actors(cell.env);
    await cell.harness.prepare(scenario);
    strategy.beginRun();
    const run = await cell.harness.scheduler.run(actors, strategy);
    strategy.endRun(run.schedule.choices.length);
    const { violations, finalTables } = await cell.harness.inspect(scenario, run, actors, { reset: true });
    return { schedule: run.schedule.toString(), trace: comparable(run), actors: run.actors, violations, finalTables };
  }

  it('gives the same run for a seed before and after other runs', async () => {
    expect(cell.harness.scheduler.ranSerializable).toBe(false);
    const first = await stormRun(new RandomStrategy(14120, 1));
    expect(cell.harness.scheduler.ranSerializable).toBe(true);
    for (let seed = 0; seed < 250; seed++) await stormRun(new RandomStrategy(seed, 1), scenario);
    const again = await stormRun(new RandomStrategy(14120, 1));
    expect(again).toEqual(first);
  });
});
