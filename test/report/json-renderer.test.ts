// The JSON report is the model itself: it round-trips and carries the schema version.
import { describe, expect, it } from 'vitest';
import { renderJson } from '../../harness/report/index.ts';
import { RESULT_SCHEMA_VERSION } from '../../harness/run/index.ts';
import { sampleResult } from './sample-result.ts';

describe('renderJson', () => {
  it('round-trips: JSON.parse of the output equals the model', () => {
    expect(JSON.parse(renderJson(sampleResult))).toEqual(sampleResult);
  });

  it('carries the schema version first, pretty-printed, newline-terminated', () => {
    const out = renderJson(sampleResult);
    const parsed = JSON.parse(out) as { schemaVersion: unknown };
    expect(parsed.schemaVersion).toBe(RESULT_SCHEMA_VERSION);
    expect(out.startsWith(`{\n  "schemaVersion": ${RESULT_SCHEMA_VERSION},`)).toBe(true);
    expect(out.endsWith('}\n')).toBe(true);
  });

  it('keeps the counterexample trace intact (lock waits, errors, virtual time)', () => {
    const parsed = JSON.parse(renderJson(sampleResult)) as typeof sampleResult;
    const trace = parsed.cells[0]?.counterexample?.trace ?? [];
    expect(trace).toHaveLength(20);
    expect(trace.find((s) => s.waitedOn.length > 0)?.waitedOn).toEqual([0]);
    expect(trace.find((s) => s.result.startsWith('ERR'))?.result).toBe('ERR 23505');
    expect(trace.at(-1)?.at).toBe(3000);
  });
});
