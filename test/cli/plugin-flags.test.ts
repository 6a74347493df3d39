// A plugin's part of the command line, with a plugin of the test's own (the SQL plugin under
// another name, plus one flag): --help shows its flags when the configuration names it, --list
// its section, a run hands its flags to its cells as its options, and a flag that clashes with the
// core's is refused by name.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../harness/cli/run-cli.ts';
import { fakeStream } from '../support/fake-stream.ts';

const SCENARIO_API = resolve('harness/scenario/index.ts');
const SCHED_API = resolve('harness/sched/index.ts');

const PLUGIN = (flagName: string) => `import { SQL_PLUGIN } from ${JSON.stringify(SCENARIO_API)};
const seen = (globalThis.__greeterSeen ??= []);
export const GREETER = {
  ...SQL_PLUGIN,
  name: 'greeter',
  openCell(variant, context) {
    seen.push(context.options);
    return SQL_PLUGIN.openCell(variant, context);
  },
  cli: {
    title: 'Greeter (a plugin of the test)',
    flags: [{ name: '${flagName}', type: 'string', value: '<text>', group: 'ignored', description: 'what the greeter says' }],
    options: (values) => ({ greeting: values['${flagName}'] ?? 'hello' }),
    list: () => [{ title: 'Greetings', entries: [['hello', 'the default greeting']] }],
  },
};
`;

const SCENARIO = `import { defineScenario } from ${JSON.stringify(SCENARIO_API)};
import { sqlActor } from ${JSON.stringify(SCHED_API)};
import { GREETER } from './greeter-plugin.ts';
export const greeted = { ...defineScenario({ name: 'greeted', actors: [sqlActor('a', ['SELECT 1'])] }), plugin: GREETER };
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prh-plugin-flags-'));
  for (const [name, flag] of [['good', 'greeting'], ['clash', 'budget']] as const) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'greeter-plugin.ts'), PLUGIN(flag));
    await writeFile(join(dir, name, 'greeted.race.ts'), SCENARIO);
    await writeFile(join(dir, name, 'race.config.ts'), `import { GREETER } from './greeter-plugin.ts';\nexport default { scenarios: ['*.race.ts'], plugins: [GREETER] };\n`);
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(argv: readonly string[], project: string) {
  const out = fakeStream();
  const err = fakeStream();
  const code = await runCli(argv, { DATABASE_URL: inject('pgAdminUrl') }, { out: out.stream, err: err.stream, cwd: join(dir, project) });
  return { code, out: out.text(), err: err.text() };
}

describe("a plugin's flags", () => {
  it('--help lists them under its title (and no odds or ablation flags: it simulates nothing, ablates nothing)', async () => {
    const r = await cli(['--help'], 'good');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Greeter \(a plugin of the test\):\n {2}--greeting <text> +what the greeter says/);
    expect(r.out).not.toContain('--odds');
    expect(r.out).not.toContain('--ablation');
  });

  it('--list shows its section', async () => {
    const r = await cli(['--list'], 'good');
    expect(r.out).toMatch(/Greetings:\n {2}hello +the default greeting/);
  });

  it('a run gives its cells the options its flags make', async () => {
    const seen = ((globalThis as { __greeterSeen?: unknown[] }).__greeterSeen ??= []);
    seen.length = 0;
    const r = await cli(['--greeting', 'hi', '--format', 'json', '--out', join(dir, 'good', 'reports')], 'good');
    expect(r.code, r.err).toBe(0);
    expect(seen).toContainEqual({ greeting: 'hi' });
  });

  it('is unknown where the plugin is not loaded', async () => {
    const r = await cli(['--greeting', 'hi', '--list'], 'good');
    expect(r.code, r.err).toBe(0);
    const bare = await cli(['--greeting', 'hi', '--config', resolve('examples/race.config.ts')], 'good');
    expect(bare.code).toBe(2);
    expect(bare.err).toContain("Unknown option '--greeting'");
  });

  it('a flag that clashes with one of the core is refused, naming both', async () => {
    const r = await cli(['--list', '--format', 'json'], 'clash');
    expect(r.code).toBe(2);
    expect(r.err).toContain("plugin 'greeter' declares the flag --budget, which the harness already has; give it another name");
  });
});
