// Shards of one matrix (worker processes, or machines with --shard) merge into one RunResult,
// in matrix order, with totals recomputed; overlapping or foreign results are refused.
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../harness/errors/index.ts';
import { RESULT_SCHEMA_VERSION, mergeRunResults, type RunResult } from '../../harness/run/index.ts';
import { sampleResult } from '../report/sample-result.ts';

function shard(result: RunResult, keep: (i: number) => boolean, workers = 1): RunResult {
  const cells = result.cells.filter((_, i) => keep(i));
  return { ...result, options: { ...result.options, workers }, cells, totals: { ...result.totals, cells: cells.length } };
}

describe('mergeRunResults', () => {
  it('puts disjoint shards back together in matrix order with recomputed totals', () => {
    const a = shard(sampleResult, (i) => i % 2 === 0);
    const b = shard(sampleResult, (i) => i % 2 === 1);
    const merged = mergeRunResults([b, a]);
    expect(merged.cells.map((c) => `${c.scenario}@${c.variant}`)).toEqual(sampleResult.cells.map((c) => `${c.scenario}@${c.variant}`));
    expect(merged.totals.cells).toBe(sampleResult.cells.length);
    expect(merged.totals.schedules).toBe(sampleResult.cells.reduce((n, c) => n + c.schedules, 0));
    expect(merged.totals.disagreements).toBe(sampleResult.cells.filter((c) => !c.agrees).length);
    expect(merged.options.workers).toBe(2);
  });

  it('refuses a cell that two shards both ran', () => {
    expect(() => mergeRunResults([sampleResult, sampleResult])).toThrow(HarnessError);
  });

  it('refuses results of another schema version, naming the file and both versions, and an empty list', () => {
    const old = { ...sampleResult, schemaVersion: 2 } as unknown as RunResult;
    expect(() => mergeRunResults([old])).toThrow(/schema version/);
    expect(() => mergeRunResults([sampleResult, old], ['shards/a.json', 'shards/b.json'])).toThrow(
      `cannot merge shards/b.json: it holds results of schema version 2, and this harness reads version ${RESULT_SCHEMA_VERSION}`,
    );
    const unversioned = { ...sampleResult, schemaVersion: undefined } as unknown as RunResult;
    expect(() => mergeRunResults([unversioned], ['old.json'])).toThrow('cannot merge old.json: it holds results of schema version (none given)');
    expect(() => mergeRunResults([])).toThrow(/nothing to merge/);
  });

  it('keeps the run’s title, its plugins’ words and the timing of whichever shard had odds', () => {
    const { timing: _timing, ...withoutTiming } = sampleResult.options;
    const a = { ...shard(sampleResult, (i) => i % 2 === 0), options: withoutTiming };
    const b = shard(sampleResult, (i) => i % 2 === 1);
    const merged = mergeRunResults([a, b]);
    expect(merged.title).toBe(sampleResult.title);
    expect(merged.words).toEqual(sampleResult.words);
    expect(merged.options.timing).toEqual(sampleResult.options.timing);
  });
});
