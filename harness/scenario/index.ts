// Public face of harness/scenario: the scenario API and the plugin port behind it.
export { defineScenario, assertActors, assertScenarioName } from './define-scenario.ts';
export type { CheckContext, CheckFailure, CheckResult, Scenario, ScenarioDefinition, SchemaSource, SetupContext } from './define-scenario.ts';
export { DEFAULT_VARIANT, SQL_PLUGIN, readSchemaFile, sqlOn } from './sql-plugin.ts';
export { actorEndings, endingsSummary } from './actor-endings.ts';
export { isScenario, isScenarioPlugin } from './scenario-plugin.ts';
export type { AblationPlan, AblationSource, CellContext, Expectation, FinalTable, InspectContext, PluginCell, Queryable, Row, RunInspection, ScenarioBase, ScenarioPlugin, SimulationHooks, SqlFn, TimingDescription, Variant } from './scenario-plugin.ts';
export type { FlagDef, FlagType, FlagValues, ListSection, PluginCli, PluginCommand, PluginCommandContext, PluginRunFacts } from './plugin-cli.ts';
export { DEFAULT_REPORT_WORDS, reportWords } from './report-words.ts';
export type { ReportWords } from './report-words.ts';
export { DEFAULT_SCENARIO_GLOB, findScenarioFiles, loadScenarioFiles, shownPath } from './scenario-files.ts';
export type { LoadedScenario } from './scenario-files.ts';
export { defineConfig, loadRaceConfig, loadScenarioCatalog } from './race-config.ts';
export { CONFIG_FILE_NAMES, findConfigFile } from './config-file.ts';
export type { LoadedConfig, RaceConfig, ScenarioCatalog, ScenarioMatch, ScenarioSources, UserFileImporter } from './race-config.ts';
export { BundleUnavailable, importBundled, moduleInputs, writeProjectBundle } from './config-bundle.ts';
export { importUserFile } from './module-loader.ts';
export type { BundledModule, CompiledHarness, ProjectBundle } from './config-bundle.ts';
