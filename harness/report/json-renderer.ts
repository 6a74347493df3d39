// The JSON report: the RunResult itself, pretty-printed. Its shape is the versioned schema
// (`schemaVersion`, RESULT_SCHEMA_VERSION in harness/run) that merges and other tools read.
import type { RunResult } from '../run/index.ts';

/** Renders the run as pretty JSON; `JSON.parse` of the output equals the model. */
export function renderJson(result: RunResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
