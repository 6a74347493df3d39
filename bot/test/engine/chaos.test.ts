// Chaos: during a real run of a few cells on two lanes, actor sessions and observer sessions are
// terminated many times (pg_terminate_backend from a side connection, at seeded-random statements
// of each scenario). The run must finish with every cell reported, the interrupted runs counted as
// `connection-lost`, and every cell's verdict identical to that of an undisturbed run.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sessionKiller, type KillTarget, type SessionKiller } from '../support/session-killer.ts';
import { UrlPostgresProvider, type StartedPostgres } from '../../../harness/db/index.ts';
import { resolveLayerSet } from '../../layers/index.ts';
import { runMatrix, type CellResult, type RunResult } from '../../../harness/run/index.ts';
import { SeededRandom } from '../../../harness/sched/index.ts';
import { SCENARIOS, type Scenario } from '../../scenarios/index.ts';

const NAMES = ['signal-sync', 'lost-update', 'close-while-opening'];
const LAYERS = ['baseline', 'recommended'];
const TARGETS: readonly KillTarget[] = ['self', 'other', 'observer'];

let server: StartedPostgres;
let killer: SessionKiller;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
  killer = await sessionKiller(inject('pgAdminUrl'));
});
afterAll(async () => {
  await killer?.close();
});

/**
 * `kills` kills spread over the `statements` a clean run of the scenario issues, each at a seeded
 * random point of its stretch and a random target (the first three cover every target).
 */
function chaosPlan(random: SeededRandom, statements: number, kills: number): Map<number, KillTarget> {
  const plan = new Map<number, KillTarget>();
  const stretch = Math.floor((statements - 4) / kills);
  for (let i = 0; i < kills; i++) {
    const at = 4 + i * stretch + random.int(Math.max(1, stretch - 2));
    plan.set(at, i < TARGETS.length ? (TARGETS[i] as KillTarget) : (TARGETS[random.int(TARGETS.length)] as KillTarget));
  }
  return plan;
}

function run(scenarios: readonly Scenario[]): Promise<RunResult> {
  return runMatrix({
    scenarios,
    layers: LAYERS,
    strategy: 'exhaustive',
    strategyOptions: { budget: 60, seed: 1, depth: 2, reduce: true },
    workers: 2,
    server,
  });
}

function verdict(c: CellResult) {
  return {
    cell: `${c.scenario}@${c.variant}`,
    measured: c.measured,
    agrees: c.agrees,
    schedules: c.schedules,
    violating: c.violating,
    complete: c.coverage.complete,
    byInvariant: c.violationsByInvariant,
    counterexample: c.counterexample?.schedule ?? null,
  };
}

describe('chaos: sessions terminated under a real run', () => {
  it('every cell is reported with the verdict of an undisturbed run; the interrupted runs are classified', async () => {
    const scenarios = NAMES.map((n) => SCENARIOS[n] as Scenario);
    // The clean run counts each scenario's statements (through a wrapper that kills nothing).
    const counted = scenarios.map((s) => killer.wrap(s, new Map()));
    const clean = await run(counted);
    const random = new SeededRandom(20_241_125);
    const plans = counted.map((s) => chaosPlan(random, killer.statementsOf(s), 6));
    const chaotic = await run(scenarios.map((s, i) => killer.wrap(s, plans[i] as Map<number, KillTarget>)));

    expect(chaotic.failure).toBeUndefined();
    expect(chaotic.cells.map(verdict)).toEqual(clean.cells.map(verdict));
    for (const c of chaotic.cells) expect(c.incomplete, `${c.scenario}@${c.variant}`).toBeUndefined();
    // Every planned kill happened, of every kind.
    const planned = plans.reduce((n, p) => n + p.size, 0);
    expect(killer.killed.self + killer.killed.other + killer.killed.observer).toBe(planned);
    for (const target of TARGETS) expect(killer.killed[target], target).toBeGreaterThanOrEqual(NAMES.length);
    // The runs they interrupted were run again, and say so.
    const lost = chaotic.cells.reduce((n, c) => n + (c.outcomes['connection-lost'] ?? 0), 0);
    expect(lost).toBeGreaterThanOrEqual(NAMES.length * 2);
    const faults = chaotic.cells.flatMap((c) => c.faults ?? []);
    expect(faults.length).toBeGreaterThanOrEqual(lost);
    expect(new Set(faults.map((f) => (f.session === 'observer' ? 'observer' : 'actor')))).toEqual(new Set(['observer', 'actor']));
    for (const f of faults) expect(f.message.length).toBeGreaterThan(0);
  });
});
