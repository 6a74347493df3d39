// Connection faults are outcomes, not crashes: a run whose session dies ends as `connection-lost`
// (recorded with its trace), its sessions are replaced, and it is retried from scratch so that the
// strategy sees one clean run; a cell whose retries run out is an `error` cell and the others go on.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { harnessDatabases } from '../support/test-database.ts';
import { sessionKiller, type KillTarget, type SessionKiller } from '../support/session-killer.ts';
import { resolveLayerSet } from '../../harness/fixes/index.ts';
import { CellHarness, runCell, runMatrix, type CellResult } from '../../harness/run/index.ts';
import { ExhaustiveStrategy, RandomStrategy, ResumedStrategy, type ActorSpec, type ActorView, type Strategy } from '../../harness/sched/index.ts';
import { UrlPostgresProvider, type HarnessDatabase, type HarnessDatabases } from '../../harness/db/index.ts';
import { SCENARIOS, defineScenario } from '../../scenarios/index.ts';

const baseline = resolveLayerSet('baseline');
const env = { policy: baseline.policy, layerSet: baseline };
let dbs: HarnessDatabases;
let template: HarnessDatabase;
let killer: SessionKiller;

beforeAll(async () => {
  dbs = await harnessDatabases();
  template = await dbs.createTemplate('faults', baseline.sqlFiles);
  killer = await sessionKiller(inject('pgAdminUrl'));
});
afterAll(async () => {
  await killer?.close();
  await dbs.drop(template);
});

/** What a clean and a faulty run of a cell must agree on. */
function verdict(c: CellResult) {
  return {
    measured: c.measured,
    schedules: c.schedules,
    violating: c.violating,
    complete: c.coverage.complete,
    byInvariant: c.violationsByInvariant,
    counterexample: c.counterexample?.schedule ?? null,
    error: c.error,
  };
}

describe('a session killed under a run', () => {
  it('ends the run as connection-lost with the failed step in its trace; the next run is clean', async () => {
    const harness = await CellHarness.open(dbs, template);
    try {
      // The second actor terminates the first one's backend as one of its own steps: deterministic.
      const actors: ActorSpec[] = [
        { name: 'victim', run: async ({ sql }) => { await sql.query('SELECT 1'); await sql.query('SELECT 2'); return 'done'; } },
        { name: 'killer', run: async ({ sql }) => sql.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'prh-actor-0' AND datname = current_database()`) },
      ];
      await harness.prepare(SCENARIOS['lost-update']!, env);
      const strategy = new ExhaustiveStrategy({ budget: 1 });
      strategy.beginRun();
      // Victim's first statement, the kill, then the victim's second statement on a dead session.
      const order = [0, 1, 0];
      const scripted: Strategy = {
        name: 'scripted',
        beginRun: () => true,
        next: (runnable, step) => runnable.findIndex((v) => v.actor === order[step]),
        endRun: () => undefined,
        stats: () => strategy.stats(),
      };
      const lost = await harness.scheduler.run(actors, scripted);
      expect(lost.outcome).toBe('connection-lost');
      expect(lost.fault?.session).toBe('actor 0 (victim)');
      expect(lost.trace.map((t) => [t.actor, t.result])).toEqual([[0, 'rows=1'], [1, 'rows=1'], [0, expect.stringMatching(/^ERR /)]]);

      const again = await harness.scheduler.run(actors.slice(0, 1), new ExhaustiveStrategy({ budget: 1 }));
      expect(again.outcome).toBe('completed');
      expect(again.actors).toEqual([{ status: 'ok', value: 'done' }]);
    } finally {
      await harness.close();
    }
  });
});

describe('a cell with sessions killed under it', () => {
  const plan = new Map<number, KillTarget>([
    [3, 'self'],
    [25, 'observer'],
    [52, 'other'],
    [90, 'self'],
    [130, 'observer'],
    [170, 'other'],
  ]);

  it.each(['exhaustive', 'random'] as const)('%s: gives the figures of a clean run, and lists the faults it retried', async (strategy) => {
    const scenario = SCENARIOS['signal-sync']!;
    const options = { strategy, strategyOptions: { budget: 30, seed: 7, depth: 2, reduce: true } } as const;
    const clean = await runCell(dbs, { scenario, layerSet: baseline, template }, options);
    const before = { ...killer.killed };
    const faulty = await runCell(dbs, { scenario: killer.wrap(scenario, plan), layerSet: baseline, template }, options);
    expect(killer.killed.self + killer.killed.other + killer.killed.observer - before.self - before.other - before.observer).toBe(plan.size);
    expect(verdict(faulty)).toEqual(verdict(clean));
    expect(faulty.agrees).toBe(clean.agrees);
    expect(faulty.outcomes['connection-lost']).toBeGreaterThanOrEqual(3);
    expect(faulty.faults?.length).toBeGreaterThanOrEqual(3);
    expect(faulty.faults?.every((f) => f.message.length > 0)).toBe(true);
  });

  it('ends as an error cell when every attempt of a run loses its session, and the next cell still runs', async () => {
    const selfKiller = defineScenario({
      name: 'self-killer',
      title: 'an actor that terminates its own backend',
      plan: 'test',
      actors: () => [{ name: 'suicidal', run: async ({ sql }) => sql.query('SELECT pg_terminate_backend(pg_backend_pid())') }],
      expect: { default: 'holds' },
    });
    const server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
    const result = await runMatrix({
      scenarios: [selfKiller, SCENARIOS['lost-update']!],
      layerSets: [baseline],
      strategy: 'exhaustive',
      strategyOptions: { budget: 10, seed: 1, depth: 2, reduce: true },
      workers: 1,
      server,
    });
    const [bad, good] = result.cells;
    expect(bad?.incomplete).toBe('fault');
    expect(bad?.agrees).toBe(false);
    expect(bad?.error).toContain('E_CONNECTION_LOST');
    expect(bad?.error).toContain('4 times in a row');
    expect(bad?.outcomes['connection-lost']).toBe(4);
    expect(good?.error).toBeUndefined();
    expect(good?.measured).toBe('violates');
  });
});

describe('ResumedStrategy', () => {
  it('replays the choices already made and asks the strategy only from the first new step', () => {
    const views = (n: number): ActorView[] => Array.from({ length: n }, (_, actor) => ({ actor, name: `a${actor}`, kind: 'sql', label: 'x', footprint: ['db:*', 'act:*'] }));
    const asked: number[] = [];
    const inner: Strategy = new RandomStrategy(3, 10);
    const spy: Strategy = {
      name: 'spy',
      beginRun: () => inner.beginRun(),
      endRun: (steps) => inner.endRun(steps),
      stats: () => inner.stats(),
      next: (r, step) => {
        asked.push(step);
        return inner.next(r, step);
      },
    };
    spy.beginRun();
    const first = [0, 1, 2].map((step) => (views(3)[spy.next(views(3), step)] as ActorView).actor);
    const resumed = new ResumedStrategy(spy, first);
    const replayed = [0, 1, 2, 3].map((step) => (views(3)[resumed.next(views(3), step)] as ActorView).actor);
    expect(replayed.slice(0, 3)).toEqual(first);
    expect(asked).toEqual([0, 1, 2, 3]);
    expect(() => resumed.next(views(3).slice(0, 1).map((v) => ({ ...v, actor: 9 })), 0)).toThrow(/could not be repeated.*infrastructure fault/);
  });
});
