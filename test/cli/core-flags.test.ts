// The engine's flag table against what it lists on behalf of other folders.
import { describe, expect, it } from 'vitest';
import { EXPORT_FORMATS } from '../../harness/cli/core-flags.ts';
import { EXPORT_FORMATS as ISOLATION_FORMATS } from '../../harness/isolation/index.ts';

describe('the engine flag table', () => {
  it("lists the export formats the isolation code writes, no more and no fewer (read without loading it)", () => {
    expect([...EXPORT_FORMATS].sort()).toEqual([...ISOLATION_FORMATS].sort());
  });
});
