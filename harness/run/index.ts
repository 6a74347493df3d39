// Public face of harness/run: scenarios × layer sets × strategy → one RunResult.
export { CellHarness, runCell, replayCommand } from './cell-runner.ts';
export type { CellOptions, CellTask } from './cell-runner.ts';
export { matrixTasks, runMatrix } from './run-matrix.ts';
export type { MatrixOptions, ProgressEvent } from './run-matrix.ts';
export { mergeRunResults } from './merge-results.ts';
export { runReplay } from './replay-run.ts';
export type { ReplayResult } from './replay-run.ts';
export { RESULT_SCHEMA_VERSION } from './result-model.ts';
export type { CellResult, Counterexample, Coverage, DistinctOutcome, LayerInfo, Measured, RunResult, ScenarioInfo } from './result-model.ts';
export { STRATEGIES } from './strategy-registry.ts';
export type { StrategyEntry, StrategyName, StrategyOptions } from './strategy-registry.ts';
export { compareExpected, describeOutcome, expectedPath, readExpected, renderComparisons, searchOf, updateExpected, verdictOf } from './expected-outcomes.ts';
export type { Comparison, ExpectedFile, ExpectedVariant, Verdict } from './expected-outcomes.ts';
