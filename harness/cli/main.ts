// Entry point of `npm run scenarios`: process.env and argv enter here and nowhere deeper.
import { spawn } from 'node:child_process';
import { stopAllResources } from '../db/index.ts';
import { runCli } from './run-cli.ts';

// A crash still stops PostgreSQL and removes its directory before the process ends.
process.on('uncaughtException', (e) => {
  process.stderr.write(`fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  void stopAllResources().finally(() => process.exit(3));
});

// Worker processes run this same entry point (under tsx, execArgv carries its loader). The IPC
// channel tells a worker when its parent is gone, however the parent ended.
const spawnSelf = (args: readonly string[]) =>
  spawn(process.execPath, [...process.execArgv, process.argv[1] ?? 'harness/cli/main.ts', ...args], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
if (process.send) {
  // The channel must not keep a finished worker alive.
  process.channel?.unref();
  process.on('disconnect', () => {
    void stopAllResources().finally(() => process.exit(130));
  });
}

// Installed as a package, this runs as the `race` bin (bin/race.mjs); in this repository as `npm run scenarios`.
const command = /(^|[\\/])race(\.mjs)?$/.test(process.argv[1] ?? '') ? 'npx race' : undefined;
const code = await runCli(process.argv.slice(2), process.env, { out: process.stdout, err: process.stderr, spawnSelf, ...(command ? { command } : {}) }).catch(async (e: unknown) => {
  process.stderr.write(`fatal: ${String(e)}\n`);
  await stopAllResources();
  return 3;
});
process.exitCode = code;
