// The Python bot raced through the wire gate as process actors (bot/python/scenarios): exhaustive
// search finds the APTUSDT duplicate on the Python code itself, its counterexample replays to the
// same trace (in the long-lived runner and in a process per run), exports as an isolation spec
// that reproduces the 23505, and PCT and random sampling run on it.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closePythonRunners } from '../../../harness/gate/index.ts';
import { UrlPostgresProvider, type StartedPostgres } from '../../../harness/db/index.ts';
import { exportScenarioCounterexample } from '../../../harness/isolation/index.ts';
import { runMatrix, runReplay } from '../../../harness/run/index.ts';
import { parseReplayTarget, type TraceStep } from '../../../harness/sched/index.ts';
import { signalSync } from '../../python/scenarios/signal-sync.ts';
import { signal } from '../../python/scenarios/python-actor.ts';
import { pythonScenario } from '../../python/scenarios/python-scenario.ts';
import { loneRollback } from '../../scenarios/lone-rollback.ts';
import { defineBotScenario } from '../../scenarios/index.ts';
import { pythonUnavailable } from './python-actors.ts';

const missing = pythonUnavailable();
const DUPLICATE = 'duplicate key value violates unique constraint "idx_unique_active_position"';
let server: StartedPostgres;
let dir: string;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
  await mkdir('.tmp', { recursive: true });
  dir = resolve(await mkdtemp(join('.tmp', 'pybot-')));
});
afterAll(async () => {
  closePythonRunners();
  delete process.env['POSITION_BOT_LAUNCH'];
  await rm(dir, { recursive: true, force: true });
});

// A lone Signal whose stop-loss response is lost on the way (the exchange placed the stop): the
// exchange's HTTP face hands the gate a network error, and the program sees its connection closed.
const { plugin: _plugin, description: _description, ...rollback } = loneRollback;
const lostStopLoss = defineBotScenario({
  ...rollback,
  name: 'lost-stop-loss',
  title: 'A lone Signal whose stop-loss response is lost',
  setup: async (ctx) => {
    ctx.exchange.injectFault({ exchange: 'binance', operation: 'placeStopLoss', fault: { kind: 'lost-response' } });
  },
  check: () => [],
});
const lostStopLossPython = pythonScenario(lostStopLoss, (env) => [signal('signal', 'XRPUSDT', 'binance', env)]);

// asyncpg names its prepared statements from a counter of the interpreter (__asyncpg_stmt_2a__):
// a long-lived runner's names go on from run to run. Everything else is the same.
const line = (t: TraceStep) => `${t.actor}:${t.kind}:${t.label}:${t.detail.replace(/__asyncpg_stmt_[0-9a-f]+__/g, '__asyncpg_stmt_N__')}:${t.result}`;
const search = (strategy: 'exhaustive' | 'pct' | 'random', budget: number) =>
  runMatrix({ scenarios: [signalSync], layers: ['baseline'], server, strategy, strategyOptions: { budget, seed: 1, depth: 2, reduce: true }, workers: 1, hangTimeoutMs: 15_000 });

describe.skipIf(missing)(`the Python bot through the gate${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 600_000 }, () => {
  let replay = '';
  let steps: string[] = [];

  it('exhaustive search finds the duplicate on signal-sync @ baseline (Python code, runner)', async () => {
    process.env['POSITION_BOT_LAUNCH'] = 'runner';
    const cell = (await search('exhaustive', 40)).cells[0];
    expect(cell?.verdictReason).not.toMatch(/could not run|internal error/);
    expect(cell?.verdict).toBe('violated');
    const cx = cell?.counterexample;
    expect(cx?.violations.map((v) => v.invariant)).toContain('no-unhandled-db-error');
    replay = cx?.replay ?? '';
    steps = cx?.trace.map(line) ?? [];
    // Wire-level steps as SQL with their parameter values, on the program's lanes.
    expect(cx?.trace.some((t) => t.kind === 'sql' && /INSERT INTO monitoring\.positions/.test(t.detail) && /'APTUSDT'/.test(t.detail))).toBe(true);
  });

  for (const launch of ['runner', 'runner', 'process'] as const) {
    it(`its schedule replays to the same trace (${launch})`, async () => {
      expect(replay).not.toBe('');
      process.env['POSITION_BOT_LAUNCH'] = launch;
      const r = await runReplay(server, signalSync, 'baseline', parseReplayTarget(replay).schedule);
      expect(r.run.trace.map(line)).toEqual(steps);
      expect(r.violations.map((v) => v.invariant)).toContain('no-unhandled-db-error');
    });
  }

  it('its counterexample exports as an isolation spec that reproduces the 23505', async () => {
    process.env['POSITION_BOT_LAUNCH'] = 'runner';
    const r = await exportScenarioCounterexample(server, signalSync, 'baseline', parseReplayTarget(replay).schedule, ['spec'], dir);
    expect(r.reproduced).toBe(r.statements);
    const out = await readFile(join(dir, 'signal-sync-baseline.out'), 'utf8');
    expect(out).toContain(DUPLICATE);
  });

  it('a lost response over the HTTP gate ends the Python Signal as it ends the TypeScript one: a network error, rolled back', async () => {
    process.env['POSITION_BOT_LAUNCH'] = 'runner';
    const common = { layers: ['baseline'], server, strategy: 'exhaustive' as const, strategyOptions: { budget: 50, seed: 1, depth: 2, reduce: true }, workers: 1, hangTimeoutMs: 15_000 };
    const [py, ts] = [(await runMatrix({ ...common, scenarios: [lostStopLossPython] })).cells[0], (await runMatrix({ ...common, scenarios: [lostStopLoss] })).cells[0]];
    const outcomes = (c: typeof py) => (c?.distinctOutcomes ?? []).map((o) => `${o.actors} | ${o.state}`);
    expect(outcomes(py)).toHaveLength(1);
    expect(outcomes(py)[0]).toContain('(HTTP 0, NETWORK)');
    expect(outcomes(py)).toEqual(outcomes(ts));
  });

  it('PCT and random sampling run on it', async () => {
    process.env['POSITION_BOT_LAUNCH'] = 'runner';
    for (const strategy of ['pct', 'random'] as const) {
      const cell = (await search(strategy, 6)).cells[0];
      expect(cell?.schedules).toBe(6);
      expect(cell?.outcomes.completed).toBe(6);
    }
  });
});
