// The package's public entry (`import ... from 'position-race-harness'`): define scenarios and a
// configuration, run them against a real PostgreSQL, read the results. The vitest API is in
// `position-race-harness/vitest`.
export { defineConfig, defineScenario, isScenario, DEFAULT_VARIANT } from './scenario/index.ts';
export type {
  CheckContext,
  CheckFailure,
  CheckResult,
  FinalTable,
  RaceConfig,
  ReportWords,
  Scenario,
  ScenarioBase,
  ScenarioDefinition,
  SchemaSource,
  SetupContext,
  SqlFn,
} from './scenario/index.ts';
export { ActorFailure, ExhaustiveStrategy, PctStrategy, RandomStrategy, ReplayStrategy, Schedule, sqlActor } from './sched/index.ts';
export type { ActorOutcome, ActorPorts, ActorSpec, RunOutcome, SqlActorOptions, SqlActorResult, SqlStep, SqlStepRecord, Strategy, TraceStep } from './sched/index.ts';
export type { ActorEnding, BuiltinCheckId, Violation } from './check/index.ts';
export { BUILTIN_CHECK_IDS } from './check/index.ts';
export type { Clock, SqlClient, SqlResult, SqlRow, SqlSession } from './ports/index.ts';
export { runMatrix, runReplay, verdictOf, STRATEGIES, RESULT_SCHEMA_VERSION } from './run/index.ts';
export type { CellResult, Counterexample, DistinctOutcome, MatrixOptions, ReplayResult, RunResult, ScenarioInfo, StrategyName, VariantInfo, Verdict } from './run/index.ts';
export { chooseProvider } from './db/index.ts';
export type { StartedPostgres } from './db/index.ts';
export { HarnessError } from './errors/index.ts';
export type { HarnessErrorCode } from './errors/index.ts';
export { closePythonRunners, programActor, pythonRunner } from './gate/index.ts';
export type { Launcher, ProgramActorDefinition, ProcessCommand, PythonRunnerOptions } from './gate/index.ts';
export { readSpec, readSpecFile, runSpecFile, runSpecText, writeSpec } from './isolation/index.ts';
export type { IsolationSpec, SpecFileOptions, SpecFileResult } from './isolation/index.ts';
