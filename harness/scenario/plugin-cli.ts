// What a plugin adds to the command line: flags in the core's own table type, how their values
// become the plugin's options, its lines of `--list`, and at most one command of its own.
import type { StartedPostgres } from '../db/index.ts';

/** How a flag's value is read: numbers are checked against their range before anyone sees them. */
export type FlagType = 'boolean' | 'string' | 'integer' | 'number';

/** One flag of a table (the CLI's core table, or a plugin's). */
export interface FlagDef {
  /** Without the dashes: `budget` is `--budget`. */
  readonly name: string;
  readonly short?: string;
  readonly type: FlagType;
  /** Repeatable: every value is kept (strings only). */
  readonly multiple?: boolean;
  /** What the value looks like in `--help`, e.g. `<n>`, `<a+b+c>`. */
  readonly value?: string;
  /** The value when the flag is left out (one constant, shown by `--help` and the reference page). */
  readonly default?: string | number | boolean;
  /** The default in words when it is not one value (e.g. it depends on another flag). */
  readonly defaultText?: string;
  /** Inclusive range of an `integer` or `number` flag. */
  readonly min?: number;
  readonly max?: number;
  /** Unit of a number, for messages (`ms`, `σ`). */
  readonly unit?: string;
  /** The values a string flag takes, for `--help` (each flag's own check refuses the others). */
  readonly choices?: readonly string[];
  readonly description: string;
  /** Heading it is listed under in `--help`; a plugin's flags are listed under its title. */
  readonly group: string;
  /** Left out of `--help` and the reference page (flags the harness passes to itself). */
  readonly hidden?: boolean;
  /** A core flag that applies only when a loaded plugin has simulation hooks, or named sets to ablate. */
  readonly needs?: 'simulation' | 'ablation';
}

/** Parsed values by flag name: integers and numbers as numbers, repeatable flags as lists. */
export type FlagValues = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

/** What a plugin's options may depend on besides its own flags. */
export interface PluginRunFacts {
  readonly strategy: string;
  /** Something is simulated: `--strategy simulate` or the odds pass. */
  readonly simulated: boolean;
  readonly ci: boolean;
  /** The run is one `--replay`. */
  readonly replay: boolean;
}

/** A section of `--list`: a heading and one line per entry. */
export interface ListSection {
  readonly title: string;
  readonly entries: readonly (readonly [name: string, description: string])[];
  /** A line after the entries. */
  readonly note?: string;
}

/** What a plugin's command gets: a started server and the run's shared settings. */
export interface PluginCommandContext {
  readonly server: StartedPostgres;
  /** `--variant` as given; undefined: the command's own default. */
  readonly variants: readonly string[] | undefined;
  readonly seed: number;
  readonly ci: boolean;
  /** The plugin's options (from `PluginCli.options`). */
  readonly options: unknown;
  readonly out: { write(text: string): unknown };
  readonly err: { write(text: string): unknown };
}

/** A mode of the plugin's own instead of the scenario matrix (the bot: property-based runs). */
export interface PluginCommand {
  /** Its boolean flag, one of the plugin's `flags`. */
  readonly flag: string;
  /** Core flags that mean nothing to it: refused with it, saying why. */
  readonly refuses: readonly string[];
  readonly why: string;
  /** Exit code: 0, or 1 when `ci` and an expectation is contradicted. */
  run(context: PluginCommandContext): Promise<number>;
}

/** A plugin's part of the command line; `S` is what a scenario is (ScenarioBase on the plugin port). */
export interface PluginCli<S = unknown> {
  /** Heading of its flags in `--help` and of its sections in `--list`. */
  readonly title: string;
  readonly flags: readonly FlagDef[];
  /** Its own name for the core's `--variant` (the bot: `--layers`); the values go to `--variant`. */
  readonly variantFlag?: Pick<FlagDef, 'name' | 'value' | 'description'>;
  /**
   * Its options from its flags' values as given (undefined when left out: it applies its own
   * defaults); a HarnessError on bad input. Each of its cells gets them (CellContext.options).
   */
  options(values: FlagValues, facts: PluginRunFacts): unknown;
  /** A scenario by a name no file defines (the bot: a property counterexample's workload), else undefined. */
  scenario?(name: string): Promise<S | undefined>;
  /** Its sections of `--list`. */
  list?(): readonly ListSection[];
  readonly command?: PluginCommand;
}
