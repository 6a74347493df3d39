// Entry point of `npm run scenarios`: process.env and argv enter here and nowhere deeper.
import { stopAllResources } from '../db/index.ts';
import { runCli } from './run-cli.ts';

// A crash still stops PostgreSQL and removes its directory before the process ends.
process.on('uncaughtException', (e) => {
  process.stderr.write(`fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  void stopAllResources().finally(() => process.exit(3));
});

const code = await runCli(process.argv.slice(2), process.env, { out: process.stdout, err: process.stderr }).catch(async (e: unknown) => {
  process.stderr.write(`fatal: ${String(e)}\n`);
  await stopAllResources();
  return 3;
});
process.exitCode = code;
