// Counterexamples of scenarios exported as isolation specs and vitest tests: the plan's APTUSDT
// race (Signal + Sync on the baseline, found by exhaustive search) and a SQL-only scenario. Each
// export reads back through the spec reader and runs to the same output, with the violation in
// it; the exported vitest file passes when vitest runs it.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HarnessDatabases, type StartedPostgres } from '../../../harness/db/index.ts';
import { resolveLayerSet } from '../../layers/index.ts';
import { runCell } from '../../../harness/run/index.ts';
import { botVariant } from '../../plugin/index.ts';
import { parseReplayTarget, sqlActor } from '../../../harness/sched/index.ts';
import { exportScenarioCounterexample, inlineParameters, readSpec, runSpecText } from '../../../harness/isolation/index.ts';
import { SCENARIOS, defineScenario, type Scenario } from '../../scenarios/index.ts';
import { suiteServer } from '../../../test/isolation/spec-server.ts';

const DUPLICATE = 'ERROR:  duplicate key value violates unique constraint "idx_unique_active_position"';

let server: StartedPostgres;
let dir: string;
beforeAll(async () => {
  server = await suiteServer();
  await mkdir('.tmp', { recursive: true });
  dir = resolve(await mkdtemp(join('.tmp', 'export-')));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The first counterexample exhaustive search finds for `scenario` on the baseline. */
async function firstCounterexample(scenario: Scenario): Promise<string> {
  const layerSet = resolveLayerSet('baseline');
  const dbs = await HarnessDatabases.open(server);
  try {
    const template = await dbs.createTemplate('export', layerSet.sqlFiles);
    const cell = await runCell(dbs, { scenario, variant: botVariant(layerSet), template }, { strategy: 'exhaustive', strategyOptions: { budget: 8, seed: 1, depth: 2, reduce: true } });
    if (!cell.counterexample) throw new Error(`${scenario.name}: no counterexample within 8 schedules`);
    return cell.counterexample.replay;
  } finally {
    await dbs.close();
  }
}

describe('the APTUSDT race (signal-sync @ baseline)', () => {
  it('exports as a spec and a vitest test that both reproduce the duplicate', async () => {
    const replay = await firstCounterexample(SCENARIOS['signal-sync'] as Scenario);
    const t = parseReplayTarget(replay);
    const r = await exportScenarioCounterexample(server, SCENARIOS['signal-sync'] as Scenario, 'baseline', t.schedule, ['spec', 'vitest'], dir);
    expect(r.reproduced).toBe(r.statements);
    const spec = await readFile(join(dir, 'signal-sync-baseline.spec'), 'utf8');
    const out = await readFile(join(dir, 'signal-sync-baseline.out'), 'utf8');
    // The header names what was left out; the SQL stands alone.
    expect(spec).toContain(`# Exported by the position race harness from ${replay}`);
    expect(spec).toMatch(/# {3}signal: service call placeMarketOrder, settlement sleep \(3000 ms\)/);
    expect(spec).not.toMatch(/\$\d/);
    // Round trip: read back through the reader and run, the same output, the 23505 in it.
    const again = await runSpecText(spec, server, 'signal-sync-baseline.spec');
    expect(again.output).toBe(out);
    expect(out).toContain(DUPLICATE);
    expect(readSpec(spec).sessions.map((s) => s.name)).toEqual(['signal', 'sync']);

    // The exported vitest file, run by vitest on its own (against the suite's server).
    // The exported file imports the harness by its package name: inside this repository that is
    // the package itself, read from its sources (the `prh-source` export condition).
    expect(await readFile(join(dir, 'signal-sync-baseline.test.ts'), 'utf8')).toContain("from 'position-race-harness';");
    await writeFile(join(dir, 'vitest.config.mjs'), "export default { ssr: { resolve: { conditions: ['prh-source'] } }, test: { include: ['*.test.ts'] } };\n");
    const child = spawnSync(process.execPath, [resolve('node_modules/vitest/vitest.mjs'), 'run', '--root', dir, '--config', 'vitest.config.mjs'], {
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: inject('pgAdminUrl') },
      timeout: 120_000,
    });
    expect(child.stdout + child.stderr).toMatch(/1 passed/);
    expect(child.status).toBe(0);
  });
});

describe('a SQL-only scenario', () => {
  const insertIfAbsent = (who: string) =>
    sqlActor(who, [
      'BEGIN',
      {
        sql: `INSERT INTO monitoring.positions (symbol, exchange, side, quantity, status)
              SELECT $1, $2, 'long', $3, 'pending_entry'
              WHERE NOT EXISTS (SELECT 1 FROM monitoring.positions WHERE symbol = $1 AND status <> 'closed')`,
        params: ['SQLUSDT', 'binance', 1.5],
        name: 'insert if absent',
      },
      'COMMIT',
    ]);
  const scenario = defineScenario({
    name: 'sql-check-then-insert',
    title: 'Two transactions insert a position unless one is open (READ COMMITTED)',
    plan: 'a SQL-only scenario',
    actors: () => [insertIfAbsent('first'), insertIfAbsent('second')],
    invariants: ['no-duplicate-open'],
    expect: { default: 'violates' },
  });

  it('exports its counterexample as a spec that shows both rows', async () => {
    const replay = await firstCounterexample(scenario);
    const r = await exportScenarioCounterexample(server, scenario, 'baseline', parseReplayTarget(replay).schedule, ['spec'], dir);
    expect(r.files.map((f) => f.replace(dir, ''))).toEqual(['/sql-check-then-insert-baseline.spec', '/sql-check-then-insert-baseline.out']);
    const spec = await readFile(join(dir, 'sql-check-then-insert-baseline.spec'), 'utf8');
    expect(spec).toContain("SELECT 'SQLUSDT', 'binance', 'long', 1.5, 'pending_entry'");
    const out = (await runSpecText(spec, server)).output;
    expect(out).toBe(await readFile(join(dir, 'sql-check-then-insert-baseline.out'), 'utf8'));
    expect(out).toMatch(/ 1\|SQLUSDT\|binance \|long\|1\.50000000\|pending_entry\|f +\| *\n 2\|SQLUSDT\|binance \|long\|1\.50000000\|pending_entry\|f +\| *\n\(2 rows\)/);
  });
});

describe('inlineParameters', () => {
  it('replaces $n outside quotes and comments, as literals', () => {
    expect(inlineParameters("SELECT $1, '$1', \"$2\", $2 -- $1\n, $10", ["it's", null, 3, 4, 5, 6, 7, 8, 9, true])).toBe(`SELECT 'it''s', '$1', "$2", NULL -- $1\n, true`);
    expect(inlineParameters('SELECT $1::text[], $2', [['a', 'b'], new Date(0)])).toBe("SELECT ARRAY['a', 'b']::text[], '1970-01-01T00:00:00.000Z'");
  });
});
