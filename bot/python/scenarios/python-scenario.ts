// A bot scenario whose actors are the Python bot's: the TypeScript scenario's invariants, own
// check, setup and expectations, with its actors replaced one for one. The bot plugin judges it
// exactly as it judges the TypeScript one (same tables, the same mock exchange behind its service).
import { defineBotScenario, type BotScenario, type ScenarioEnv } from '../../plugin/index.ts';
import type { ActorSpec } from '../../../harness/sched/index.ts';

export function pythonScenario(ts: BotScenario, actors: (env: ScenarioEnv) => readonly ActorSpec[]): BotScenario {
  const { plugin: _plugin, description: _description, ...definition } = ts;
  return defineBotScenario({ ...definition, title: `${ts.title}, the Python bot`, plan: ts.plan, actors });
}
