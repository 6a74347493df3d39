// Entry point of `race` (and `npm run scenarios` in this repository): process.env and argv enter
// here and nowhere deeper.
import { spawn } from 'node:child_process';
import { packageVersion } from './package-version.ts';
import type { ParentChannel, ToWorker } from './worker-protocol.ts';

// `--version` answers before the rest of the harness is loaded.
if (process.argv.slice(2).includes('--version')) {
  process.stdout.write(`${packageVersion()}\n`);
  process.exit(0);
}
// So does `--help`, which loads the configuration alone (or, compiled, answers from the cache).
const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  const { helpCommand } = await import('./help-command.ts');
  process.exit(await helpCommand(args, process.cwd(), { out: process.stdout, err: process.stderr }, { cache: !import.meta.url.endsWith('.ts') }));
}
// A compiled `race --list` answers from the project's cache while nothing it came from changed.
const cacheAnswers = !import.meta.url.endsWith('.ts');
if (cacheAnswers && args.includes('--list')) {
  const { cachedListing } = await import('./list-command.ts');
  const kept = await cachedListing(args, process.cwd());
  if (kept !== null) {
    process.stdout.write(kept);
    process.exit(0);
  }
}
const debug = process.argv.includes('--debug');

/** Stops whatever the run started; the database layer is loaded only when something needs stopping. */
async function stopAll(): Promise<void> {
  const { stopAllResources } = await import('../db/index.ts');
  await stopAllResources();
}

// A crash still stops PostgreSQL and removes its directory before the process ends. It is a bug
// of the harness (exit 3); its stack is printed with --debug.
process.on('uncaughtException', (e) => {
  const detail = e instanceof Error ? (debug ? (e.stack ?? e.message) : e.message) : String(e);
  process.stderr.write(`internal error: ${detail}\n${debug ? '' : '(run again with --debug for the stack trace)\n'}`);
  void stopAll().finally(() => process.exit(3));
});

// A reader that went away (`race | head`) ends the command as a termination would: what finished
// is reported and what the run made is dropped, instead of running on with nobody reading.
let readerGone = false;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    // Once: a second signal during the shutdown would meet the default action and skip the cleanup.
    if (readerGone) return;
    readerGone = true;
    process.kill(process.pid, 'SIGTERM');
  });
}

// Worker processes run this same entry point (under tsx, execArgv carries its loader). The IPC
// channel tells a worker when its parent is gone, however the parent ended.
const spawnSelf = (args: readonly string[]) =>
  spawn(process.execPath, [...process.execArgv, process.argv[1] ?? 'harness/cli/main.ts', ...args], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
/** How long a worker whose parent is gone spends stopping what it started (its programs first). */
const ORPHAN_STOP_MS = 5000;
let parent: ParentChannel | undefined;
if (process.send) {
  // The channel must not keep a finished worker alive.
  process.channel?.unref();
  process.on('disconnect', () => {
    // Bounded: with the parent gone its server may be going too, and a drop would wait for it.
    setTimeout(() => process.exit(130), ORPHAN_STOP_MS).unref();
    void stopAll().finally(() => process.exit(130));
  });
  const send = process.send.bind(process);
  parent = {
    send: (m) => void send(m),
    onMessage: (listener) => process.on('message', (m) => listener(m as ToWorker)),
  };
}

// A spec run against a URL goes to the resident process, which has the harness loaded and the last
// spec's database kept; the first such command runs here and leaves one behind (resident/).
const resident = await import('./resident/index.ts');
const entry = process.argv[1] ?? 'harness/cli/main.ts';
// Installed as a package, this runs as the `race` bin (bin/race.mjs); in this repository as `npm
// run scenarios` (bin/race.mjs too), whose replay commands are shown as that script.
const viaScript = process.env['npm_lifecycle_event'] === 'scenarios' && process.env['npm_package_name'] === 'position-race-harness';
const command = /(^|[\\/])race(\.mjs)?$/.test(entry) && !viaScript ? 'npx race' : undefined;
const serving = args[0] === resident.RESIDENT_SERVE_FLAG;
const place = !serving && !process.send && resident.servedByResident(args, process.env) ? resident.residentPlace(process.env) : null;
let ranInResident = false;
let startResidentAfter = false;
if (place) {
  const answer = await resident.runInResident(place, resident.requestOf(args, command), process.stdout, process.stderr);
  if (answer.ran) {
    ranInResident = true;
    process.exitCode = answer.code;
  } else startResidentAfter = !answer.listening;
}

if (serving) {
  const p = resident.residentPlace({ ...process.env, RACE_RESIDENT: args[1] ?? '' });
  if (p) await (await import('./resident/resident-server.ts')).serveResident(p);
} else if (!ranInResident) {
  const { runCli } = await import('./run-cli.ts');
  const code = await runCli(args, process.env, { out: process.stdout, err: process.stderr, spawnSelf, cacheAnswers, ...(parent ? { parent } : {}), ...(command ? { command } : {}) }).catch(async (e: unknown) => {
    process.stderr.write(`internal error: ${e instanceof Error ? (debug ? (e.stack ?? e.message) : e.message) : String(e)}\n`);
    await stopAll();
    return 3;
  });
  process.exitCode = code;
  // The next spec run against a URL finds the harness loaded.
  if (startResidentAfter && place) resident.startResident(entry, place.idleMs);
}
