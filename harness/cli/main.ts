// Entry point of `npm run scenarios`: process.env and argv enter here and nowhere deeper.
import { stopAllResources } from '../db/index.ts';
import { runCli } from './run-cli.ts';

const code = await runCli(process.argv.slice(2), process.env, { out: process.stdout, err: process.stderr }).catch(async (e: unknown) => {
  process.stderr.write(`fatal: ${String(e)}\n`);
  await stopAllResources();
  return 3;
});
process.exitCode = code;
