// Public face of bot/plugin: the trading bot's scenarios as a plugin of the harness.
export { defineBotScenario, expectationFor } from './define-bot-scenario.ts';
export type { BotScenario, BotScenarioDefinition, BotSetupContext, ScenarioEnv } from './define-bot-scenario.ts';
export { BOT_PLUGIN, PRICES, allLayerSetIds, botVariant, defaultLayerSetIds, openBotCell } from './bot-plugin.ts';
export type { BotCell } from './bot-plugin.ts';
export { BOT_CLI, BOT_FLAGS, PROPERTY_DEFAULT_LAYER_SETS } from './bot-cli.ts';
export type { BotOptions } from './bot-cli.ts';
export { DEFAULT_TIMING_MODEL, TIMING_PARAMETERS, parseTimingModel, timingModelOf } from './timing-model.ts';
export type { TimingModel, TimingParameter } from './timing-model.ts';
export { BOT_WORDS, botTiming, positionsTable } from './bot-words.ts';
