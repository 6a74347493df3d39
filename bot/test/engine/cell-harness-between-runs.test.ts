// Between runs: CellHarness.inspect({ reset: true }) reads the run's state and empties the tables in
// one round trip (what it reports is the state before the reset, and the next run starts from
// scratch); and the tables of a long cell are vacuumed, so they do not grow with every run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplayStrategy, Schedule } from '../../../harness/sched/index.ts';
import { SCENARIOS, defineScenario, type Scenario } from '../../scenarios/index.ts';
import { harnessDatabases } from '../../../test/support/test-database.ts';
import { botCell, type BotCell } from '../support/bot-cell.ts';

const scenario = SCENARIOS['signal-sync'] as Scenario;
// Signal activates its row while Sync, which saw none active, inserts a second: Sync fails with 23505.
const duplicate = Schedule.parse('0x11-1x5-0-1x2');

describe('CellHarness between runs', () => {
  let cell: BotCell;
  beforeAll(async () => {
    cell = await botCell(await harnessDatabases(), 'baseline');
  });
  afterAll(async () => {
    await cell?.close();
  });

  async function runOnce(reset: boolean) {
    const actors = scenario.actors(cell.env);
    await cell.harness.prepare(scenario);
    const strategy = new ReplayStrategy(duplicate);
    strategy.beginRun();
    const run = await cell.harness.scheduler.run(actors, strategy);
    const checked = await cell.harness.inspect(scenario, run, actors, { reset });
    const left = await cell.harness.scheduler.observer.query<{ positions: number; history: number }>(
      'SELECT (SELECT count(*)::int FROM monitoring.positions) AS positions, (SELECT count(*)::int FROM monitoring.position_history) AS history',
    );
    return { run, ...checked, positions: checked.finalTables.find((t) => t.name === 'monitoring.positions')?.rows, left: left.rows[0] };
  }

  it('reports the state before the reset, leaves empty tables, and the next run is the same run', async () => {
    const plain = await runOnce(false);
    expect(plain.positions?.map((r) => [r['id'], r['status']])).toEqual([[1, 'active']]);
    expect(plain.violations.map((v) => v.invariant)).toEqual(['no-unhandled-db-error']);
    expect(plain.left).toEqual({ positions: 1, history: 4 });

    const withReset = await runOnce(true);
    expect(withReset.positions).toEqual(plain.positions);
    expect(withReset.violations).toEqual(plain.violations);
    expect(withReset.left).toEqual({ positions: 0, history: 0 });

    // Ids start at 1 again: the sequences were restarted with the tables.
    const next = await runOnce(true);
    expect(next.run.trace).toEqual(plain.run.trace);
    expect(next.positions).toEqual(plain.positions);
  });

  it('keeps a long cell\'s tables small: emptied rows do not pile up over hundreds of runs', async () => {
    // Each run inserts 50 rows (setup) and reads them (one actor); prepare deletes them again.
    const filler = defineScenario({
      name: 'filler',
      title: 'rows in, rows out',
      plan: 'none',
      setup: async (ctx) => {
        await ctx.sql(`INSERT INTO monitoring.positions (symbol, exchange, side, quantity, status)
          SELECT 'S' || g, 'binance', 'long', 1, 'active' FROM generate_series(1, 50) g`);
      },
      actors: () => [{ name: 'reader', run: ({ sql }) => sql.query('SELECT count(*) FROM monitoring.positions') }],
      expect: { default: 'holds' },
    });
    const size = async () => {
      const r = await cell.harness.scheduler.observer.query<{ pages: number }>(`SELECT pg_relation_size('monitoring.positions') / 8192 AS pages`);
      return Number(r.rows[0]?.pages);
    };
    for (let i = 0; i < 450; i++) {
      await cell.harness.prepare(filler);
      const strategy = new ReplayStrategy(Schedule.parse('0'));
      strategy.beginRun();
      await cell.harness.scheduler.run(filler.actors(cell.env), strategy);
    }
    // Emptied rows leave dead tuples that nothing prunes here: without vacuum the file grows by
    // about 9 pages every 50 runs (44 pages after 250 runs, 78 after 450). A vacuum every 200 runs
    // frees them all, so the file never holds more than one window's growth (about 35 pages).
    // The bound sits between the two, with room for a busy machine.
    // Whether VACUUM also cuts the freed pages off the end of the file depends on a lock it takes
    // only when free (usually it does, down to 1 page), so the size at each point is not pinned.
    expect(await size()).toBeLessThan(60);
  });
});
