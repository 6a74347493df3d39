// The port between the runner and a family of scenarios. A plugin says under which variants a
// scenario runs (the trading bot: its layer sets), opens the services a cell needs (the bot: a
// mock exchange), prepares each run and inspects what it left. The runner knows nothing more.
import type { Clock, ServiceDefinition } from '../ports/index.ts';
import type { Violation } from '../check/index.ts';
import type { SqlFile, TableInfo } from '../db/index.ts';
import type { ActorSpec, ScheduleRun, SimulationTiming } from '../sched/index.ts';
import type { PluginCli } from './plugin-cli.ts';
import type { ReportWords } from './report-words.ts';

export type Expectation = 'holds' | 'violates';

/** A row as PostgreSQL returns it. */
export type Row = Record<string, unknown>;

/** SQL on the observer session: setup, teardown and checks use it. */
export type SqlFn = <R extends Row = Row>(text: string, values?: readonly unknown[]) => Promise<{ rows: R[]; rowCount: number }>;

/** What every scenario has, whatever its plugin. */
export interface ScenarioBase {
  /** kebab-case, used in `--scenario` and replay strings. */
  readonly name: string;
  readonly title: string;
  /** What the race is, or where it is described (the bot: the plan's section). */
  readonly description?: string;
  /** Exhaustive search of this scenario stops at this many preemptions per run (CHESS-style). */
  readonly preemptionBound?: number;
  /** Too many interleavings for exhaustive search: sample with this strategy instead. */
  readonly sample?: { readonly strategy: 'pct' | 'random'; readonly runs: number };
  readonly plugin: ScenarioPlugin;
}

/** One way to run a scenario (the bot: one layer set); generic scenarios have one, `default`. */
export interface Variant<E = unknown> {
  readonly id: string;
  /** Applied in order to the template database (after the configuration's schema). */
  readonly sqlFiles: readonly SqlFile[];
  /** True when a file that fails is a measured result of the variant (a layer's migration), not bad input. */
  readonly failedSqlIsResult?: boolean;
  readonly env: E;
  /** Where the variant comes from, shown beside its id (the bot: the plan's option); '' for nothing. */
  readonly origin: string;
  readonly title: string;
  /** A figure (percent) claimed for the variant, named by the plugin's words (`ReportWords.claim`); null: none. */
  readonly claimed: number | null;
}

/** A table as a run left it, for reports (rows capped). */
export interface FinalTable {
  readonly name: string;
  readonly rows: readonly Row[];
  /** More rows than shown. */
  readonly truncated: boolean;
  /** Indexes into `rows` of the rows a violation names: reports highlight them. */
  readonly flagged?: readonly number[];
}

/** What a run broke and what it left. */
export interface RunInspection {
  readonly violations: readonly Violation[];
  /** The tables reports show after the run: those the scenario touched, or declared. */
  readonly finalTables: readonly FinalTable[];
  /** Canonical text of the final state: two runs with the same signature left the same state. */
  readonly signature: string;
}

export interface Queryable {
  query<R>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

export interface InspectContext {
  readonly run: ScheduleRun;
  readonly actors: readonly ActorSpec[];
  /** The observer session. */
  readonly observer: Queryable;
  /** The tables of the database's own schemas. */
  readonly tables: readonly TableInfo[];
  /**
   * Present when the harness may empty the database right after this run: a query run through it
   * also empties every table in the same round trip (for a plugin's last read of the state).
   */
  readonly readAndReset?: <R>(text: string) => Promise<{ rows: R[] }>;
}

/** What a plugin gets to open a cell's services. */
export interface CellContext {
  /** The scheduler's ambient (virtual) clock: a service that waits (a latency fault) waits on it. */
  readonly clock: Clock;
  /** The runs are uncontrolled (`realtime`): services should be reached as in production. */
  readonly realtime: boolean;
  /** This plugin's options, as its own CLI flags or API options set them (undefined: its defaults). */
  readonly options: unknown;
}

/** A plugin's services for one cell (one scenario family × one variant, one database). */
export interface PluginCell<S extends ScenarioBase = ScenarioBase> {
  /** The services actors reach through `ports.service(name)` (undefined: no such service). */
  service?(name: string): ServiceDefinition | undefined;
  actors(scenario: S): readonly ActorSpec[];
  /** Before each run, after the harness emptied the tables: the scenario's setup. */
  prepare(scenario: S, sql: SqlFn): Promise<void>;
  /** After each run: checks, final state, teardown. */
  inspect(scenario: S, ctx: InspectContext): Promise<RunInspection>;
  close(): Promise<void>;
}

export interface ScenarioPlugin<S extends ScenarioBase = ScenarioBase, E = unknown> {
  readonly name: string;
  /** How reports speak of its scenarios, where that differs from the defaults (DEFAULT_REPORT_WORDS). */
  readonly words?: Partial<ReportWords>;
  /** The variants to run; `selection`: the ids asked for (`--layers`), undefined for the default. */
  variants(scenario: S, selection: readonly string[] | undefined): readonly Variant<E>[];
  /** What the scenario declares for a variant. */
  expectation(scenario: S, variant: string): Expectation;
  /** How many actors race (more run longer): orders a run's cells before they were ever timed. */
  actorCount?(scenario: S, variant: Variant<E>): number;
  /** The cell's services (see CellContext). */
  openCell(variant: Variant<E>, context: CellContext): Promise<PluginCell<S>>;
  /** How the scenarios' actors behave in time, for `--strategy simulate` and the odds pass. */
  readonly simulation?: SimulationHooks<E>;
  /** Named variant sets whose parts `--ablation` leaves out one at a time (the bot: `recommended`, `proposed`). */
  readonly ablation?: AblationSource;
  /** Its flags, options, `--list` lines and command (see PluginCli). */
  readonly cli?: PluginCli<ScenarioBase>;
}

/** What the simulation (production odds) needs to know of a plugin's actors and variants. */
export interface SimulationHooks<E = unknown> {
  /** Actors that run on a timer (the bot's Sync): they start at a uniform phase of their cycle. */
  periodicActor(actorName: string): boolean;
  /** Actors the odds count per run (the bot's Signals): the odds are per run of that many. */
  countedActor(actorName: string): boolean;
  /** The engine's timing of simulated runs, from the plugin's options (CellContext.options; undefined: its defaults). */
  timing(options: unknown): SimulationTiming;
  /** The variant as the simulation runs it under those options (the bot: its settlement sleep); the same object when nothing changes. */
  simulatedVariant(variant: Variant<E>, options: unknown): Variant<E>;
  /**
   * The timing of those options in the plugin's words, for reports: the figures it used, by name, and one line
   * about them (the bot: Sync every 60 s, …, settlement 3,000 ms). Absent: the engine's figures and line.
   */
  describeTiming?(options: unknown): TimingDescription;
}

/** The timing model of simulated runs as a report shows it. */
export interface TimingDescription {
  /** The figures, by name (durations in ms). */
  readonly figures: Readonly<Record<string, number>>;
  /** One line of words about them, without a final full stop. */
  readonly text: string;
}

/** The variant ids an ablation of a named set runs: the set, then the set without each of its parts. */
export interface AblationPlan {
  readonly set: string;
  readonly full: string;
  readonly without: readonly { readonly removed: string; readonly variant: string }[];
}

export interface AblationSource {
  /** The named sets that can be ablated. */
  sets(): readonly string[];
  /** The plan for `set`, or undefined when it is not one of `sets()`. */
  plan(set: string): AblationPlan | undefined;
}

/** True for a plugin object (what `plugins` in race.config.ts lists). */
export function isScenarioPlugin(x: unknown): x is ScenarioPlugin {
  const p = x as Partial<ScenarioPlugin> | null;
  return typeof p === 'object' && p !== null && typeof p.name === 'string' && typeof p.variants === 'function' && typeof p.openCell === 'function';
}

/** True for anything made by defineScenario or a plugin's definer. */
export function isScenario(x: unknown): x is ScenarioBase {
  const s = x as Partial<ScenarioBase> | null;
  return typeof s === 'object' && s !== null && typeof s.name === 'string' && typeof s.plugin?.variants === 'function' && typeof s.plugin.openCell === 'function';
}
