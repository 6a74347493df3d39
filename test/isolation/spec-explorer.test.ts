// Exploring a spec beyond its listed permutations: every interleaving, grouped by outcome, each
// with a permutation line that reaches it; a new outcome exported as a spec that reads back and
// runs to the same output (round trip).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExhaustiveStrategy, PctStrategy } from '../../harness/sched/index.ts';
import { exploreSpec, exportSpecOutcome, permutationLine, readSpec, readSpecFile, runPermutationSteps, runSpecText, SpecRunner, specPermutations, type PermutationRun } from '../../harness/isolation/index.ts';
import { suiteServer } from './spec-server.ts';

describe('exploring write-skew.spec', () => {
  let runner: SpecRunner;
  let listed: PermutationRun[];
  let dir: string;
  beforeAll(async () => {
    const spec = await readSpecFile('fixtures/specs/write-skew.spec');
    runner = await SpecRunner.open(spec, await suiteServer());
    listed = [];
    for (const p of specPermutations(spec)) listed.push(await runner.runPermutation(p.steps));
    dir = await mkdtemp(join(tmpdir(), 'prh-explore-'));
  });
  afterAll(async () => {
    await runner.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs all 20 interleavings and finds the write skew no listed permutation reaches', async () => {
    const e = await exploreSpec(runner, new ExhaustiveStrategy({ reduce: false }), listed, 500);
    expect(e.runs).toBe(20);
    expect(e.stats.complete).toBe(true);
    expect(e.outcomes.map((o) => [o.runs, o.listed])).toEqual([
      [4, true],
      [12, false],
      [4, true],
    ]);
    const skew = e.outcomes.find((o) => !o.listed);
    if (!skew) throw new Error('no new outcome');
    expect(skew.signature).toContain('teardown: name|on_duty = ann|f; bob|f');
    expect(permutationLine(runPermutationSteps(e.spec, skew.first))).toBe('permutation ann_begin ann_leave bob_begin bob_leave ann_commit bob_commit');

    // Exported, read back and run: the same output, which shows both operators gone.
    const files = await exportSpecOutcome(e.spec, skew, 1, ['spec', 'vitest'], dir);
    expect(files.map((f) => f.replace(dir, ''))).toEqual(['/write-skew-outcome-1.spec', '/write-skew-outcome-1.out', '/write-skew-outcome-1.test.ts']);
    const text = await readFile(join(dir, 'write-skew-outcome-1.spec'), 'utf8');
    const out = await readFile(join(dir, 'write-skew-outcome-1.out'), 'utf8');
    expect(readSpec(text).permutations).toHaveLength(1);
    const again = await runSpecText(text, await suiteServer(), 'write-skew-outcome-1.spec');
    expect(again.output).toBe(out);
    expect(out).toContain('ann |f      \nbob |f      \n(2 rows)');
    const test = await readFile(join(dir, 'write-skew-outcome-1.test.ts'), 'utf8');
    expect(test).toContain("import { chooseProvider, runSpecText, type StartedPostgres } from 'position-race-harness';");
    expect(test).toContain('expect(output).toBe(EXPECTED)');
  });

  it('finds the same outcomes with partial-order reduction, in fewer runs', async () => {
    const all = await exploreSpec(runner, new ExhaustiveStrategy({ reduce: false }), listed, 500);
    const reduced = await exploreSpec(runner, new ExhaustiveStrategy(), listed, 500);
    expect(reduced.stats).toMatchObject({ complete: true, reduction: 'dpor' });
    expect(reduced.runs).toBeLessThan(all.runs);
    expect(new Set(reduced.outcomes.map((o) => o.signature))).toEqual(new Set(all.outcomes.map((o) => o.signature)));
  });

  it('samples interleavings with PCT within its budget', async () => {
    const e = await exploreSpec(runner, new PctStrategy(7, 6, 2), listed, 6);
    expect(e.runs).toBe(6);
    expect(e.stats.pctBound?.n).toBe(2);
    expect(e.outcomes.reduce((n, o) => n + o.runs, 0)).toBe(6);
  });
});

describe('exploring a spec whose steps can block for good', () => {
  it('reports interleavings where a blocked step waits on a session with no step left, without waiting for them', async () => {
    // b's UPDATE waits for a's transaction, which only a's teardown would end.
    const spec = readSpec(
      `setup { DROP TABLE IF EXISTS t; CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1); }
session a
step a_begin { BEGIN; }
step a_upd { UPDATE t SET id = 1; }
teardown { COMMIT; }
session b
step b_upd { UPDATE t SET id = 1; }`,
      'stuck.spec',
    );
    const runner = await SpecRunner.open(spec, await suiteServer());
    try {
      const e = await exploreSpec(runner, new ExhaustiveStrategy({ reduce: false }), [], 100);
      expect(e.runs).toBe(3);
      const stuck = e.outcomes.filter((o) => o.stuck);
      expect(stuck.map((o) => permutationLine(runPermutationSteps(spec, o.first)))).toEqual(['permutation a_begin a_upd b_upd']);
      expect(stuck[0]?.first.transcript.map((t) => t.kind)).toContain('failure');
    } finally {
      await runner.close();
    }
  });
});

describe('a listed permutation that cannot complete', () => {
  it('ends at the hang limit with the line the tester would die on, and the next permutation still runs', async () => {
    // b_upd waits for a's open transaction; the permutation then asks b for another step.
    const spec = readSpec(
      `setup { DROP TABLE IF EXISTS t; CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1); }
session a
step a_begin { BEGIN; }
step a_upd { UPDATE t SET id = 1; }
step a_commit { COMMIT; }
session b
step b_upd { UPDATE t SET id = 1; }
step b_show { SELECT id FROM t; }
permutation a_begin a_upd b_upd b_show a_commit
permutation a_begin a_upd b_upd a_commit b_show`,
      'hang.spec',
    );
    const runner = await SpecRunner.open(spec, await suiteServer(), { hangTimeoutMs: 300 });
    try {
      const [stuck, fine] = [await runner.runPermutation(spec.permutations[0]!.steps), await runner.runPermutation(spec.permutations[1]!.steps)];
      expect(stuck.end).toBe('stuck');
      // "starting permutation:" lists the permutation as written, not only the steps launched.
      expect(stuck.transcript[0]).toEqual({ kind: 'permutation', steps: ['a_begin', 'a_upd', 'b_upd', 'b_show', 'a_commit'] });
      expect(stuck.transcript.at(-1)).toEqual({ kind: 'failure', message: 'failed to complete permutation due to mutually-blocking steps' });
      expect(stuck.transcript).toContainEqual({ kind: 'step', step: 'b_upd', sql: 'UPDATE t SET id = 1;', waiting: true });
      expect(fine.end).toBe('completed');
      expect(fine.transcript).toContainEqual({ kind: 'completed', step: 'b_upd' });
    } finally {
      await runner.close();
    }
  });
});

describe('exploring a spec whose listed permutations each use some steps', () => {
  // Each listed permutation leaves out `w_note`, a step that prints nothing; exploring runs it
  // too. An outcome is what a reader sees, so the silent step does not make a listed one NEW.
  const SPEC = `
setup { CREATE TABLE t (v int); INSERT INTO t VALUES (1); }
teardown { DROP TABLE t; }
session w
step w_up { UPDATE t SET v = 2; }
step w_note { SET work_mem = '8MB'; }
session r
step r_read { SELECT v FROM t; }
permutation w_up r_read
permutation r_read w_up
`;

  it('tags no outcome NEW when each equals a listed one as printed', async () => {
    const spec = readSpec(SPEC, 'partial.spec');
    const runner = await SpecRunner.open(spec, await suiteServer());
    try {
      const listed: PermutationRun[] = [];
      for (const p of specPermutations(spec)) listed.push(await runner.runPermutation(p.steps));
      const e = await exploreSpec(runner, new ExhaustiveStrategy({ reduce: false }), listed, 50);
      expect(e.runs).toBe(3);
      expect(e.outcomes).toHaveLength(2);
      expect(e.outcomes.map((o) => o.listed)).toEqual([true, true]);
      expect(e.outcomes.map((o) => o.signature).sort()).toEqual(['step r_read: v = 1', 'step r_read: v = 2']);
    } finally {
      await runner.close();
    }
  });
});
