// Public face of harness/sched: the engine, its strategies and schedules.
export { Scheduler, RunEndedError } from './engine.ts';
export type { ActorPorts, ActorSpec, EngineOptions, RealtimeOptions, ScheduleRun } from './engine.ts';
export { ExhaustiveStrategy } from './exhaustive-strategy.ts';
export type { ExhaustiveOptions } from './exhaustive-strategy.ts';
export { PctStrategy } from './pct-strategy.ts';
export { RandomStrategy } from './random-strategy.ts';
export { ChoiceStrategy, ReplayStrategy, SegmentStrategy } from './replay-strategy.ts';
export { Schedule, formatReplayTarget, parseReplayTarget } from './schedule.ts';
export type { ReplayTarget } from './schedule.ts';
export { SeededRandom } from './seeded-random.ts';
export { ABANDON, independent } from './strategy.ts';
export type { ActorView, StepKind, Strategy, StrategyStats } from './strategy.ts';
export { actorError, compactSql, rowsPreview, sqlStateOf } from './trace.ts';
export { ActorFailure } from './actor-failure.ts';
export { SQL_ACTOR_ROW_CAP, isSqlActor, sqlActor, sqlActorRecords, sqlStepMismatches } from './sql-actor.ts';
export type { SqlActorOptions, SqlActorResult, SqlActorSpec, SqlStep, SqlStepRecord } from './sql-actor.ts';
export { SQLSTATE_CLASSES, assertSqlStatePattern, matchesSqlState } from './sql-state.ts';
export type { ActorOutcome, RunOutcome, TraceStep } from './trace.ts';
