// The bot's timing model of simulated runs (`--strategy simulate` and the odds pass), as data with
// defaults and allowed ranges: its flags are built from it. The engine's simulation reads only
// the generic part (SimulationTiming); the bot applies the rest (its settlement) to its flow.
import { HarnessError } from '../../harness/errors/index.ts';
import type { SimulationTiming } from '../../harness/sched/index.ts';

export interface TimingModel extends SimulationTiming {
  /**
   * The flow's own wait between its steps (the bot's settlement sleep, asyncio.sleep(3.0)); the
   * bot's plugin applies it to the code it runs (see ScenarioPlugin.simulation).
   */
  readonly settlementMs: number;
}

export interface TimingParameter {
  readonly flag: string;
  readonly field: keyof TimingModel;
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  readonly default: number;
  readonly description: string;
}

/** Every parameter, its flag, range and default (justified in the README, "Production odds"). */
export const TIMING_PARAMETERS: readonly TimingParameter[] = [
  { flag: 'sync-interval', field: 'periodicIntervalMs', unit: 'ms', min: 1000, max: 3_600_000, default: 60_000, description: 'Sync runs every this many ms' },
  { flag: 'arrival-window', field: 'arrivalWindowMs', unit: 'ms', min: 0, max: 600_000, default: 10_000, description: 'other flows (second Signal, close, add) arrive within this many ms of the first' },
  { flag: 'exchange-latency', field: 'serviceLatencyMs', unit: 'ms', min: 1, max: 10_000, default: 60, description: 'median exchange request round trip' },
  { flag: 'sql-latency', field: 'sqlLatencyMs', unit: 'ms', min: 0.01, max: 1000, default: 1, description: 'median SQL statement round trip' },
  { flag: 'latency-spread', field: 'latencySpread', unit: 'σ', min: 0, max: 2, default: 0.5, description: 'log-normal spread of both latencies' },
  { flag: 'settlement', field: 'settlementMs', unit: 'ms', min: 0, max: 60_000, default: 3000, description: "the Signal's settlement sleep" },
];

export const DEFAULT_TIMING_MODEL: TimingModel = Object.fromEntries(TIMING_PARAMETERS.map((p) => [p.field, p.default])) as unknown as TimingModel;

/** The model from its flags' values (numbers already range-checked by the CLI); defaults for the rest. */
export function timingModelOf(values: Readonly<Record<string, unknown>>): TimingModel {
  const out: Record<string, number> = { ...DEFAULT_TIMING_MODEL };
  for (const p of TIMING_PARAMETERS) {
    const v = values[p.flag];
    if (typeof v === 'number') out[p.field] = v;
  }
  return out as unknown as TimingModel;
}

/** The model from `--<flag> <value>` strings; a value out of range is E_BAD_ARGUMENT naming the range. */
export function parseTimingModel(values: Readonly<Record<string, string | undefined>>): TimingModel {
  const numbers: Record<string, number> = {};
  for (const p of TIMING_PARAMETERS) {
    const raw = values[p.flag];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < p.min || n > p.max) {
      throw new HarnessError('E_BAD_ARGUMENT', `--${p.flag} (${p.description}) must be a number from ${p.min} to ${p.max} ${p.unit}, got '${raw}'`);
    }
    numbers[p.flag] = n;
  }
  return timingModelOf(numbers);
}
