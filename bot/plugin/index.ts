// Public face of bot/plugin: the trading bot's scenarios as a plugin of the harness.
export { defineBotScenario, expectationFor } from './define-bot-scenario.ts';
export type { BotScenario, BotScenarioDefinition, BotSetupContext, ScenarioEnv } from './define-bot-scenario.ts';
export { BOT_PLUGIN, PRICES, allLayerSetIds, botVariant, defaultLayerSetIds, openBotCell } from './bot-plugin.ts';
export type { BotCell, BotOptions } from './bot-plugin.ts';
export { BOT_WORDS, botTiming, positionsTable } from './bot-words.ts';
