// Exhaustive search over independent actors on a real PostgreSQL: without reduction it runs exactly
// the multinomial (Σs)!/∏s! interleavings, each once; with reduction, one for commuting steps.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExhaustiveStrategy } from '../../harness/sched/index.ts';
import { allRuns, multinomial, sqlActor, useScheduler } from './sched-fixtures.ts';

/** Actor i runs sizes[i] statements on its own key, so every pair of steps commutes. */
function independentActors(sizes: readonly number[]) {
  return sizes.map((s, i) => sqlActor(`a${i}`, Array.from({ length: s }, (_, k) => `SELECT ${i * 100 + k} AS step`), [`key-${i}`]));
}

describe('ExhaustiveStrategy run counts', () => {
  const scheduler = useScheduler();


  async function explore(sizes: readonly number[], reduce: boolean) {
    const strategy = new ExhaustiveStrategy({ reduce });
    const runs = await allRuns(scheduler, independentActors(sizes), strategy);
    return { runs, stats: strategy.stats(), completed: runs.filter((r) => r.outcome === 'completed') };
  }

  it.each([
    { sizes: [2, 2], count: 6 },
    { sizes: [3, 2], count: 10 },
    { sizes: [1, 1, 1, 1], count: 24 },
    { sizes: [2, 2, 2], count: 90 },
  ])('without reduction, $sizes gives $count distinct complete interleavings', async ({ sizes, count }) => {
    expect(multinomial(sizes)).toBe(count);
    const { runs, stats, completed } = await explore(sizes, false);
    expect(stats.complete).toBe(true);
    expect(runs).toHaveLength(count);
    expect(completed).toHaveLength(count);
    expect(stats).toMatchObject({ runs: count, pruned: 0, abandoned: 0 });
    const total = sizes.reduce((a, b) => a + b, 0);
    const schedules = new Set(completed.map((r) => r.schedule.toString()));
    expect(schedules.size).toBe(count);
    for (const run of completed) {
      // Every step ran, each actor took its own number of steps, and every actor returned.
      expect(run.schedule.choices).toHaveLength(total);
      expect(run.trace.map((t) => t.actor)).toEqual(run.schedule.choices);
      expect(run.trace.every((t) => t.kind === 'sql' && t.result === 'rows=1' && t.waitedOn.length === 0)).toBe(true);
      sizes.forEach((s, i) => expect(run.schedule.choices.filter((c) => c === i)).toHaveLength(s));
      expect(run.actors).toEqual(sizes.map((s) => ({ status: 'ok', value: s })));
      expect(run.blockedSteps).toBe(0);
    }
  });

  it.each([[2, 2], [3, 2], [2, 2, 2], [1, 1, 1, 1]])('with reduction and disjoint keys, %j completes exactly one run', async (...sizes) => {
    const { runs, stats, completed } = await explore(sizes, true);
    expect(stats.complete).toBe(true);
    expect(completed).toHaveLength(1);
    // Everything else is an equivalent order, cut short the moment only sleeping steps remain.
    expect(runs.filter((r) => r.outcome !== 'completed').every((r) => r.outcome === 'abandoned')).toBe(true);
    expect(stats.abandoned).toBe(runs.length - 1);
    expect(stats.runs).toBe(runs.length);
    expect((stats.pruned ?? 0) + (stats.abandoned ?? 0)).toBeGreaterThan(0);
  });

  it('with reduction, steps on one shared key are all explored when they write, and cut to one order when they only read', async () => {
    const sameKey = (verb: (i: number, k: number) => string) => (sizes: readonly number[]) =>
      sizes.map((s, i) => sqlActor(`a${i}`, Array.from({ length: s }, (_, k) => verb(i, k)), ['shared']));
    // VALUES is not a plain SELECT, so the engine counts it as writing the actor's keys.
    const writers = sameKey((i, k) => `VALUES (${i * 100 + k})`);
    const readers = sameKey((i, k) => `SELECT ${i * 100 + k} AS step`);
    for (const sizes of [[2, 2], [3, 2], [1, 1, 1]]) {
      const w = new ExhaustiveStrategy({ reduce: true });
      const wRuns = await allRuns(scheduler, writers(sizes), w);
      expect(w.stats()).toMatchObject({ complete: true, pruned: 0, abandoned: 0 });
      expect(wRuns.filter((r) => r.outcome === 'completed')).toHaveLength(multinomial(sizes));

      const r = new ExhaustiveStrategy({ reduce: true });
      const rRuns = await allRuns(scheduler, readers(sizes), r);
      expect(r.stats().complete).toBe(true);
      expect(rRuns.filter((x) => x.outcome === 'completed')).toHaveLength(1);
    }
  });

  it('without reduction, the run count is the multinomial for any small shape (property)', async () => {
    const shapes = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 3 }).filter((s) => multinomial(s) <= 280);
    await fc.assert(
      fc.asyncProperty(shapes, async (sizes) => {
        const { runs, stats, completed } = await explore(sizes, false);
        expect(stats.complete).toBe(true);
        expect(completed).toHaveLength(multinomial(sizes));
        expect(runs).toHaveLength(multinomial(sizes));
        expect(new Set(completed.map((r) => r.schedule.toString())).size).toBe(multinomial(sizes));
      }),
      { numRuns: 8 },
    );
  });
});
