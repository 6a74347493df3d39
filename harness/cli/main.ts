// Entry point of `npm run scenarios`: process.env and argv enter here and nowhere deeper.
import { spawn } from 'node:child_process';
import { stopAllResources } from '../db/index.ts';
import { runCli } from './run-cli.ts';
import type { ParentChannel, ToWorker } from './worker-protocol.ts';

const debug = process.argv.includes('--debug');

// A crash still stops PostgreSQL and removes its directory before the process ends. It is a bug
// of the harness (exit 3); its stack is printed with --debug.
process.on('uncaughtException', (e) => {
  const detail = e instanceof Error ? (debug ? (e.stack ?? e.message) : e.message) : String(e);
  process.stderr.write(`internal error: ${detail}\n${debug ? '' : '(run again with --debug for the stack trace)\n'}`);
  void stopAllResources().finally(() => process.exit(3));
});

// Worker processes run this same entry point (under tsx, execArgv carries its loader). The IPC
// channel tells a worker when its parent is gone, however the parent ended.
const spawnSelf = (args: readonly string[]) =>
  spawn(process.execPath, [...process.execArgv, process.argv[1] ?? 'harness/cli/main.ts', ...args], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
let parent: ParentChannel | undefined;
if (process.send) {
  // The channel must not keep a finished worker alive.
  process.channel?.unref();
  process.on('disconnect', () => {
    void stopAllResources().finally(() => process.exit(130));
  });
  const send = process.send.bind(process);
  parent = {
    send: (m) => void send(m),
    onMessage: (listener) => process.on('message', (m) => listener(m as ToWorker)),
  };
}

const code = await runCli(process.argv.slice(2), process.env, { out: process.stdout, err: process.stderr, spawnSelf, ...(parent ? { parent } : {}) }).catch(async (e: unknown) => {
  process.stderr.write(`internal error: ${e instanceof Error ? (debug ? (e.stack ?? e.message) : e.message) : String(e)}\n`);
  await stopAllResources();
  return 3;
});
process.exitCode = code;
