// The compiled CLI in the harness's own checkout: bin/race.mjs runs dist/ only while it was built
// from the sources as they are, and a project's files that import the harness's sources by path
// load as one bundle that imports the compiled harness instead (one copy of each module); the
// kept bundles' pruning. The bot's own replay this way: bot/test/engine/compiled-checkout.test.ts.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SOURCE_STAMP_FILE, sourceStamp } from '../../bin/source-stamp.mjs';
import { AnswerCache } from '../../harness/cli/answer-cache.ts';
import { pruneBundles } from '../../harness/cli/project-modules.ts';
import { processStartTime } from '../../harness/db/index.ts';

const REPO = resolve('.');
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A checkout's shape: the launcher, a source entry and a compiled one that say which ran. */
function fakeCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'prh-checkout-'));
  made.push(dir);
  cpSync(join(REPO, 'bin'), join(dir, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'harness', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
  writeFileSync(join(dir, 'harness', 'cli', 'main.ts'), "const from: string = 'the sources';\nconsole.log(from);\n");
  writeFileSync(join(dir, 'dist', 'cli', 'main.js'), "console.log('the compiled build');\n");
  writeFileSync(join(dir, 'tsconfig.json'), '{}\n');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'checkout', type: 'module' }));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Modification times no file here has: an edit, and another. */
const EDITED = new Date('2002-02-02T00:00:00Z');
const EDITED_AGAIN = new Date('2003-03-03T00:00:00Z');

const launch = (dir: string, choice?: string) => {
  const env = { ...process.env };
  delete env['PRH_CHECKOUT_RUNS'];
  return spawnSync(process.execPath, [join(dir, 'bin', 'race.mjs')], { cwd: dir, encoding: 'utf8', env: choice ? { ...env, PRH_CHECKOUT_RUNS: choice } : env });
};

describe('bin/race.mjs in a checkout', () => {
  it('runs dist/ while its stamp is the sources as they are, else the sources', () => {
    const dir = fakeCheckout();
    expect(launch(dir).stdout).toBe('the sources\n');
    writeFileSync(join(dir, 'dist', SOURCE_STAMP_FILE), sourceStamp(dir));
    expect(launch(dir).stdout).toBe('the compiled build\n');
    // An edit (a new modification time), a new file, a removed one: the sources again.
    utimesSync(join(dir, 'harness', 'cli', 'main.ts'), EDITED, EDITED);
    expect(launch(dir).stdout).toBe('the sources\n');
    writeFileSync(join(dir, 'dist', SOURCE_STAMP_FILE), sourceStamp(dir));
    expect(launch(dir).stdout).toBe('the compiled build\n');
    writeFileSync(join(dir, 'harness', 'cli', 'extra.ts'), 'export {};\n');
    expect(launch(dir).stdout).toBe('the sources\n');
    rmSync(join(dir, 'harness', 'cli', 'extra.ts'));
    expect(launch(dir).stdout).toBe('the compiled build\n');
    // Python's bytecode beside a runner is not a source.
    mkdirSync(join(dir, 'harness', 'cli', '__pycache__'));
    writeFileSync(join(dir, 'harness', 'cli', '__pycache__', 'x.pyc'), '');
    expect(launch(dir).stdout).toBe('the compiled build\n');
    // The settings tsc compiled with are part of what was built.
    writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": {} }\n');
    expect(launch(dir).stdout).toBe('the sources\n');
    writeFileSync(join(dir, 'dist', SOURCE_STAMP_FILE), sourceStamp(dir));
    expect(launch(dir).stdout).toBe('the compiled build\n');
    // The processes a command starts (workers, a resident) run what it runs, whatever changed meanwhile.
    expect(launch(dir, 'sources').stdout).toBe('the sources\n');
    utimesSync(join(dir, 'harness', 'cli', 'main.ts'), EDITED_AGAIN, EDITED_AGAIN);
    expect(launch(dir, 'dist').stdout).toBe('the compiled build\n');
  });
});

describe('the compiled CLI in this checkout', () => {
  it.runIf(existsSync(join(REPO, 'dist', 'cli', 'main.js')))('gives a file that imports the harness sources the compiled modules the CLI runs, bundled or through tsx', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prh-sources-'));
    made.push(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'uses-sources', type: 'module' }));
    // Its own node_modules (empty), where its bundles are kept.
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'race.config.ts'), "export default { scenarios: ['*.race.ts'] };\n");
    const scenario = (extra: string) =>
      [
        `import { HarnessError as ts } from '${join(REPO, 'harness', 'errors', 'index.ts')}';`,
        `import { HarnessError as js } from '${join(REPO, 'harness', 'errors', 'index.js')}';`,
        `import { defineScenario } from '${join(REPO, 'harness', 'scenario', 'index.ts')}';`,
        `const compiled = (await import('${pathToFileURL(join(REPO, 'dist', 'errors', 'index.js')).href}')).HarnessError;`,
        extra,
        "export const s = defineScenario({ name: `harness-${ts === compiled && js === compiled ? 'compiled' : 'copied'}-${how}`, actors: [{ name: 'a', run: async () => undefined }] });",
      ].join('\n');
    const list = () => spawnSync(process.execPath, [join(REPO, 'dist', 'cli', 'main.js'), '--list'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    writeFileSync(join(dir, 'a.race.ts'), scenario("const how = 'bundled';"));
    const bundled = list();
    expect(bundled.status, bundled.stderr).toBe(0);
    expect(bundled.stdout).toContain('harness-compiled-bundled');
    writeFileSync(join(dir, 'a.race.ts'), scenario("const load = (name: string) => import(name);\nconst how = typeof load === 'function' ? 'loader' : '';"));
    const loader = list();
    expect(loader.status, loader.stderr).toBe(0);
    expect(loader.stdout).toContain('harness-compiled-loader');
  });


  // dist/ is built by `npm ci` (the package's prepare script), as CI and the quick start do.
});

describe('the kept bundles', () => {
  it('are removed when unused for an hour, unless a live process uses one or a kept entry of a project still there names it', async () => {
    const project = mkdtempSync(join(tmpdir(), 'prh-prune-'));
    made.push(project);
    mkdirSync(join(project, 'node_modules'));
    const cache = AnswerCache.near(project, 'test') as AnswerCache;
    const bundles = join(cache.dir, 'bundles');
    const longAgo = new Date('2001-01-01T00:00:00Z');
    const bundle = (name: string, marks: readonly number[] = []) => {
      const dir = join(bundles, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'entry.js'), '');
      for (const pid of marks) writeFileSync(join(dir, `.used-by-${pid}`), processStartTime(pid));
      return dir;
    };
    // A process that lives through the prune, and one that has ended.
    const alive = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const ended = spawnSync(process.execPath, ['-e', '0']).pid ?? 0;
    try {
      const scenarioFile = join(project, 'a.race.ts');
      writeFileSync(scenarioFile, '');
      const stale = bundle('stale', [ended]);
      // A living process's number on a mark another process wrote before it (a number given again).
      const reused = bundle('reused');
      writeFileSync(join(reused, `.used-by-${alive.pid ?? 0}`), 'another start');
      const used = bundle('used', [alive.pid ?? 0, ended]);
      const named = bundle('named');
      const gone = bundle('named-by-a-project-gone');
      const fresh = bundle('fresh');
      cache.put('bundle\0here', cache.stamp({ files: [], others: [] }), JSON.stringify({ dir: named, outputs: [[scenarioFile, join(named, 'entry.js')]] }));
      cache.put('bundle\0gone', cache.stamp({ files: [], others: [] }), JSON.stringify({ dir: gone, outputs: [[join(project, 'removed.race.ts'), join(gone, 'entry.js')]] }));
      for (const dir of [stale, reused, used, named, gone]) utimesSync(dir, longAgo, longAgo);
      pruneBundles(bundles, cache);
      expect(readdirSync(bundles).sort()).toEqual(['fresh', 'named', 'used']);
      // The ended process's mark is gone; the living one's stays.
      expect(readdirSync(used).filter((f) => f.startsWith('.used-by-'))).toEqual([`.used-by-${alive.pid ?? 0}`]);
      expect(existsSync(fresh)).toBe(true);
    } finally {
      alive.kill();
    }
  });
});
