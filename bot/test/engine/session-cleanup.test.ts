// Every session is clean before every run, whatever the actor left open: a transaction begun with
// START TRANSACTION, a failed one, or locks held at the end. The next run's setup never waits on
// them; a setup that waits on a lock held outside the run ends with E_HANG within the hang limit.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harnessDatabases } from '../../../test/support/test-database.ts';
import { HarnessError } from '../../../harness/errors/index.ts';
import { resolveLayerSet } from '../../layers/index.ts';
import { CellHarness } from '../../../harness/run/index.ts';
import { openBotCell } from '../../plugin/index.ts';
import { ABANDON, ExhaustiveStrategy, type ActorSpec, type Strategy } from '../../../harness/sched/index.ts';
import { defineScenario, type Scenario } from '../../scenarios/index.ts';
import type { HarnessDatabase, HarnessDatabases } from '../../../harness/db/index.ts';

const ROW = `INSERT INTO monitoring.positions (symbol, exchange, side, quantity, entry_price, status) VALUES ('APTUSDT', 'binance', 'long', 1, 10, 'active')`;

/** An actor that leaves what `statements` open, and ends without COMMIT or ROLLBACK. */
function leaver(name: string, statements: readonly string[]): ActorSpec {
  return {
    name,
    run: async ({ sql }) => {
      for (const text of statements) await sql.query(text).catch(() => undefined);
      return 'left open';
    },
  };
}

function scenario(name: string, actors: readonly ActorSpec[]): Scenario {
  return defineScenario({
    name,
    title: name,
    plan: 'test',
    // Updates the row the actors locked: it waits forever if their transaction was left open.
    setup: async (ctx) => {
      await ctx.sql(ROW);
      await ctx.sql(`UPDATE monitoring.positions SET quantity = 1 WHERE symbol = 'APTUSDT'`);
    },
    actors: () => actors,
    expect: { default: 'holds' },
  });
}

let dbs: HarnessDatabases;
let template: HarnessDatabase;
let harness: CellHarness;
const layerSet = resolveLayerSet('baseline');
const env = { policy: layerSet.policy, layerSet };

beforeAll(async () => {
  dbs = await harnessDatabases();
  template = await dbs.createTemplate('cleanup', layerSet.sqlFiles);
  harness = await CellHarness.open(dbs, template, (clock) => openBotCell(layerSet, clock), { hangTimeoutMs: 500 });
});
afterAll(async () => {
  await harness?.close();
  await dbs.drop(template);
});

async function runTwice(s: Scenario): Promise<void> {
  for (let i = 0; i < 2; i++) {
    await harness.prepare(s);
    const strategy = new ExhaustiveStrategy({ budget: 1 });
    strategy.beginRun();
    const run = await harness.scheduler.run(s.actors(env), strategy);
    expect(run.outcome).toBe('completed');
  }
}

describe('a session is clean before every run', () => {
  it.each([
    ['START TRANSACTION', ['START TRANSACTION', `UPDATE monitoring.positions SET quantity = 2 WHERE symbol = 'APTUSDT'`]],
    ['lower-case begin after a comment', ['/* leave it open */ begin', `SELECT * FROM monitoring.positions FOR UPDATE`]],
    ['a failed transaction', ['BEGIN ISOLATION LEVEL SERIALIZABLE', `UPDATE monitoring.positions SET quantity = 3 WHERE symbol = 'APTUSDT'`, 'SELECT 1/0']],
  ] as const)('after %s left open, the next setup runs and the change is gone', async (what, statements) => {
    const s = scenario(`left-${what.replace(/[^a-z]+/gi, '-').toLowerCase()}`, [leaver('leaver', statements)]);
    await runTwice(s);
    const r = await harness.scheduler.observer.query<{ quantity: string }>(`SELECT quantity FROM monitoring.positions`);
    expect(r.rows.map((x) => Number(x.quantity))).toEqual([1]);
  });

  it('a setup waiting on a lock held outside the run ends with E_HANG, and the next setup works', async () => {
    const s = scenario('outside-lock', [leaver('reader', ['SELECT 1'])]);
    const outsider = new pg.Client({ connectionString: harness.db.url });
    await outsider.connect();
    try {
      await outsider.query('BEGIN');
      await outsider.query('LOCK TABLE monitoring.positions IN ACCESS EXCLUSIVE MODE');
      const error = await harness.prepare(s).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HarnessError);
      expect((error as HarnessError).code).toBe('E_HANG');
      expect((error as HarnessError).message).toContain('hang limit (500 ms)');
      await outsider.query('ROLLBACK');
    } finally {
      await outsider.end();
    }
    await runTwice(s);
  });

  it('an actor stopped while it holds a session-level advisory lock leaves no lock to the next run', async () => {
    // The locker takes pg_advisory_lock and would unlock in its finally; the run ends before that.
    const locker: ActorSpec = {
      name: 'locker',
      run: async ({ sql }) => {
        await sql.query('SELECT pg_advisory_lock(42)');
        try {
          await sql.query('SELECT 1');
        } finally {
          await sql.query('SELECT pg_advisory_unlock(42)');
        }
      },
    };
    const s = scenario('stopped-locker', [locker]);
    // Lets the first step run, then ends the run: the actor unwinds without reaching its unlock.
    const stopAfterOne: Strategy = {
      name: 'stop-after-one',
      beginRun: () => true,
      next: (_options, step) => (step === 0 ? 0 : ABANDON),
      endRun: () => undefined,
      stats: () => ({ strategy: 'stop-after-one', runs: 1 }),
    };
    await harness.prepare(s);
    const stopped = await harness.scheduler.run(s.actors(env), stopAfterOne);
    expect(stopped.outcome).toBe('abandoned');
    const held = await harness.scheduler.observer.query<{ n: string }>(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 42`);
    expect(Number(held.rows[0]?.n)).toBe(0);
    await runTwice(s);
  });

  it('an actor that finishes still holding a session-level advisory lock leaves no lock to the next run', async () => {
    const keeper = leaver('keeper', ['SELECT pg_advisory_lock(43)']);
    const s = scenario('finished-keeper', [keeper]);
    await runTwice(s);
    const held = await harness.scheduler.observer.query<{ n: string }>(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 43`);
    expect(Number(held.rows[0]?.n)).toBe(0);
  });
});
