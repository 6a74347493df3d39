// The search strategies find the APTUSDT duplicate (signal-sync) on the baseline within a few runs,
// the schedule they report replays to it, and on `recommended` exhaustive search proves it gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Violation } from '../../../harness/check/index.ts';
import type { HarnessDatabases } from '../../../harness/db/index.ts';
import { ExhaustiveStrategy, PctStrategy, ReplayStrategy, formatReplayTarget, parseReplayTarget, type ScheduleRun, type Strategy } from '../../../harness/sched/index.ts';
import { SCENARIOS, type Scenario } from '../../scenarios/index.ts';
import { harnessDatabases } from '../../../test/support/test-database.ts';
import { botCell, type BotCell } from '../support/bot-cell.ts';

const scenario = SCENARIOS['signal-sync'] as Scenario;

interface Found {
  /** Index among the runs that were not abandoned. */
  readonly index: number;
  readonly run: ScheduleRun;
  readonly violations: readonly Violation[];
}

interface Search {
  readonly first: Found | null;
  readonly checked: number;
  readonly violating: number;
}

/** Runs the strategy's schedules, checking each; stops at the first run whose violations `match`, unless `all`. */
async function search(cell: BotCell, strategy: Strategy, match: (vs: readonly Violation[]) => boolean, all = false): Promise<Search> {
  const actors = scenario.actors(cell.env);
  const names = actors.map((a) => a.name);
  let first: Found | null = null;
  let checked = 0;
  let violating = 0;
  while (strategy.beginRun()) {
    await cell.harness.prepare(scenario);
    const run = await cell.harness.scheduler.run(actors, strategy);
    strategy.endRun(run.schedule.choices.length);
    if (run.outcome === 'abandoned') continue;
    const { violations } = await cell.harness.inspect(scenario, run, actors);
    checked++;
    if (violations.length > 0) violating++;
    if (!match(violations)) continue;
    first ??= { index: checked - 1, run, violations };
    if (!all) break;
  }
  return { first, checked, violating };
}

/** The violations of one replayed run. */
async function replay(cell: BotCell, replayTarget: string): Promise<{ run: ScheduleRun; violations: readonly Violation[] }> {
  const target = parseReplayTarget(replayTarget);
  expect(target).toMatchObject({ scenario: scenario.name, layers: cell.layerSet.id });
  const actors = scenario.actors(cell.env);
  await cell.harness.prepare(scenario);
  const strategy = new ReplayStrategy(target.schedule);
  strategy.beginRun();
  const run = await cell.harness.scheduler.run(actors, strategy);
  const { violations } = await cell.harness.inspect(scenario, run, actors);
  return { run, violations };
}

/**
 * The production failure of the plan: two rows open at once for APTUSDT@binance, and Signal's final
 * UPDATE failing with 23505 on idx_unique_active_position.
 */
function isTheDuplicate(violations: readonly Violation[]): boolean {
  return (
    violations.some((v) => v.invariant === 'no-duplicate-open' && v.message.includes('APTUSDT@binance')) &&
    violations.some((v) => v.invariant === 'no-unhandled-db-error' && /^signal ended with SQLSTATE 23505/.test(v.message))
  );
}

const anyViolation = (violations: readonly Violation[]) => violations.length > 0;

describe('searching for the APTUSDT duplicate (signal-sync)', () => {
  let dbs: HarnessDatabases;
  let baseline: BotCell;
  let recommended: BotCell;

  beforeAll(async () => {
    dbs = await harnessDatabases();
    baseline = await botCell(dbs, 'baseline');
    recommended = await botCell(dbs, 'recommended');
  });
  afterAll(async () => {
    await baseline?.close();
    await recommended?.close();
  });

  it('exhaustive finds it within the first runs on the baseline, and its schedule string replays to it', async () => {
    // Any violation at all comes within the first few runs of the depth-first search...
    const { first: firstViolation } = await search(baseline, new ExhaustiveStrategy(), anyViolation);
    expect(firstViolation?.index).toBeLessThan(50);
    // ...and so does the production failure itself.
    const { first } = await search(baseline, new ExhaustiveStrategy(), isTheDuplicate);
    expect(first).not.toBeNull();
    const found = first as Found;
    expect(found.index).toBeLessThan(50);
    expect(found.violations.find((v) => v.invariant === 'no-unhandled-db-error')?.message).toContain('idx_unique_active_position');

    const target = formatReplayTarget({ scenario: scenario.name, layers: baseline.layerSet.id, schedule: found.run.schedule });
    expect(target).toMatch(/^signal-sync@baseline:[0-9x-]+$/);
    const replayed = await replay(baseline, target);
    expect(replayed.run.outcome).toBe(found.run.outcome);
    expect(replayed.violations).toEqual(found.violations);
    expect(replayed.run.trace).toEqual(found.run.trace);
  });

  it.each([1, 2, 3, 4, 5])('pct (seed %i, depth 2) finds it within 20 runs, and reports its bound', async (seed) => {
    const strategy = new PctStrategy(seed, 20, 2);
    const { first } = await search(baseline, strategy, isTheDuplicate);
    expect(first).not.toBeNull();
    expect(strategy.stats().runs).toBeLessThanOrEqual(20);
    const bound = strategy.stats().pctBound;
    expect(bound).toMatchObject({ n: 2, d: 2 });
    expect(bound?.p).toBeCloseTo(1 / (2 * (bound?.k ?? Number.NaN)), 12);

    const replayed = await replay(baseline, formatReplayTarget({ scenario: scenario.name, layers: 'baseline', schedule: (first as Found).run.schedule }));
    expect(replayed.violations).toEqual((first as Found).violations);
  });

  it('recommended: exhaustive search (with reduction) completes with zero violations', async () => {
    const strategy = new ExhaustiveStrategy();
    const { first, checked, violating } = await search(recommended, strategy, anyViolation, true);
    const stats = strategy.stats();
    expect(stats.complete).toBe(true);
    expect(violating).toBe(0);
    expect(first).toBeNull();
    expect(checked).toBeGreaterThan(1);
    expect(stats.runs).toBe(checked + (stats.abandoned ?? 0));
  });

  it('recommended: the same holds without reduction, over every interleaving one by one', async () => {
    const reduced = new ExhaustiveStrategy();
    const { checked: reducedRuns } = await search(recommended, reduced, anyViolation, true);
    const full = new ExhaustiveStrategy({ reduce: false });
    const { violating, checked } = await search(recommended, full, anyViolation, true);
    expect(full.stats()).toMatchObject({ complete: true, pruned: 0, abandoned: 0 });
    expect(violating).toBe(0);
    // Reduction ran fewer schedules for the same verdict.
    expect(reducedRuns).toBeLessThan(checked);
  });
});
