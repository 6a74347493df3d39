// Public face of harness/gate: the PostgreSQL wire-protocol gate, process actors, the clock
// endpoint and the HTTP service gate: how programs in any language become scheduled actors.
export { startWireGate, clientUrlOf } from './wire-gate.ts';
export type { GateAddress, StartedWireGate, WireGateOptions } from './wire-gate.ts';
export { WireRefusal } from './wire-hooks.ts';
export type { CloseReason, WireConnectionView, WireGateHooks } from './wire-hooks.ts';
export type { StepEnd, StepPrepare, StepStatement, WireStep } from './wire-step.ts';
export { UNSUPPORTED_SQLSTATE } from './step-responses.ts';
export type { ResultSet, StepError, StepOutcome } from './step-responses.ts';
export type { TxStatus } from './backend-messages.ts';
export type { ClientAuth } from './client-auth.ts';
export type { WireValue } from './wire-values.ts';
export { inlineParameters, sqlLiteral } from './inline-parameters.ts';
export { checkCommand, startProcessActor } from './process-actor.ts';
export type { ProcessActorOptions, ProcessCommand, ProcessExit, StartedProcessActor } from './process-actor.ts';
export { actorEnv, CLOCK_ENV, serviceEnvName } from './actor-env.ts';
export type { ActorEndpoints } from './actor-env.ts';
export { startClockEndpoint } from './clock-endpoint.ts';
export type { ClockHooks, StartedClockEndpoint } from './clock-endpoint.ts';
export { startServiceGate } from './http-service-gate.ts';
export type { ServiceAnswer, ServiceGateHooks, ServiceGateOptions, ServiceHandler, ServiceStep, StartedServiceGate } from './http-service-gate.ts';
export { programActor, programOf } from './program-actor.ts';
export type { ProgramActorDefinition } from './program-actor.ts';
export { CAN_PROBE, ProcessTreeProbe } from './process-tree.ts';
export { closePythonRunners, pythonRunner } from './runners/python-runner.ts';
export type { Launcher, PythonRunnerOptions } from './runners/python-runner.ts';
