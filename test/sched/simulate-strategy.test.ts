// The `simulate` strategy: a discrete-event simulation whose clock the engine follows. A seed
// gives the same run twice; each step starts when it is due (its actor's previous step plus the
// drawn duration), the Sync at a phase of its cycle, and a sleeper wakes exactly when its sleep ends.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIMULATION_TIMING, SimulateStrategy, type ActorSpec, type SimulationTiming } from '../../harness/sched/index.ts';
import { allRuns, sqlActor, useScheduler } from './sched-fixtures.ts';

/** Every step takes exactly its median: durations are then known to the millisecond. */
const FIXED: SimulationTiming = { ...DEFAULT_SIMULATION_TIMING, sqlLatencyMs: 2, serviceLatencyMs: 50, latencySpread: 0, periodicIntervalMs: 10_000, arrivalWindowMs: 4000 };

const actors: ActorSpec[] = [
  sqlActor('signal', ['SELECT 1', 'SELECT 2', 'SELECT 3']),
  sqlActor('sync', ['SELECT 4', 'SELECT 5']),
  sqlActor('close', ['SELECT 6', 'SELECT 7']),
];

describe('SimulateStrategy', () => {
  const scheduler = useScheduler();

  it('is deterministic for a seed: the same choices and the same times, run for run', async () => {
    const a = await allRuns(scheduler, actors, new SimulateStrategy(7, 5, DEFAULT_SIMULATION_TIMING));
    const b = await allRuns(scheduler, actors, new SimulateStrategy(7, 5, DEFAULT_SIMULATION_TIMING));
    expect(a).toHaveLength(5);
    expect(b.map((r) => r.trace.map((s) => [s.actor, s.at]))).toEqual(a.map((r) => r.trace.map((s) => [s.actor, s.at])));
    const c = await allRuns(scheduler, actors, new SimulateStrategy(8, 5, DEFAULT_SIMULATION_TIMING));
    expect(c.map((r) => r.trace.map((s) => s.at))).not.toEqual(a.map((r) => r.trace.map((s) => s.at)));
  });

  it('releases the step due first: times never go back, and each actor steps exactly one duration after its last step', async () => {
    const runs = await allRuns(scheduler, actors, new SimulateStrategy(3, 20, FIXED, (name) => name === 'sync'));
    for (const run of runs) {
      expect(run.outcome).toBe('completed');
      const at = run.trace.map((s) => s.at);
      expect([...at].sort((x, y) => x - y)).toEqual(at);
      const byActor = [0, 1, 2].map((i) => run.trace.filter((s) => s.actor === i).map((s) => s.at));
      for (const times of byActor) for (let i = 1; i < times.length; i++) expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeCloseTo(2, 9);
      // The first flow arrives at 1 s; the Sync within its 10 s cycle; the others within the 4 s window after it.
      expect(byActor[0]?.[0]).toBe(1000);
      expect(byActor[1]?.[0]).toBeGreaterThanOrEqual(0);
      expect(byActor[1]?.[0]).toBeLessThan(10_000);
      expect(byActor[2]?.[0]).toBeGreaterThanOrEqual(1000);
      expect(byActor[2]?.[0]).toBeLessThan(5000);
    }
    // Over 20 runs the Sync lands both before and after the Signal: its phase is drawn per run.
    const syncFirst = runs.map((r) => r.trace[0]?.actor === 1);
    expect(syncFirst).toContain(true);
    expect(syncFirst).toContain(false);
  });

  it('moves the engine clock with it: a sleep ends exactly its length after the step that began it', async () => {
    const napper: ActorSpec = {
      name: 'signal',
      run: async ({ sql, clock }) => {
        await sql.query('SELECT 1');
        await clock.sleep(3000, 'settlement sleep');
        await sql.query('SELECT 2');
        return clock.now();
      },
    };
    const [run] = await allRuns(scheduler, [napper], new SimulateStrategy(1, 1, FIXED));
    expect(run?.trace.map((s) => [s.kind, s.at])).toEqual([
      ['sql', 1000],
      ['sleep', 1002],
      ['wake', 4002],
      ['sql', 4002],
    ]);
    // The engine's clock reads the start of the last released step.
    expect(run?.actors[0]).toEqual({ status: 'ok', value: 4002 });
  });
});
