// A bot scenario whose actors are the Python bot's: the TypeScript scenario's invariants, own
// check, setup and expectations, with its actors replaced one for one. The bot plugin judges it
// exactly as it judges the TypeScript one (same tables, the same mock exchange behind its service).
import { defineBotScenario, type BotScenario, type ScenarioEnv } from '../../plugin/index.ts';
import type { ActorSpec } from '../../../harness/sched/index.ts';

/**
 * The Python flow takes about twice the TypeScript port's steps (asyncpg prepares in a step of its
 * own and resets each connection it takes back), at ~0.1-0.7 s a run: cells expected to violate
 * are searched with at most this many preemptions per run (races of depth ≤ 3), as signal-signal's
 * TypeScript cells are; cells expected to hold are still searched whole.
 */
const PYTHON_PREEMPTION_BOUND = 2;

export function pythonScenario(ts: BotScenario, actors: (env: ScenarioEnv) => readonly ActorSpec[]): BotScenario {
  const { plugin: _plugin, description: _description, ...definition } = ts;
  return defineBotScenario({
    ...definition,
    title: `${ts.title}, the Python bot`,
    plan: ts.plan,
    preemptionBound: Math.min(ts.preemptionBound ?? PYTHON_PREEMPTION_BOUND, PYTHON_PREEMPTION_BOUND),
    actors,
  });
}
