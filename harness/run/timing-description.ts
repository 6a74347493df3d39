// The timing model of a run's simulated runs as its reports show it: in the words of the plugins
// whose scenarios got odds (the bot: Sync, settlement), else in the engine's own words. Each
// plugin's timing comes from its own options (its flags).
import { DEFAULT_SIMULATION_TIMING, type SimulationTiming } from '../sched/index.ts';
import type { ScenarioBase, TimingDescription } from '../scenario/index.ts';
import type { CellResult } from './result-model.ts';

/** The description, or undefined when no cell has odds (then no report speaks of timing). */
export function timingDescription(scenarios: readonly ScenarioBase[], cells: readonly CellResult[], pluginOptions: Readonly<Record<string, unknown>>): TimingDescription | undefined {
  const withOdds = new Set(cells.filter((c) => c.odds).map((c) => c.scenario));
  if (withOdds.size === 0) return undefined;
  const plugins = [...new Set(scenarios.filter((s) => withOdds.has(s.name)).map((s) => s.plugin))];
  const described = plugins.map((p) => {
    const options = pluginOptions[p.name];
    const hooks = p.simulation;
    return hooks?.describeTiming?.(options) ?? genericTiming(hooks?.timing(options) ?? DEFAULT_SIMULATION_TIMING);
  });
  const texts = [...new Set(described.map((d) => d.text))];
  return { figures: Object.assign({}, ...described.map((d) => d.figures)) as Record<string, number>, text: texts.join('; ') };
}

/** The engine's part of the model, in its own words. */
export function genericTiming(t: SimulationTiming): TimingDescription {
  return {
    figures: {
      periodicIntervalMs: t.periodicIntervalMs,
      arrivalWindowMs: t.arrivalWindowMs,
      serviceLatencyMs: t.serviceLatencyMs,
      sqlLatencyMs: t.sqlLatencyMs,
      latencySpread: t.latencySpread,
    },
    text:
      `periodic actors every ${seconds(t.periodicIntervalMs)}, the others within ${seconds(t.arrivalWindowMs)} of the first, ` +
      `service calls ${t.serviceLatencyMs} ms and SQL ${t.sqlLatencyMs} ms median (log-normal σ ${t.latencySpread})`,
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toLocaleString('en-US')} s`;
}
