// Exhaustive search over independent actors on a real PostgreSQL: without reduction it runs exactly
// the multinomial (Σs)!/∏s! interleavings, each once; with reduction (DPOR over footprints derived
// from the SQL), one run when every step commutes, and every order when the steps write one table.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExhaustiveStrategy } from '../../harness/sched/index.ts';
import { allRuns, multinomial, sqlActor, useScheduler } from './sched-fixtures.ts';

/** Actor i runs sizes[i] statements that read no table, so every pair of steps commutes. */
function independentActors(sizes: readonly number[]) {
  return sizes.map((s, i) => sqlActor(`a${i}`, Array.from({ length: s }, (_, k) => `SELECT ${i * 100 + k} AS step`)));
}

describe('ExhaustiveStrategy run counts', () => {
  const scheduler = useScheduler(async (db) => {
    await db.query('CREATE TABLE counter (id int PRIMARY KEY, v int NOT NULL)');
    await db.query('INSERT INTO counter SELECT g, 0 FROM generate_series(0, 9) g');
  });


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

  it.each([[2, 2], [3, 2], [2, 2, 2], [1, 1, 1, 1]])('with reduction and independent statements, %j runs exactly once', async (...sizes) => {
    const { runs, stats, completed } = await explore(sizes, true);
    expect(stats.complete).toBe(true);
    // No two steps race, so DPOR schedules no other order: nothing abandoned, nothing to prune.
    expect(runs).toHaveLength(1);
    expect(completed).toHaveLength(1);
    expect(stats).toMatchObject({ runs: 1, abandoned: 0, reduction: 'dpor' });
  });

  it('with reduction, writes to one table are all explored, and reads of it are cut to one order', async () => {
    // Autocommit UPDATEs of different rows: the footprint is the table, so every order is explored.
    const writers = (sizes: readonly number[]) =>
      sizes.map((s, i) => sqlActor(`a${i}`, Array.from({ length: s }, (_, k) => `UPDATE counter SET v = v + 1 WHERE id = ${i * 3 + k}`)));
    const readers = (sizes: readonly number[]) => sizes.map((s, i) => sqlActor(`a${i}`, Array.from({ length: s }, () => 'SELECT sum(v) FROM counter')));
    for (const sizes of [[2, 2], [3, 2], [1, 1, 1]]) {
      const w = new ExhaustiveStrategy({ reduce: true });
      const wRuns = await allRuns(scheduler, writers(sizes), w);
      expect(w.stats()).toMatchObject({ complete: true, abandoned: 0 });
      expect(wRuns.filter((r) => r.outcome === 'completed')).toHaveLength(multinomial(sizes));

      const r = new ExhaustiveStrategy({ reduce: true });
      const rRuns = await allRuns(scheduler, readers(sizes), r);
      expect(r.stats().complete).toBe(true);
      expect(rRuns).toHaveLength(1);
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
