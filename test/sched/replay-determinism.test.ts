// Every schedule replays exactly, on plain SQL actors (the engine's own property; the bot's
// scenarios are checked the same way under bot/test): any choice array fast-check draws gives a
// run whose recorded schedule, replayed from the same start, reproduces the same trace — lock
// waits, deadlock victims and the final rows included.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../harness/errors/index.ts';
import { ChoiceStrategy, ExhaustiveStrategy, ReplayStrategy, Schedule, type ActorSpec, type ScheduleRun, type Strategy } from '../../harness/sched/index.ts';
import { useScheduler } from './sched-fixtures.ts';

const scheduler = useScheduler(async (client) => {
  await client.query('CREATE TABLE account (id int PRIMARY KEY, balance int NOT NULL)');
  await client.query('CREATE TABLE transfer (id serial PRIMARY KEY, from_id int, to_id int, amount int)');
});

/** Moves `amount` from one account to another, locking the rows in the order given: two transfers in opposite orders can deadlock. */
function transfer(name: string, from: number, to: number, amount: number): ActorSpec {
  return {
    name,
    run: async ({ sql }) => {
      await sql.query('BEGIN');
      try {
        const { rows } = await sql.query<{ balance: number }>('SELECT balance FROM account WHERE id = $1 FOR UPDATE', [from]);
        if ((rows[0]?.balance ?? 0) < amount) {
          await sql.query('ROLLBACK');
          return 'refused';
        }
        await sql.query('UPDATE account SET balance = balance - $2 WHERE id = $1', [from, amount]);
        await sql.query('UPDATE account SET balance = balance + $2 WHERE id = $1', [to, amount]);
        await sql.query('INSERT INTO transfer (from_id, to_id, amount) VALUES ($1, $2, $3)', [from, to, amount]);
        await sql.query('COMMIT');
        return 'moved';
      } catch (e) {
        await sql.query('ROLLBACK');
        return `failed ${(e as { code?: string }).code ?? ''}`;
      }
    },
  };
}

/** Reads both balances without locks: what it sees depends on the interleaving. */
const auditor: ActorSpec = {
  name: 'auditor',
  run: async ({ sql }) => {
    const { rows } = await sql.query<{ total: number }>('SELECT sum(balance)::int AS total FROM account');
    return rows[0]?.total ?? null;
  },
};

const actors = [transfer('a-to-b', 1, 2, 30), transfer('b-to-a', 2, 1, 50), auditor];

function comparable(run: ScheduleRun) {
  return run.trace.map(({ step, actor, kind, label, detail, values, result, at, waitedOn }) => ({ step, actor, kind, label, detail, values, result, at, waitedOn: [...waitedOn] }));
}

async function runOnce(strategy: Strategy, begin = true) {
  await scheduler.observer.query('TRUNCATE account, transfer RESTART IDENTITY');
  await scheduler.observer.query('INSERT INTO account VALUES (1, 100), (2, 100)');
  if (begin) strategy.beginRun();
  const run = await scheduler.run(actors, strategy);
  strategy.endRun(run.schedule.choices.length);
  const rows = (await scheduler.observer.query('SELECT a.id, a.balance, (SELECT count(*)::int FROM transfer) AS transfers FROM account a ORDER BY a.id')).rows;
  return { run, rows };
}

describe('replaying schedules of SQL actors', () => {
  it('any generated choice array replays to the identical trace and final rows', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: 3 }), { maxLength: 30 }), async (choices) => {
        const first = await runOnce(new ChoiceStrategy(choices));
        const again = await runOnce(new ReplayStrategy(first.run.schedule));
        expect(again.run.schedule.toString()).toBe(first.run.schedule.toString());
        expect(comparable(again.run)).toEqual(comparable(first.run));
        expect(again.run.outcome).toBe(first.run.outcome);
        expect(again.run.actors).toEqual(first.run.actors);
        expect(again.run.blockedSteps).toBe(first.run.blockedSteps);
        expect(again.rows).toEqual(first.rows);
      }),
      { numRuns: 20 },
    );
  });

  it('exhaustive schedules with lock waits and deadlocks replay to identical runs, and their strings parse back', async () => {
    const search = new ExhaustiveStrategy({ budget: 40 });
    let blocked = 0;
    let deadlocked = 0;
    while (search.beginRun()) {
      const first = await runOnce(search, false);
      if (first.run.outcome === 'abandoned') continue;
      const again = await runOnce(new ReplayStrategy(Schedule.parse(first.run.schedule.toString())));
      expect(comparable(again.run)).toEqual(comparable(first.run));
      expect(again.run.actors).toEqual(first.run.actors);
      expect(again.rows).toEqual(first.rows);
      if (first.run.blockedSteps > 0) blocked++;
      if (JSON.stringify(first.run.actors).includes('40P01')) deadlocked++;
    }
    expect(blocked).toBeGreaterThan(0);
    expect(deadlocked).toBeGreaterThan(0);
  });

  it('a schedule that picks an actor that cannot run there fails with E_SCHEDULE_DIVERGED, and the scheduler goes on', async () => {
    const noSuchActor = await runOnce(new ReplayStrategy(Schedule.parse('0-7'))).catch((e: unknown) => e);
    expect(noSuchActor).toBeInstanceOf(HarnessError);
    expect(noSuchActor).toMatchObject({ code: 'E_SCHEDULE_DIVERGED' });
    expect((noSuchActor as Error).message).toContain('picks actor 7 at step 1');
    const tooShort = await runOnce(new ReplayStrategy(Schedule.parse('0'))).catch((e: unknown) => e);
    expect(tooShort).toMatchObject({ code: 'E_SCHEDULE_DIVERGED' });
    const after = await runOnce(new ChoiceStrategy([]));
    expect(after.run.outcome).toBe('completed');
  });
});
