// What the command says about itself: `--help` (the core's flags that apply, then each plugin's),
// `--list` (scenarios, strategies, the plugins' own sections) and the reference page in docs/.
import { STRATEGIES } from '../run/index.ts';
import type { FlagDef, LoadedScenario, ScenarioPlugin } from '../scenario/index.ts';
import { applies, variantFlagOf } from './cli-plugins.ts';
import { CORE_FLAGS, EXIT_CODES } from './core-flags.ts';
import { groupFlags, helpLines, referenceLines, wrap } from './flag-table.ts';

const ABOUT = 'Races concurrent database code against a real PostgreSQL one statement at a time, and says of each race: violated (with a replayable counterexample), proven, or inconclusive.';

/** The flags of a plugin under its title, its name for --variant first. */
function pluginFlags(plugin: ScenarioPlugin): FlagDef[] {
  const v = variantFlagOf(plugin);
  const title = plugin.cli?.title ?? plugin.name;
  return [...(v ? [v] : []), ...(plugin.cli?.flags ?? [])].map((f) => ({ ...f, group: title }));
}

/** `race --help` with these plugins loaded: only the flags that apply. */
export function helpText(plugins: readonly ScenarioPlugin[]): string {
  const core = CORE_FLAGS.filter((f) => applies(f, plugins));
  const lines = ['Usage: race [options]', '', ABOUT, ...helpLines(groupFlags([...core, ...plugins.flatMap(pluginFlags)]))];
  lines.push('', 'Exit codes:', ...EXIT_CODES.flatMap(([code, meaning]) => wrap(meaning, 92).map((w, i) => `  ${i === 0 ? String(code).padEnd(6) : '      '}${w}`)));
  return lines.join('\n');
}

/** `race --list`: the scenarios, the strategies, and each plugin's own sections. */
export function listing(scenarios: readonly LoadedScenario[], plugins: readonly ScenarioPlugin[]): string {
  const width = Math.max(22, ...scenarios.map((l) => l.scenario.name.length));
  const lines: string[] = ['Scenarios:'];
  for (const { scenario: s } of scenarios) lines.push(`  ${s.name.padEnd(width)} ${s.title}`);
  if (scenarios.length === 0) lines.push('  (none)');
  lines.push('', 'Strategies:');
  for (const [id, s] of Object.entries(STRATEGIES)) lines.push(`  ${id.padEnd(width)} ${s.description}`);
  for (const p of plugins) {
    for (const section of p.cli?.list?.() ?? []) {
      lines.push('', `${section.title}:`);
      for (const [name, description] of section.entries) lines.push(`  ${name.padEnd(width)} ${description}`);
      if (section.note) lines.push('', section.note);
    }
  }
  return lines.join('\n');
}

/** docs/reference/cli.md: the core's flags, each saying when it applies, and the exit codes. */
export function cliReference(): string {
  const note = (f: FlagDef): FlagDef =>
    f.needs ? { ...f, description: `${f.description} (only with a plugin that ${f.needs === 'simulation' ? 'simulates timing' : 'has named sets'})` } : f;
  const lines = [
    '# `race` command line',
    '',
    GENERATED,
    '',
    ABOUT,
    '',
    '```sh',
    'npx race [options]',
    '```',
    '',
    '`race --help` lists the flags that apply where it runs: these, and those of the plugins that the configuration names (`plugins` in `race.config.ts`). A run also takes the flags of the plugins its scenarios use.',
    '',
    ...referenceLines(groupFlags(CORE_FLAGS.map(note))),
    '## Exit codes',
    '',
    '| code | meaning |',
    '|---|---|',
    ...EXIT_CODES.map(([code, meaning]) => `| ${code} | ${meaning} |`),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The reference page of one plugin's flags (this repository's bot: docs/reference/bot-plugin-cli.md). */
export function pluginReference(plugin: ScenarioPlugin): string {
  const lines = [`# Flags of the \`${plugin.name}\` plugin`, '', GENERATED, ''];
  lines.push(`Offered by \`race\` when a loaded scenario belongs to the \`${plugin.name}\` plugin, or the configuration names it in \`plugins\`.`, '');
  lines.push(...referenceLines(groupFlags(pluginFlags(plugin).map((f) => ({ ...f, group: plugin.cli?.title ?? plugin.name })))));
  return `${lines.join('\n').trimEnd()}\n`;
}

const GENERATED = '<!-- Generated from the flag tables by `npm run docs`; a test fails when this page differs from what they give. -->';
