// The bot's scenario kit, as the plan's scenario files import it: defineBotScenario and its types
// (harness/bot-plugin). `defineScenario` is kept as its name for files written before the split.
export { defineBotScenario, defineBotScenario as defineScenario, expectationFor } from '../harness/bot-plugin/index.ts';
export type { BotScenario, BotScenario as Scenario, BotSetupContext as SetupContext, ScenarioEnv } from '../harness/bot-plugin/index.ts';
export type { Expectation } from '../harness/scenario/index.ts';
