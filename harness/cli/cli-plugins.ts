// Which plugins a command line speaks to: those race.config.ts names, then those of the loaded
// scenarios. Their flags join the core's table; a flag two of them claim is refused by name.
import { HarnessError } from '../errors/index.ts';
import type { FlagDef, ScenarioBase, ScenarioPlugin } from '../scenario/index.ts';
import { CORE_FLAGS } from './core-flags.ts';
import type { FlagAlias } from './flag-table.ts';

/** One plugin per name, in order: the configuration's, then the scenarios'. */
export function pluginsInUse(configured: readonly ScenarioPlugin[], scenarios: readonly ScenarioBase[]): ScenarioPlugin[] {
  const byName = new Map<string, ScenarioPlugin>();
  for (const p of [...configured, ...scenarios.map((s) => s.plugin)]) if (!byName.has(p.name)) byName.set(p.name, p);
  return [...byName.values()];
}

/** A core flag that applies with these plugins (`--ablation` only with named sets, the odds flags only with a simulation). */
export function applies(flag: FlagDef, plugins: readonly ScenarioPlugin[]): boolean {
  if (flag.needs === 'simulation') return plugins.some((p) => p.simulation !== undefined);
  if (flag.needs === 'ablation') return plugins.some((p) => p.ablation !== undefined);
  return true;
}

/** A plugin's own name for `--variant`, as a flag of its table (for `--help`). */
export function variantFlagOf(plugin: ScenarioPlugin): FlagDef | undefined {
  const v = plugin.cli?.variantFlag;
  return v && plugin.cli ? { ...v, type: 'string', multiple: true, group: plugin.cli.title } : undefined;
}

/** The core's flags and every plugin's, and the plugins' names for `--variant`; a clash is E_BAD_SCENARIO. */
export function commandLineFlags(plugins: readonly ScenarioPlugin[]): { flags: FlagDef[]; aliases: FlagAlias[] } {
  const owner = new Map<string, string>(CORE_FLAGS.map((f) => [f.name, 'the harness']));
  const flags: FlagDef[] = [...CORE_FLAGS];
  const aliases: FlagAlias[] = [];
  const claim = (name: string, by: string) => {
    const earlier = owner.get(name);
    if (earlier && earlier !== by) throw new HarnessError('E_BAD_SCENARIO', `plugin '${by}' declares the flag --${name}, which ${earlier === 'the harness' ? 'the harness' : `plugin '${earlier}'`} already has; give it another name`);
    owner.set(name, by);
  };
  for (const p of plugins) {
    if (!p.cli) continue;
    for (const f of p.cli.flags) {
      claim(f.name, p.name);
      flags.push(f);
    }
    const v = p.cli.variantFlag;
    if (v && !aliases.some((a) => a.alias === v.name)) {
      claim(v.name, p.name);
      aliases.push({ alias: v.name, of: 'variant' });
    }
  }
  return { flags, aliases };
}
