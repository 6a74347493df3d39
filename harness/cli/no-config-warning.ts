// What a command says when it found no configuration and falls back to the default glob.
import { DEFAULT_SCENARIO_GLOB } from '../scenario/scenario-files.ts';

export function noConfigWarning(cwd: string): string {
  return `warning: no race.config.ts (or .mts, .js, .mjs) in ${cwd} or a directory above it; running the ${DEFAULT_SCENARIO_GLOB} files under ${cwd}\n`;
}
