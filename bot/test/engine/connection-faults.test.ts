// Connection faults are outcomes, not crashes: a run whose session dies ends as `connection-lost`
// (recorded with its trace), its sessions are replaced, and it is retried from scratch so that the
// strategy sees one clean run; a cell whose retries run out is an `error` cell and the others go on.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../../harness/cli/run-cli.ts';
import { harnessDatabases } from '../../../test/support/test-database.ts';
import { sessionKiller, type KillTarget, type SessionKiller } from '../support/session-killer.ts';
import { resolveLayerSet } from '../../layers/index.ts';
import { CellHarness, runCell, runMatrix, type CellResult, type RunResult } from '../../../harness/run/index.ts';
import { botVariant, openBotCell } from '../../plugin/index.ts';
import { ExhaustiveStrategy, RandomStrategy, ResumedStrategy, type ActorSpec, type ActorView, type Strategy } from '../../../harness/sched/index.ts';
import { UrlPostgresProvider, type HarnessDatabase, type HarnessDatabases } from '../../../harness/db/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { selfKiller } from '../fixtures/fault-scenarios/self-killer.race.ts';

const baseline = resolveLayerSet('baseline');
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
    const harness = await CellHarness.open(dbs, template, (clock) => openBotCell(baseline, clock));
    try {
      // The second actor terminates the first one's backend as one of its own steps: deterministic.
      const actors: ActorSpec[] = [
        { name: 'victim', run: async ({ sql }) => { await sql.query('SELECT 1'); await sql.query('SELECT 2'); return 'done'; } },
        { name: 'killer', run: async ({ sql }) => sql.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'prh-actor-0' AND datname = current_database()`) },
      ];
      await harness.prepare(SCENARIOS['lost-update']!);
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

/** Every run of it loses its only session: its retries always run out. */
const SELF_KILLER = 'bot/test/fixtures/fault-scenarios/self-killer.race.ts';
/** Its code throws when it builds its actors. */
const BROKEN = 'bot/test/fixtures/fault-scenarios/broken-scenario.race.ts';

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
    const clean = await runCell(dbs, { scenario, variant: botVariant(baseline), template }, options);
    const before = { ...killer.killed };
    const faulty = await runCell(dbs, { scenario: killer.wrap(scenario, plan), variant: botVariant(baseline), template }, options);
    expect(killer.killed.self + killer.killed.other + killer.killed.observer - before.self - before.other - before.observer).toBe(plan.size);
    expect(verdict(faulty)).toEqual(verdict(clean));
    expect(faulty.agrees).toBe(clean.agrees);
    expect(faulty.outcomes['connection-lost']).toBeGreaterThanOrEqual(3);
    expect(faulty.faults?.length).toBeGreaterThanOrEqual(3);
    expect(faulty.faults?.every((f) => f.message.length > 0)).toBe(true);
  });

  it('ends as an error cell when every attempt of a run loses its session, and the next cell still runs', async () => {
    const server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
    const result = await runMatrix({
      scenarios: [selfKiller, SCENARIOS['lost-update']!],
      layers: ['baseline'],
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

describe('the CLI with a cell that cannot finish', () => {
  it('writes every report, marks the cell, names it on stderr and exits 4', async () => {
    const out = await mkdtemp(join(tmpdir(), 'prh-faults-cli-'));
    const chunks = { out: [] as string[], err: [] as string[] };
    const stream = (into: string[]) => ({ isTTY: false, write: (t: string) => into.push(t) > 0 }) as unknown as NodeJS.WriteStream;
    try {
      const argv = ['--scenarios', SELF_KILLER, '--scenarios', 'bot/scenarios/lost-update.ts', '--layers', 'baseline', '--budget', '5', '--ci', '--out', out];
      const code = await runCli(argv, { DATABASE_URL: inject('pgAdminUrl') }, { out: stream(chunks.out), err: stream(chunks.err) });
      const err = chunks.err.join('');
      expect(code, err).toBe(4);
      expect(err).toContain('1 of 2 cells did not finish (marked in the reports)');
      expect(err).toContain('self-killer @ baseline: E_CONNECTION_LOST');
      expect(err).not.toMatch(/\n\s+at /);
      expect(chunks.out.join('')).toContain('0 contradicted expectations; 1 cells did not finish');
      const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult;
      expect(Object.fromEntries(result.cells.map((c) => [c.scenario, c.incomplete ?? 'finished']))).toEqual({ 'self-killer': 'fault', 'lost-update': 'finished' });
      for (const file of ['summary.md', 'junit.xml', 'report.html']) expect(await readFile(join(out, file), 'utf8')).toContain('self-killer');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('an internal error in a cell', () => {
  it.each([false, true])('is reported with every other cell, exit 3, its stack only with --debug (%s) and in results.json', async (debug) => {
    const out = await mkdtemp(join(tmpdir(), 'prh-internal-cli-'));
    const err: string[] = [];
    const stream = (into: string[]) => ({ isTTY: false, write: (t: string) => into.push(t) > 0 }) as unknown as NodeJS.WriteStream;
    try {
      const argv = ['--scenarios', BROKEN, '--scenarios', 'bot/scenarios/close-reopen.ts', '--layers', 'baseline', '--out', out, ...(debug ? ['--debug'] : [])];
      const code = await runCli(argv, { DATABASE_URL: inject('pgAdminUrl') }, { out: stream([]), err: stream(err) });
      const text = err.join('');
      expect(code, text).toBe(3);
      expect(text).toContain('internal error');
      expect(text).toContain('boom in the scenario');
      if (debug) expect(text).toMatch(/\n\s+at /);
      else {
        expect(text).not.toMatch(/\n\s+at /);
        expect(text).toContain('run again with --debug');
      }
      const result = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResult;
      expect(result.failure?.code).toBe('E_INTERNAL');
      expect(result.failure?.stack).toContain('boom in the scenario');
      expect(Object.fromEntries(result.cells.map((c) => [c.scenario, c.incomplete ?? 'finished']))).toEqual({ 'broken-scenario': 'fault', 'close-reopen': 'finished' });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
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
