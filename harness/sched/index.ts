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
export { SimulateStrategy, isSyncActor } from './simulate-strategy.ts';
export { DEFAULT_TIMING_MODEL, TIMING_PARAMETERS, logNormal, parseTimingModel } from './timing-model.ts';
export type { TimingModel, TimingParameter } from './timing-model.ts';
export { ABANDON, independent } from './strategy.ts';
export type { ActorView, StepKind, Strategy, StrategyStats } from './strategy.ts';
export { actorError, sqlStateOf } from './trace.ts';
export type { ActorOutcome, RunOutcome, TraceStep } from './trace.ts';
