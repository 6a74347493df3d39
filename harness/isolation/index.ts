// Public face of harness/isolation: PostgreSQL isolation spec files read, run, explored and written,
// and counterexamples exported as specs and vitest tests.
export { readSpec, readSpecFile } from './spec-reader.ts';
export { writeSpec, permutationLine, specName } from './spec-writer.ts';
export { findStep } from './spec-model.ts';
export type { IsolationSpec, Permutation, PermutationBlocker, PermutationStep, SpecSession, SpecStep } from './spec-model.ts';
export { specPermutations, permutationCount } from './spec-permutations.ts';
export { analyseSpec, checkServerSupports, specBlocks } from './spec-refusals.ts';
export type { SpecBlock, SpecNeeds } from './spec-refusals.ts';
export { formatResultSet } from './result-set-format.ts';
export { renderTranscript, renderEntry } from './isolation-output.ts';
export type { QueryOutput, ResultSet, TranscriptEntry } from './isolation-transcript.ts';
export { compareWithExpected, expectedFilesBeside } from './expected-output.ts';
export type { ExpectedComparison, ExpectedFile } from './expected-output.ts';
export { SpecRunner } from './spec-runner.ts';
export type { PermutationRun } from './spec-runner.ts';
export type { TesterEnd } from './isolation-tester-strategy.ts';
export { runSpecFile, runSpecText, runWholeSpec, specOutput } from './spec-file-run.ts';
export type { SpecFileOptions, SpecFileResult } from './spec-file-run.ts';
export { exploreSpec, runPermutationSteps } from './spec-explorer.ts';
export type { ExploredOutcome, SpecExploration } from './spec-explorer.ts';
export { EXPORT_FORMATS, exportName, vitestSource, writeCounterexample } from './spec-export.ts';
export type { ExportFormat, ExportedCounterexample } from './spec-export.ts';
export { exportSpecOutcome } from './outcome-export.ts';
export { exportScenarioCounterexample } from './scenario-export.ts';
export type { ScenarioExport } from './scenario-export.ts';
export { captureScenarioSql, inlineParameters, sqlLiteral } from './scenario-sql-capture.ts';
export type { CapturedStatement, ScenarioSqlCapture } from './scenario-sql-capture.ts';
export { captureToSpec } from './counterexample-spec.ts';
