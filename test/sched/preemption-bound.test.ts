// A preemption bound limits how often the search switches away from an actor that could go on:
// bound 0 leaves only the serial orders; a higher bound lets more interleavings through.
import { describe, expect, it } from 'vitest';
import { ExhaustiveStrategy } from '../../harness/sched/index.ts';
import { allRuns, multinomial, sqlActor, useScheduler } from './sched-fixtures.ts';

describe('exhaustive search with a preemption bound', () => {
  const scheduler = useScheduler();


  const actors = [sqlActor('a', ['SELECT 1', 'SELECT 2', 'SELECT 3']), sqlActor('b', ['SELECT 4', 'SELECT 5', 'SELECT 6'])];

  it('bound 0 runs only the two serial orders', async () => {
    const strategy = new ExhaustiveStrategy({ reduce: false, preemptionBound: 0 });
    const runs = await allRuns(scheduler, actors, strategy);
    expect(runs.map((r) => r.schedule.toString()).sort()).toEqual(['0x3-1x3', '1x3-0x3']);
    expect(strategy.stats().complete).toBe(true);
  });

  it('bound 1 adds the orders with one preemption, still fewer than all', async () => {
    const runs = await allRuns(scheduler, actors, new ExhaustiveStrategy({ reduce: false, preemptionBound: 1 }));
    const schedules = runs.map((r) => r.schedule.toString());
    expect(new Set(schedules).size).toBe(schedules.length);
    expect(schedules).toContain('0-1x3-0x2');
    expect(schedules.length).toBeGreaterThan(2);
    expect(schedules.length).toBeLessThan(multinomial([3, 3]));
  });
});
