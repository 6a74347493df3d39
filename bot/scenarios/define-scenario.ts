// The bot's scenario kit, as the plan's scenario files import it: defineBotScenario and its types
// (bot/plugin). `defineScenario` is kept as its name for files written before the split.
export { defineBotScenario, defineBotScenario as defineScenario, expectationFor } from '../plugin/index.ts';
export type { BotScenario, BotScenario as Scenario, BotSetupContext as SetupContext, ScenarioEnv } from '../plugin/index.ts';
export type { Expectation } from '../../harness/scenario/index.ts';
