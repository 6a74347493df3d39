// A bot scenario whose actors are the Python bot's: the TypeScript scenario's invariants, own
// check, setup and expectations, with its actors replaced one for one. The bot plugin judges it
// exactly as it judges the TypeScript one (same tables, the same mock exchange behind its service).
import { defineBotScenario, type BotScenario, type ScenarioEnv } from '../../plugin/index.ts';
import type { ActorSpec } from '../../../harness/sched/index.ts';

/**
 * The Python flow takes about twice the TypeScript port's steps (asyncpg prepares in a step of its
 * own and resets each connection it takes back), yet about as many interleavings once reduced (the
 * steps that only prepare, or reset a connection holding no session lock, are independent of the
 * other actor's; signal-sync at the baseline: 117 on both). So it is searched as the TypeScript one is, with its
 * scenario's own preemption bound if it declares one (a bound turns the reduction off).
 */
export function pythonScenario(ts: BotScenario, actors: (env: ScenarioEnv) => readonly ActorSpec[]): BotScenario {
  const { plugin: _plugin, description: _description, ...definition } = ts;
  return defineBotScenario({
    ...definition,
    title: `${ts.title}, the Python bot`,
    plan: ts.plan,
    actors,
  });
}
