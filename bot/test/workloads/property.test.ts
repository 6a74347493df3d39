// Property runs on the real database, all six invariants over every flow the scenarios use: the
// baseline and the plan's recommended set fail and shrink to a replayable workload of at most two
// flows; proposed keeps holding on random workloads; workload names round-trip.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UrlPostgresProvider, type StartedPostgres } from '../../../harness/db/index.ts';
import { HarnessError } from '../../../harness/errors/index.ts';
import { resolveLayerSet } from '../../layers/index.ts';
import { PROPERTY_INVARIANTS, flowArbitrary, parseWorkloadName, runProperty, workloadArbitrary, workloadName, workloadScenario } from '../../workloads/index.ts';
import { runReplay } from '../../../harness/run/index.ts';
import { Schedule } from '../../../harness/sched/index.ts';

/** Runs per layer set that must hold: about 3 s each on two cores, the whole file well under a minute. */
const RUNS_THAT_HOLD = 100;

let server: StartedPostgres;
beforeAll(async () => {
  server = await new UrlPostgresProvider(inject('pgAdminUrl')).start();
});
afterAll(async () => {
  await server.stop();
});

describe('runProperty on the baseline', () => {
  it('fails, shrinks to at most 2 flows, and its replay string replays to a run with violations', async () => {
    const result = await runProperty({ server, layerSet: resolveLayerSet('baseline'), runs: 200, seed: 1 });
    expect(result.passed).toBe(false);
    expect(result.layers).toBe('baseline');
    const cx = result.counterexample;
    expect(cx).not.toBeNull();
    expect(cx?.flows).toBeLessThanOrEqual(2);
    expect(cx?.workload).toHaveLength(cx?.flows ?? -1);
    expect(cx?.replay.startsWith('prop-')).toBe(true);
    expect(cx?.command).toBe(`npm run scenarios -- --replay '${cx?.replay}'`);
    expect(cx?.violations.length).toBeGreaterThan(0);
    for (const v of cx?.violations ?? []) expect(PROPERTY_INVARIANTS).toContain(v.invariant);

    const m = /^(prop-[a-z0-9-]+)@([a-z0-9+-]+):(.+)$/.exec(cx?.replay ?? '');
    expect(m, cx?.replay).not.toBeNull();
    const [, name, layers, schedule] = m as RegExpExecArray;
    expect(layers).toBe('baseline');
    const workload = parseWorkloadName(name as string);
    expect(workload).toEqual(cx?.workload);
    const replay = await runReplay(server, workloadScenario(workload ?? []), layers as string, Schedule.parse(schedule as string));
    expect(replay.run.schedule.toString()).toBe(schedule);
    expect(replay.violations.length).toBeGreaterThan(0);
    expect(replay.violations.map((v) => v.invariant).sort()).toEqual(cx?.violations.map((v) => v.invariant).sort());
  });

  it('is deterministic for a seed: the same seed gives the same counterexample', async () => {
    const a = await runProperty({ server, layerSet: resolveLayerSet('baseline'), runs: 200, seed: 7 });
    const b = await runProperty({ server, layerSet: resolveLayerSet('baseline'), runs: 200, seed: 7 });
    expect(a.passed).toBe(false);
    expect(b.counterexample?.replay).toBe(a.counterexample?.replay);
    expect(b.runs).toBe(a.runs);
  });
});

describe('runProperty on the plan\'s recommended set', () => {
  it('fails on a workload of at most two flows, shrunk, with all six invariants checked', async () => {
    const result = await runProperty({ server, layerSet: resolveLayerSet('recommended'), runs: 200, seed: 1 });
    expect(result.passed).toBe(false);
    expect(result.error).toBeUndefined();
    expect(result.counterexample?.flows).toBeLessThanOrEqual(2);
    expect(result.counterexample?.replay.startsWith('prop-')).toBe(true);
    expect(result.counterexample?.violations.length).toBeGreaterThan(0);
  });
});

describe('runProperty on the set that holds', () => {
  it.each(['proposed'])(`%s passes ${RUNS_THAT_HOLD} random workloads and schedules`, async (id) => {
    const result = await runProperty({ server, layerSet: resolveLayerSet(id), runs: RUNS_THAT_HOLD, seed: 1 });
    expect(result.counterexample?.replay ?? null).toBeNull();
    expect(result.passed).toBe(true);
    expect(result.runs).toBe(RUNS_THAT_HOLD);
  });
});

describe('workload names', () => {
  it('workloadName and parseWorkloadName round-trip every workload', () => {
    fc.assert(
      fc.property(fc.array(flowArbitrary, { minLength: 1, maxLength: 8 }), (flows) => {
        const name = workloadName(flows);
        expect(name.startsWith('prop-')).toBe(true);
        expect(parseWorkloadName(name)).toEqual(flows);
        expect(workloadScenario(flows).name).toBe(name);
      }),
      { numRuns: 500 },
    );
  });

  it('the names of generated workloads are valid scenario names for a replay string', () => {
    fc.assert(
      fc.property(workloadArbitrary, (flows) => {
        expect(workloadName(flows)).toMatch(/^[a-z0-9][a-z0-9-]*$/);
      }),
    );
  });

  it('spells flows as the documented tokens', () => {
    expect(
      workloadName([
        { kind: 'sync', exchange: 0 },
        { kind: 'signal', symbol: 0, exchange: 1, rejectStop: true, reopen: true, held: false },
        { kind: 'close', symbol: 1, exchange: 0, held: false },
        { kind: 'add', symbol: 0, exchange: 0, held: true },
        { kind: 'signal', symbol: 1, exchange: 1, rejectStop: false, reopen: false, held: true },
      ]),
    ).toBe('prop-y0-sa1fr-cb0-qa0h-sb1h');
    expect(parseWorkloadName('prop-sa0')).toEqual([{ kind: 'signal', symbol: 0, exchange: 0, rejectStop: false, reopen: false, held: false }]);
    expect(parseWorkloadName('prop-ca1h')).toEqual([{ kind: 'close', symbol: 0, exchange: 1, held: true }]);
  });

  it('a name without the prop- prefix is not a workload', () => {
    expect(parseWorkloadName('signal-sync')).toBeNull();
    expect(parseWorkloadName('prop')).toBeNull();
  });

  it.each(['prop-', 'prop-x0', 'prop-sa2', 'prop-sc0', 'prop-y2', 'prop-sa0-', 'prop-sa0rf', 'prop-sa0hr', 'prop-SA0', 'prop-y0--sa0', 'prop-ca0f', 'prop-cb1r', 'prop-qa0f', 'prop-y0h'])('%s is malformed: E_UNKNOWN_SCENARIO naming the tokens', (name) => {
    let caught: unknown;
    try {
      parseWorkloadName(name);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(HarnessError);
    expect((caught as HarnessError).code).toBe('E_UNKNOWN_SCENARIO');
    expect((caught as HarnessError).message).toContain('tokens are y<ex>, s<sym><ex>[f][r][h], c<sym><ex>[h], q<sym><ex>[h]');
  });
});
