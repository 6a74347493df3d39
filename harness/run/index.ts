// Public face of harness/run: scenarios × layer sets × strategy → one RunResult.
export { CellHarness, runCell, replayCommand } from './cell-runner.ts';
export type { CellOptions, CellTask } from './cell-runner.ts';
export { runMatrix } from './run-matrix.ts';
export type { MatrixOptions, ProgressEvent } from './run-matrix.ts';
export { mergeRunResults } from './merge-results.ts';
export { runReplay } from './replay-run.ts';
export type { ReplayResult } from './replay-run.ts';
export { RESULT_SCHEMA_VERSION } from './result-model.ts';
export type { Ablation, AblationRow, Odds, CellResult, Counterexample, Coverage, LayerInfo, Measured, RunResult, ScenarioInfo } from './result-model.ts';
export { ablationLayerSets, ablationSetNames, computeAblation } from './ablation.ts';
export { estimateOdds, oddsOf, signalCount, wilsonInterval, withOddsAgainstBaseline } from './odds.ts';
export type { OddsOptions } from './odds.ts';
export { STRATEGIES } from './strategy-registry.ts';
export type { StrategyEntry, StrategyName, StrategyOptions } from './strategy-registry.ts';
