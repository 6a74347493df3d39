// Public face of harness/run: scenarios × layer sets × strategy → one RunResult.
export { CellHarness, MAX_FAULT_RETRIES, PRICES, cellStrategy, failedCell, runCell, replayCommand } from './cell-runner.ts';
export type { CellOptions, CellTask } from './cell-runner.ts';
export { runMatrix } from './run-matrix.ts';
export type { CellLane, CellWork, LaneFactory, MatrixOptions, ProgressEvent } from './run-matrix.ts';
export { CellQueue, cellKey, expectedCost } from './cell-queue.ts';
export type { CellHistory, QueuedCell } from './cell-queue.ts';
export { mergeRunResults } from './merge-results.ts';
export { runReplay } from './replay-run.ts';
export type { ReplayResult } from './replay-run.ts';
export { RESULT_SCHEMA_VERSION } from './result-model.ts';
export type { CellResult, Counterexample, Coverage, FaultRecord, LayerInfo, RunFailure, Measured, RunResult, ScenarioInfo, Verdict } from './result-model.ts';
export { judgeCell } from './cell-verdict.ts';
export type { CellVerdict, VerdictInput } from './cell-verdict.ts';
export { STRATEGIES } from './strategy-registry.ts';
export type { StrategyEntry, StrategyName, StrategyOptions } from './strategy-registry.ts';
