// The bot in this checkout as `npm run scenarios` runs it: the compiled CLI (bin/race.mjs while
// dist/ is current), the bot's files as one bundle that imports the compiled harness. Its replay
// equals the sources' byte for byte, its bundle holds none of the harness's files, and replay
// commands are shown as the user ran them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';

const REPO = resolve('.');
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('the bot through the compiled CLI of this checkout', () => {
  it('shows a replay command as the user ran it: npm run scenarios, or the race bin', () => {
    const out = mkdtempSync(join(tmpdir(), 'prh-replay-command-'));
    made.push(out);
    const args = ['--scenario', 'lost-update', '--layers', 'baseline', '--workers', '1', '--no-odds', '--format', 'json'];
    const env = { ...process.env, DATABASE_URL: inject('pgAdminUrl'), NO_COLOR: '1', FORCE_COLOR: '0' };
    const script = spawnSync('npm', ['run', '-s', 'scenarios', '--', ...args, '--out', join(out, 'a')], { cwd: REPO, encoding: 'utf8', env, timeout: 120_000 });
    expect(script.stdout, script.stderr).toContain("npm run scenarios -- --replay 'lost-update@baseline:");
    const bin = spawnSync(process.execPath, ['bin/race.mjs', ...args, '--out', join(out, 'b')], { cwd: REPO, encoding: 'utf8', env, timeout: 120_000 });
    expect(bin.stdout, bin.stderr).toContain("npx race --replay 'lost-update@baseline:");
  });


  // A project's file that imports the harness's sources by path, by any specifier's form; as a
  // bundle, and through tsx when it cannot be bundled: it gets the modules the CLI runs.

  it.runIf(existsSync(join(REPO, 'dist', 'cli', 'main.js')))('replays a bot counterexample as the sources do, from a bundle of the bot that imports the compiled harness', () => {
    const replay = 'signal-sync@baseline:0x11-1x5-0-1x2';
    const env = { ...process.env, DATABASE_URL: inject('pgAdminUrl'), NO_COLOR: '1', FORCE_COLOR: '0' };
    const compiled = spawnSync(process.execPath, ['dist/cli/main.js', '--replay', replay], { cwd: REPO, encoding: 'utf8', env, timeout: 120_000 });
    const sources = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=prh-source', 'harness/cli/main.ts', '--replay', replay], { cwd: REPO, encoding: 'utf8', env, timeout: 120_000 });
    expect(compiled.status, compiled.stderr).toBe(0);
    expect(compiled.stdout).toContain('duplicate key value violates unique constraint');
    expect(compiled.stdout).toBe(sources.stdout);
    // What the kept bundle was made of (its source maps): the bot's files, not one of the harness's.
    const answers = JSON.parse(readFileSync(join(REPO, 'node_modules', '.cache', 'position-race-harness', 'answers.json'), 'utf8')) as { entries: Record<string, { text: string }> };
    const kept = Object.entries(answers.entries).find(([key]) => key === `bundle\0${process.version}\0${REPO}\0${join(REPO, 'race.config.ts')}`)?.[1];
    expect(kept).toBeDefined();
    const outputs = (JSON.parse(kept?.text ?? '{}') as { outputs: [string, string][] }).outputs;
    expect(outputs.map(([entry]) => entry)).toContain(join(REPO, 'bot', 'scenarios', 'signal-sync.ts'));
    const bundleDir = outputs[0]?.[1].split('/bundles/')[0] + '/bundles/' + outputs[0]?.[1].split('/bundles/')[1]?.split('/')[0];
    const maps = readdirSync(bundleDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.map'));
    const inputs = maps.flatMap((m) => (JSON.parse(readFileSync(join(bundleDir, m), 'utf8')) as { sources: string[] }).sources.map((s) => resolve(bundleDir, m, '..', s)));
    expect(inputs.some((p) => p.startsWith(join(REPO, 'bot') + '/'))).toBe(true);
    expect(inputs.filter((p) => p.startsWith(join(REPO, 'harness') + '/'))).toEqual([]);
  });
});
