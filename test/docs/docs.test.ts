// Docs cannot rot: every link of README.md and docs/ resolves to a file (and heading) of this
// repository and nothing outside it; every `npx race` / `npm run scenarios` command the pages
// show parses with the real flag tables (an unknown or renamed flag fails here), and the cheap
// ones (--help, --list, --version) run for real; the README stays about one screen.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parseCliOptions, type CliContext } from '../../harness/cli/cli-options.ts';
import { commandLineFlags } from '../../harness/cli/cli-plugins.ts';
import { parseFlags } from '../../harness/cli/flag-table.ts';
import { STRATEGIES } from '../../harness/run/index.ts';
import { HarnessError } from '../../harness/errors/index.ts';
import { loadRaceConfig, loadScenarioCatalog } from '../../harness/scenario/index.ts';
import type { ScenarioPlugin } from '../../harness/scenario/index.ts';
import { parseReplayTarget } from '../../harness/sched/index.ts';
import { harnessCommands, type DocCommand } from './doc-commands.ts';
import { anchors, docFiles, links, read, repoPaths } from './markdown.ts';

const ROOT = resolve('.');

/** `npm run scenarios` as package.json defines it (`node <args>` or `tsx <args>`), as node's arguments. */
function scenariosEntry(): string[] {
  const script = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts['scenarios'] ?? '';
  const [tool, ...args] = script.split(/\s+/);
  if (tool === 'node') return args;
  if (tool !== 'tsx') throw new Error(`npm run scenarios is '${script}': this test knows how to run node and tsx only`);
  return [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), ...args];
}

/** Paths git ignores (generated output such as reports/) are not in a clone: a link there breaks. */
function ignored(paths: readonly string[]): Set<string> {
  if (paths.length === 0) return new Set();
  const r = spawnSync('git', ['check-ignore', '--no-index', '--stdin'], { input: paths.join('\n'), encoding: 'utf8' });
  return new Set(r.stdout.split('\n').filter(Boolean));
}

interface BrokenLink {
  readonly at: string;
  readonly target: string;
  readonly why: string;
}

function brokenLinks(): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const local: { at: string; target: string; path: string }[] = [];
  for (const file of docFiles()) {
    const md = read(file);
    for (const { target, line } of links(md)) {
      const at = `${file}:${line}`;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('/')) {
        broken.push({ at, target, why: 'points outside the repository (link to a file of the repository instead)' });
        continue;
      }
      const [pathPart = '', anchor] = target.split('#', 2) as [string, string | undefined];
      const path = pathPart === '' ? resolve(file) : resolve(dirname(file), decodeURIComponent(pathPart));
      if (path !== ROOT && !path.startsWith(ROOT + sep)) {
        broken.push({ at, target, why: 'points outside the repository' });
        continue;
      }
      if (!existsSync(path)) {
        broken.push({ at, target, why: `no such file ${relative(ROOT, path)}` });
        continue;
      }
      local.push({ at, target, path: relative(ROOT, path) });
      if (anchor !== undefined) {
        if (statSync(path).isDirectory() || !path.endsWith('.md')) broken.push({ at, target, why: 'an anchor into something that is not a Markdown page' });
        else if (!anchors(read(path)).has(anchor)) broken.push({ at, target, why: `${relative(ROOT, path)} has no heading #${anchor}` });
      }
    }
  }
  const notInClone = ignored(local.map((l) => l.path));
  for (const l of local) if (notInClone.has(l.path)) broken.push({ at: l.at, target: l.target, why: `${l.path} is ignored by git: a clone does not have it` });
  return broken;
}

// Pages other work is rewriting at the moment; their links are checked once they land (remove the
// entry then). Every other page is checked.
const PENDING_PAGES = new Set<string>([]);
// Pages other work is adding: a link to one counts once the page exists (remove the entry when it lands).
const PENDING_TARGETS = new Set<string>([]);

/** Folders whose files the pages name in code spans (`harness/run/`): a moved file shows here. */
const PATH_ROOTS = ['harness', 'bot', 'test', 'fixtures', 'examples', 'scripts', 'docs', 'bin'];

describe('links in README.md and docs/', () => {
  it('finds the pages and their links', () => {
    expect(docFiles()).toContain('docs/getting-started.md');
    expect(links('[a](b.md) `[c](d.md)` ![e](f.png)\n```\n[g](h.md)\n```\n').map((l) => l.target)).toEqual(['b.md', 'f.png']);
    expect(anchors('# The vitest API\n## Isolation spec files (`harness/isolation/`)\n## Run\n## Run\n')).toEqual(
      new Set(['the-vitest-api', 'isolation-spec-files-harnessisolation', 'run', 'run-1']),
    );
  });

  it('every link resolves to a file (and heading) of the repository, none leaves it', () => {
    const broken = brokenLinks().filter((b) => !PENDING_PAGES.has(b.at.split(':')[0] as string) && !(b.why.startsWith('no such file ') && PENDING_TARGETS.has(b.why.slice('no such file '.length))));
    expect(broken.map((b) => `${b.at}: (${b.target}) ${b.why}`)).toEqual([]);
  });

  it('every repository path named in a code span exists (a moved or renamed file shows here)', () => {
    const missing: string[] = [];
    for (const file of docFiles()) {
      if (PENDING_PAGES.has(file)) continue;
      for (const { target, line } of repoPaths(read(file), PATH_ROOTS)) if (!existsSync(target)) missing.push(`${file}:${line}: ${target}`);
    }
    expect(missing).toEqual([]);
  });
});

/** The flag tables a command is parsed with: the core's and those of the plugins its configuration names. */
async function flagsFor(cmd: DocCommand): Promise<ReturnType<typeof commandLineFlags>> {
  const i = cmd.args.indexOf('--config');
  const config = i >= 0 ? cmd.args[i + 1] : undefined;
  // `npx race` is a user's project (no plugin unless its --config names one); `npm run scenarios`
  // is this repository, whose race.config.ts names the bot plugin.
  let plugins: readonly ScenarioPlugin[] = [];
  if (config !== undefined || cmd.program === 'scenarios') {
    const loaded = await loadRaceConfig(ROOT, config);
    plugins = loaded.config.plugins ?? [];
  }
  return commandLineFlags(plugins);
}

/** The workflow example's `run:` lines, as a shell block (GitHub's `${{ }}` expressions given a value). */
const WORKFLOW = 'docs/examples/github-actions.yml';
function workflowCommands(): DocCommand[] {
  const runs = read(WORKFLOW)
    .split('\n')
    .flatMap((line) => /^\s*-?\s*run:\s*(.*)$/.exec(line)?.[1] ?? [])
    .map((run) => run.replace(/\$\{\{[^}]*\}\}/g, '1'));
  return harnessCommands(`\`\`\`sh\n${runs.join('\n')}\n\`\`\`\n`);
}

function allCommands(): { file: string; cmd: DocCommand }[] {
  return [
    ...docFiles().flatMap((file) => harnessCommands(read(file)).map((cmd) => ({ file, cmd }))),
    ...workflowCommands().map((cmd) => ({ file: WORKFLOW, cmd })),
  ];
}

describe('commands in README.md and docs/', () => {
  it('finds them, quoted and chained as a shell splits them', () => {
    const md = "```sh\nnpm ci && npm run scenarios -- --replay 'a@b:0x2-1'   # replay\n```\n```console\n$ npx race --list\nnpx race --nope\n```\n";
    expect(harnessCommands(md).map((c) => [c.program, ...c.args])).toEqual([
      ['scenarios', '--replay', 'a@b:0x2-1'],
      ['race', '--list'],
    ]);
    expect(allCommands().length).toBeGreaterThan(20);
  });

  it('every one parses with the real flag tables: no unknown, renamed or out-of-range flag', async () => {
    const failures: string[] = [];
    for (const { file, cmd } of allCommands()) {
      try {
        const { flags, aliases } = await flagsFor(cmd);
        const { values } = parseFlags(cmd.args, flags, aliases);
        const strategy = values['strategy'];
        if (typeof strategy === 'string' && !Object.hasOwn(STRATEGIES, strategy)) throw new Error(`unknown strategy ${strategy}`);
        if (typeof values['replay'] === 'string') parseReplayTarget(values['replay']);
      } catch (e) {
        failures.push(`${file}:${cmd.line}: ${cmd.text}: ${(e as Error).message.split('\n')[0] ?? ''}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("every one is accepted whole, as the CLI checks it before a run: flags together, this repository's scenario and variant names", async () => {
    const failures: string[] = [];
    const contexts = new Map<string, Promise<CliContext>>();
    for (const { file, cmd } of allCommands()) {
      if (cmd.args.some((a) => ['--help', '-h', '--version', '--list', '--merge', '--spec'].includes(a))) continue;
      try {
        if (cmd.program === 'scenarios') {
          const scenarios = cmd.args.flatMap((a, i) => (cmd.args[i - 1] === '--scenarios' ? [a] : []));
          const config = cmd.args[cmd.args.indexOf('--config') + 1];
          const key = `${config ?? ''}|${scenarios.join(',')}`;
          if (!contexts.has(key)) {
            contexts.set(
              key,
              loadScenarioCatalog({ cwd: ROOT, scenarios, ...(cmd.args.includes('--config') && config ? { config } : {}) }).then((c) => ({ scenarios: c.scenarios, config: c.config, configFile: c.configFile })),
            );
          }
          await parseCliOptions(cmd.args, {}, await (contexts.get(key) as Promise<CliContext>));
        } else {
          // A user's project: its scenario names are its own, the rest is checked.
          await parseCliOptions(cmd.args, {}, { scenarios: [], config: {}, configFile: null }).catch((e: unknown) => {
            if (!(e instanceof HarnessError && e.code === 'E_UNKNOWN_SCENARIO')) throw e;
          });
        }
      } catch (e) {
        failures.push(`${file}:${cmd.line}: ${cmd.text}: ${(e as Error).message.split('\n')[0] ?? ''}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('an unknown flag fails the check', async () => {
    const [cmd] = harnessCommands('```sh\nnpx race --layer baseline\n```\n');
    const { flags, aliases } = await flagsFor(cmd as DocCommand);
    expect(() => parseFlags((cmd as DocCommand).args, flags, aliases)).toThrow(/Unknown option '--layer'/);
  });

  it('so do flags the CLI refuses together, and names this repository does not have', async () => {
    const catalog = await loadScenarioCatalog({ cwd: ROOT });
    const context: CliContext = { scenarios: catalog.scenarios, config: catalog.config, configFile: catalog.configFile };
    await expect(parseCliOptions(['--all', '--layers', 'proposed'], {}, context)).rejects.toThrow(/--all/);
    await expect(parseCliOptions(['--scenario', 'no-such-race'], {}, context)).rejects.toThrow(/no-such-race/);
    await expect(parseCliOptions(['--scenario', 'signal-sync', '--layers', 'baseline'], {}, context)).resolves.toMatchObject({ variants: ['baseline'] });
  });

  // Several processes each start the CLI: a liveness bound for a loaded machine, not a timing claim.
  it('the cheap ones run for real: --help, --list, --version', { timeout: 240_000 }, () => {
    const cheap = allCommands().filter(({ cmd }) => cmd.args.length > 0 && cmd.args.every((a, i) => ['--help', '--list', '--version', '-h'].includes(a) || (a === '--config' || cmd.args[i - 1] === '--config')));
    expect(cheap.map(({ cmd }) => cmd.args.join(' '))).toEqual(expect.arrayContaining(['--help', '--version']));
    const seen = new Set<string>();
    for (const { file, cmd } of cheap) {
      const key = `${cmd.program} ${cmd.args.join(' ')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // `npm run scenarios` is tsx on the entry point; `npx race` is the package's bin.
      const entry = cmd.program === 'scenarios' ? scenariosEntry() : [join(ROOT, 'bin/race.mjs')];
      const r = spawnSync(process.execPath, [...entry, ...cmd.args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 });
      expect(r.status, `${file}:${cmd.line}: ${cmd.text}\n${r.stderr}`).toBe(0);
      expect(r.stdout.length, `${file}:${cmd.line}: ${cmd.text} printed nothing`).toBeGreaterThan(0);
    }
  });
});

describe('small runs the guides show', () => {
  it('an isolation spec file of this repository runs and matches its expected output', { timeout: 240_000 }, () => {
    const specRuns = allCommands().filter(({ cmd }) => cmd.program === 'scenarios' && cmd.args.length === 2 && cmd.args[0] === '--spec' && existsSync(cmd.args[1] as string));
    expect(specRuns.length).toBeGreaterThan(0);
    for (const { file, cmd } of specRuns) {
      const out = join(tmpdir(), `prh-docs-spec-${process.pid}`);
      const r = spawnSync(process.execPath, [...scenariosEntry(), ...cmd.args, '--out', out], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, DATABASE_URL: inject('pgAdminUrl'), NO_COLOR: '1' },
        timeout: 120_000,
      });
      rmSync(out, { recursive: true, force: true });
      expect(r.status, `${file}:${cmd.line}: ${cmd.text}\n${r.stdout}${r.stderr}`).toBe(0);
    }
  });
});

describe('the GitHub Actions example', () => {
  it('is the workflow docs/guides/ci.md shows, and shards, merges and judges', () => {
    expect(read('docs/guides/ci.md')).toContain(`\`\`\`yaml\n${read(WORKFLOW)}\`\`\``);
    const args = workflowCommands().map((c) => c.args);
    expect(args.some((a) => a.includes('--shard') && a.includes('--ci'))).toBe(true);
    expect(args.some((a) => a.includes('--merge') && a.includes('--ci'))).toBe(true);
  });
});

describe('README.md', () => {
  it('stays about one screen: under 10 KB', () => {
    expect(statSync('README.md').size).toBeLessThan(10 * 1024);
  });
});
