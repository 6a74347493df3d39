// Public face of bot/workloads: fast-check workloads and schedules over the real database.
export { runProperty } from './property-run.ts';
export type { PropertyCounterexample, PropertyOptions, PropertyResult } from './property-run.ts';
export { PROPERTY_EXPECTATIONS, runPropertyCli } from './property-cli.ts';
export {
  PROPERTY_INVARIANTS,
  flowArbitrary,
  parseWorkloadName,
  segmentsArbitrary,
  workloadArbitrary,
  workloadName,
  workloadScenario,
} from './workload.ts';
export type { Flow } from './workload.ts';
