// Production odds on a real cell: the `simulate` strategy and the odds pass run the bot's
// scenario through its plugin's simulation hooks (the Sync is periodic, the Signals are counted,
// the timing model's settlement is the one the bot sleeps) against the real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMING_MODEL, botVariant, type BotOptions, type TimingModel } from '../../plugin/index.ts';
import type { HarnessDatabase, HarnessDatabases } from '../../../harness/db/index.ts';
import { resolveLayerSet } from '../../layers/index.ts';
import { runCell, type CellResult } from '../../../harness/run/index.ts';
import { SCENARIOS, type Scenario } from '../../scenarios/index.ts';
import { harnessDatabases } from '../../../test/support/test-database.ts';

const signalSync = SCENARIOS['signal-sync'] as Scenario;
const baseline = resolveLayerSet('baseline');
let dbs: HarnessDatabases;
let template: HarnessDatabase;

beforeAll(async () => {
  dbs = await harnessDatabases();
  template = await dbs.createTemplate('odds', baseline.sqlFiles);
});
afterAll(async () => {
  await dbs.drop(template);
});

/** A Sync every 10 s, and the Signal's settlement sleep `settlementMs` long. */
const timing = (settlementMs: number): TimingModel => ({ ...DEFAULT_TIMING_MODEL, periodicIntervalMs: 10_000, settlementMs });

/** The timing model reaches the cell as the bot's options (what its flags set). */
function cell(strategy: 'simulate' | 'exhaustive', budget: number, options: { timing?: TimingModel; odds?: TimingModel } = {}): Promise<CellResult> {
  const bot: BotOptions = { timing: options.timing ?? options.odds ?? DEFAULT_TIMING_MODEL };
  return runCell(dbs, { scenario: signalSync, variant: botVariant(baseline), template }, {
    strategy,
    strategyOptions: { budget, seed: 3, depth: 2, reduce: true },
    pluginOptions: { bot },
    ...(options.odds ? { odds: { runs: 40, seed: 3 } } : {}),
  });
}

describe('production odds on signal-sync @ baseline', () => {
  it('--strategy simulate: every run is a simulation, the odds count the one Signal, and a longer settlement is a wider window', async () => {
    const short = await cell('simulate', 40, { timing: timing(100) });
    const long = await cell('simulate', 40, { timing: timing(9_000) });
    for (const c of [short, long]) expect(c.odds).toMatchObject({ runs: 40, counted: 1, seed: 3 });
    // With a 9 s settlement most Sync passes of a 10 s cycle land in the Signal's window.
    expect(long.odds?.p ?? 0).toBeGreaterThan(short.odds?.p ?? 1);
    expect(long.odds?.low ?? 0).toBeGreaterThan(0.5);
  });

  it('the odds pass after an exhaustive search keeps the search and adds the odds of the timing model asked for', async () => {
    const searched = await cell('exhaustive', 5000, { odds: timing(9_000) });
    expect(searched.verdict).toBe('violated');
    expect(searched.coverage.complete).toBe(true);
    // The settlement differs from the bot's 3 s: the odds ran on a variant of their own.
    expect(searched.odds).toMatchObject({ runs: 40, counted: 1 });
    expect(searched.odds?.low ?? 0).toBeGreaterThan(0.5);
    const same = await cell('exhaustive', 5000, { odds: timing(DEFAULT_TIMING_MODEL.settlementMs) });
    expect(same.schedules).toBe(searched.schedules);
    expect(same.odds?.p ?? 1).toBeLessThan(searched.odds?.p ?? 0);
  });
});
