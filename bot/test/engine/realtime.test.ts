// `realtime`, the naive baseline: no gates, real concurrency, sleeps scaled down. Its runs finish
// and are traced, and the same bot flows run unchanged on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../scenarios/index.ts';
import { harnessDatabases } from '../../../test/support/test-database.ts';
import { botCell, type BotCell } from '../support/bot-cell.ts';

describe('realtime runs', () => {
  let cell: BotCell;

  beforeAll(async () => {
    cell = await botCell(await harnessDatabases(), 'baseline');
  });
  afterAll(async () => {
    await cell?.close();
  });

  it('run the Signal + Sync flows concurrently to completion, with every step traced', async () => {
    const scenario = SCENARIOS['signal-sync'];
    if (!scenario) throw new Error('signal-sync missing');
    const actors = scenario.actors(cell.env);
    for (let i = 0; i < 5; i++) {
      await cell.harness.prepare(scenario);
      const run = await cell.harness.scheduler.runRealtime(actors, { sleepScale: 0 });
      expect(run.outcome).toBe('completed');
      expect(run.actors.every((a) => a.status !== 'unfinished')).toBe(true);
      const labels = run.trace.map((s) => s.label);
      expect(labels).toContain('createPosition:insert');
      expect(labels).toContain('listPositions');
      expect(run.trace.every((s) => s.result !== 'pending')).toBe(true);
    }
  });
});
