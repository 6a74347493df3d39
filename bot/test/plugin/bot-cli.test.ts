// The bot's part of the command line: its reference page is what its flag table generates, its
// options come from its flags (the exchange transport, the timing model), and its scenarios'
// simulation reads the timing model from those options.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pluginReference } from '../../../harness/cli/help-text.ts';
import { BOT_CLI, BOT_PLUGIN, DEFAULT_TIMING_MODEL, TIMING_PARAMETERS, type BotOptions } from '../../plugin/index.ts';
import { harnessErrorOf } from '../../../test/support/harness-error-of.ts';

const simulated = { strategy: 'exhaustive', simulated: true, ci: false, replay: false };

describe('race --help in this repository', () => {
  it('shows the bot flags, and the core flags that apply with its simulation and named sets, because race.config.ts names the plugin', () => {
    const r = spawnSync(process.execPath, ['bin/race.mjs', '--help'], { encoding: 'utf8', env: { ...process.env, DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' } });
    expect(r.status, r.stderr).toBe(0);
    for (const flag of ['--layers <a+b+c>', '--exchange', '--settlement', '--property', '--ablation', '--odds-runs']) expect(r.stdout).toContain(flag);
  });
});

describe('docs/reference/bot-plugin-cli.md', () => {
  it('is what the bot flag table generates (npm run docs writes it)', () => {
    expect(readFileSync('docs/reference/bot-plugin-cli.md', 'utf8')).toBe(pluginReference(BOT_PLUGIN));
  });
});

describe('the bot options from its flags', () => {
  it('without flags: the default timing model and direct calls chosen per run', () => {
    expect(BOT_CLI.options({}, simulated)).toEqual({ timing: DEFAULT_TIMING_MODEL, runs: 100 });
  });

  it('the timing flags set the model the simulation reads, and its settlement reaches the variant', () => {
    const options = BOT_CLI.options({ 'sync-interval': 5000, settlement: 100 }, simulated) as BotOptions;
    expect(BOT_PLUGIN.simulation?.timing(options)).toEqual({ ...DEFAULT_TIMING_MODEL, periodicIntervalMs: 5000, settlementMs: 100 });
    expect(TIMING_PARAMETERS.map((p) => p.flag).every((f) => BOT_CLI.flags.some((x) => x.name === f))).toBe(true);
  });

  it('a timing flag where nothing is simulated is refused, saying how to get a simulation', () => {
    const e = harnessErrorOf(() => BOT_CLI.options({ settlement: 100 }, { ...simulated, simulated: false, ci: true }));
    expect(e.message).toContain('--settlement sets the timing model');
    expect(e.message).toContain('add --odds');
  });

  it('an unknown exchange transport names the valid ones', () => {
    const e = harnessErrorOf(() => BOT_CLI.options({ exchange: 'grpc' }, simulated));
    expect(e.message).toBe("unknown exchange transport 'grpc'; valid exchange transports: http, direct");
  });

  it("a property counterexample's workload name is a scenario of the bot's", async () => {
    expect((await BOT_CLI.scenario?.('prop-sa0'))?.name).toBe('prop-sa0');
    expect(await BOT_CLI.scenario?.('signal-sync')).toBeUndefined();
  });
});
