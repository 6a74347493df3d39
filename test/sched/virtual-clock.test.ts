// Virtual time: a sleep is a step, waking is a choice, and the clock jumps to the wake-up, so a
// 50-minute sleep costs no wall time; sleepers are only ever woken in wake-time order.
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../harness/errors/index.ts';
import { ExhaustiveStrategy, ReplayStrategy, Schedule, type ActorSpec } from '../../harness/sched/index.ts';
import { allRuns, useScheduler } from './sched-fixtures.ts';

/** Sleeps `ms` of virtual time and returns the clock before and after. */
function sleeper(name: string, ms: number): ActorSpec {
  return {
    name,
    run: async ({ clock }) => {
      const before = clock.now();
      await clock.sleep(ms, `${name} nap`);
      return { before, after: clock.now() };
    },
  };
}

describe('the virtual clock', () => {
  const scheduler = useScheduler();


  it('a 3 000 000 ms sleep is two steps, sleep then wake, and ends at virtual t=3 000 000', async () => {
    const [run] = await allRuns(scheduler, [sleeper('napper', 3_000_000)], new ExhaustiveStrategy());
    expect(run?.outcome).toBe('completed');
    expect(run?.virtualTime).toBeGreaterThanOrEqual(3_000_000);
    expect(run?.virtualTime).toBe(3_000_000);
    expect(run?.trace).toEqual([
      { step: 0, actor: 0, kind: 'sleep', label: 'napper nap', detail: '3000000 ms', result: 'ok', at: 0, waitedOn: [] },
      { step: 1, actor: 0, kind: 'wake', label: 'wake (napper nap)', detail: 't=3000000', result: 'ok', at: 3_000_000, waitedOn: [] },
    ]);
    expect(run?.actors).toEqual([{ status: 'ok', value: { before: 0, after: 3_000_000 } }]);
  });

  it('a sleep between SQL steps moves the clock the SQL after it sees', async () => {
    const actor: ActorSpec = {
      name: 'sql-sleep-sql',
      run: async ({ sql, clock }) => {
        await sql.query('SELECT 1');
        await clock.sleep(3_000_000, 'settlement');
        await sql.query('SELECT 2');
        return clock.now();
      },
    };
    const [run] = await allRuns(scheduler, [actor], new ExhaustiveStrategy());
    expect(run?.trace.map((t) => [t.kind, t.at])).toEqual([
      ['sql', 0],
      ['sleep', 0],
      ['wake', 3_000_000],
      ['sql', 3_000_000],
    ]);
    expect(run?.actors).toEqual([{ status: 'ok', value: 3_000_000 }]);
    // Each run starts again at t=0.
    const [again] = await allRuns(scheduler, [actor], new ExhaustiveStrategy());
    expect(again?.trace[0]?.at).toBe(0);
    expect(again?.virtualTime).toBe(3_000_000);
  });

  it('two sleepers that are both asleep wake in wake-time order, whoever slept first', async () => {
    const actors = [sleeper('long', 5000), sleeper('short', 2000)];
    // Both go to sleep (long first), then the only wake on offer is the earliest one.
    const [run] = await allRuns(scheduler, actors, new ReplayStrategy(Schedule.parse('0-1-1-0')));
    expect(run?.trace.map((t) => [t.actor, t.kind, t.at])).toEqual([
      [0, 'sleep', 0],
      [1, 'sleep', 0],
      [1, 'wake', 2000],
      [0, 'wake', 5000],
    ]);
    expect(run?.virtualTime).toBe(5000);
    expect(run?.actors).toEqual([
      { status: 'ok', value: { before: 0, after: 5000 } },
      { status: 'ok', value: { before: 0, after: 2000 } },
    ]);

    // Waking the later sleeper first is not a choice the engine offers.
    const diverged = await allRuns(scheduler, actors, new ReplayStrategy(Schedule.parse('0-1-0-1'))).catch((e: unknown) => e);
    expect(diverged).toBeInstanceOf(HarnessError);
    expect(diverged).toMatchObject({ code: 'E_SCHEDULE_DIVERGED' });
  });

  it('in every interleaving, wakes come in wake-time order and the clock never goes back', async () => {
    const actors = [sleeper('long', 5000), sleeper('short', 2000), sleeper('mid', 3000)];
    const runs = await allRuns(scheduler, actors, new ExhaustiveStrategy({ reduce: false }));
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) {
      expect(run.outcome).toBe('completed');
      const ats = run.trace.map((t) => t.at);
      expect(ats).toEqual([...ats].sort((a, b) => a - b));
      // A wake happens at exactly its sleeper's wake-up time: the time it went to sleep plus its nap.
      for (const wake of run.trace.filter((t) => t.kind === 'wake')) {
        const slept = run.trace.find((t) => t.kind === 'sleep' && t.actor === wake.actor);
        const nap = [5000, 2000, 3000][wake.actor] ?? Number.NaN;
        expect(wake.at).toBe((slept?.at ?? Number.NaN) + nap);
      }
      // Whenever several actors are asleep, the one due first wakes first.
      const asleep = new Map<number, number>();
      for (const t of run.trace) {
        if (t.kind === 'sleep') asleep.set(t.actor, t.at + ([5000, 2000, 3000][t.actor] ?? Number.NaN));
        if (t.kind === 'wake') {
          expect(t.at).toBe(Math.min(...asleep.values()));
          asleep.delete(t.actor);
        }
      }
    }
    // With all three asleep at t=0 they wake short, mid, long.
    const allAsleepFirst = runs.find((r) => r.trace.slice(0, 3).every((t) => t.kind === 'sleep'));
    expect(allAsleepFirst?.trace.slice(3).map((t) => [t.actor, t.at])).toEqual([
      [1, 2000],
      [2, 3000],
      [0, 5000],
    ]);
  });
});
