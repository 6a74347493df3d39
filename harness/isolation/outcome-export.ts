// Exports an outcome found by exploring a spec (one no listed permutation reaches) as a spec of
// its own: the same setup and sessions, the one permutation line that reaches it, and the
// output the isolation tester prints for it.
import type { ExploredOutcome } from './spec-explorer.ts';
import { runPermutationSteps } from './spec-explorer.ts';
import { renderTranscript } from './isolation-output.ts';
import type { IsolationSpec } from './spec-model.ts';
import { exportName, writeCounterexample, type ExportFormat } from './spec-export.ts';
import { permutationLine } from './spec-writer.ts';

export async function exportSpecOutcome(spec: IsolationSpec, outcome: ExploredOutcome, index: number, formats: readonly ExportFormat[], outDir: string): Promise<string[]> {
  const steps = runPermutationSteps(spec, outcome.first);
  const base = spec.source.replace(/^.*\//, '').replace(/\.spec$/, '');
  const line = permutationLine(steps);
  const exported: IsolationSpec = {
    ...spec,
    headerComment: [
      `Exported by the position race harness: an outcome of ${base}.spec that none of its listed`,
      `permutations reaches, found by exploring its interleavings (${outcome.runs} of them end this way).`,
      ...(spec.headerComment.length > 0 ? ['', 'The original header:', ...spec.headerComment.map((c) => `  ${c}`)] : []),
    ],
    permutations: [{ line: 0, steps }],
    warnings: [],
  };
  const output = renderTranscript([{ kind: 'parsed', sessions: spec.sessions.length }, ...outcome.first.transcript]);
  const mustContain = outcome.first.transcript.flatMap((e) => (e.kind === 'error' ? [`${e.severity}:  ${e.message}`] : []));
  return writeCounterexample({ name: exportName(base, 'outcome', String(index)), spec: exported, output, mustContain, title: `${base}.spec, ${line}` }, formats, outDir);
}
