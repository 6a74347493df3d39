// The Python bot's layer sets are configuration of its code: the same ids, named sets, policy
// fields and migrations as bot/layers, composed the same way (conflicts and unknown names are
// errors), and its command line keeps the contract's exit codes for bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAYERS, NAMED_SETS, layerNames, resolveLayerSet } from '../../layers/index.ts';
import { spawnSync } from 'node:child_process';
import { flowLockId, positionLockId, schemaFiles } from '../../flow/index.ts';
import { PACKAGE_DIR, PYTHON, PythonRunners, endingOf, pythonUnavailable, runPythonProcess, type ProcessResult } from './python-actors.ts';

/** Layers whose flows the Python bot does not have (bot/python/position_bot/layers.py NOT_IMPLEMENTED). */
const NOT_IMPLEMENTED = ['quantity-delta', 'serializable', 'select-for-update'];

interface PythonLayerSet {
  readonly id: string;
  readonly layers: readonly string[];
  readonly policy: Record<string, unknown>;
  readonly schema: Record<string, unknown>;
  readonly migrations: readonly string[];
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const snakeKeys = (o: object) => Object.fromEntries(Object.entries(o).map(([k, v]) => [snake(k), v]));

/** What the Python bot must resolve `spec` to: the TypeScript layer set, in Python's field names. */
function expectedOf(spec: string): PythonLayerSet {
  const ts = resolveLayerSet(spec);
  const schemaNames = new Set(schemaFiles().map((f) => f.name));
  return {
    id: ts.id,
    layers: ts.layers.map((l) => l.id),
    policy: snakeKeys(ts.policy),
    schema: snakeKeys(ts.schema),
    migrations: ts.sqlFiles.filter((f) => !schemaNames.has(f.name)).map((f) => f.name.replace(/^migrations\//, '')),
  };
}

const unavailable = pythonUnavailable();

// Without Debian's Python and asyncpg there is nothing to compare; this says why instead of failing.
it.runIf(unavailable !== null)('reports why the Python layer tests did not run', () => {
  console.warn(`bot/test/python skipped: ${unavailable}`);
  expect(unavailable).not.toBeNull();
});

// Skipped only when Python or asyncpg is missing (see the test above, which says why).
describe.skipIf(unavailable !== null)('the Python bot’s layer sets', () => {
  let runners: PythonRunners;
  beforeAll(() => {
    runners = new PythonRunners(1);
  });
  afterAll(() => runners.close());

  const policyOf = async (spec: string): Promise<ProcessResult> => runners.run(['policy', '--layers', spec], {});
  const resolved = async (spec: string): Promise<PythonLayerSet> => {
    const r = await policyOf(spec);
    expect(r.exitCode, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as PythonLayerSet;
  };

  it('knows every layer id and named set of bot/layers, and no other', async () => {
    expect(Object.keys(LAYERS).length + Object.keys(NAMED_SETS).length).toBe(layerNames().length);
    const unknown = endingOf(await policyOf('no-such-layer'));
    expect(unknown).toMatchObject({ status: 'error', code: 'E_UNKNOWN_LAYER' });
    for (const name of layerNames()) expect(unknown.status === 'error' && unknown.message).toContain(name);
  });

  it.each(layerNames().filter((n) => ![...NOT_IMPLEMENTED, 'targeted'].includes(n)))('resolves %s to the TypeScript policy and migrations', async (spec) => {
    expect(await resolved(spec)).toEqual(expectedOf(spec));
  });

  it.each([...NOT_IMPLEMENTED, 'targeted'])('refuses %s by name: its flow is not in the Python bot (exit 2)', async (spec) => {
    const r = await policyOf(spec);
    expect(r.exitCode).toBe(2);
    expect(endingOf(r)).toMatchObject({ status: 'error', code: 'E_LAYER_NOT_IMPLEMENTED' });
    expect(r.stderr).toMatch(/layer '(quantity-delta|serializable|select-for-update)' is not implemented/);
  });

  it('composes layers as resolveLayerSet does, joined by + or by commas', async () => {
    for (const spec of ['check-open-statuses+open-status-index+safe-activation', 'proposed+open-status-index', 'symbol-flow-lock+sync-per-symbol', 'baseline+poll-settlement', 'recommended+recommended']) {
      expect(await resolved(spec)).toEqual(expectedOf(spec));
    }
    expect((await resolved('check-open-statuses,symbol-flow-lock,refuse-open-signal')).policy).toEqual(expectedOf('proposed').policy);
  });

  it('refuses two layers that set one field differently, naming both (E_LAYER_CONFLICT)', async () => {
    expect(() => resolveLayerSet('locked-update+optimistic-locking')).toThrow(expect.objectContaining({ code: 'E_LAYER_CONFLICT' }));
    const r = await policyOf('locked-update+optimistic-locking');
    expect(r.exitCode).toBe(2);
    expect(endingOf(r)).toMatchObject({ status: 'error', code: 'E_LAYER_CONFLICT', message: expect.stringContaining("layers 'locked-update' and 'optimistic-locking' both set update_mode differently") as unknown });
  });

  it('refuses an empty member as resolveLayerSet does', async () => {
    expect(() => resolveLayerSet('baseline+')).toThrow(expect.objectContaining({ code: 'E_UNKNOWN_LAYER' }));
    expect(endingOf(await policyOf('baseline+'))).toMatchObject({ code: 'E_UNKNOWN_LAYER', message: expect.stringContaining('empty member') as unknown });
  });

  it('as a process: exit 0 with JSON on stdout; exit 2 and one line on stderr for bad input', async () => {
    const ok = await runPythonProcess(['policy', '--layers', 'proposed'], {});
    expect(ok.exitCode).toBe(0);
    expect((JSON.parse(ok.stdout) as PythonLayerSet).policy).toEqual(expectedOf('proposed').policy);

    const noDatabase = await runPythonProcess(['signal', '--symbol', 'APTUSDT', '--exchange', 'binance'], {});
    expect(noDatabase).toMatchObject({ exitCode: 2, stdout: '' });
    expect(noDatabase.stderr).toBe('position-bot: E_USAGE: DATABASE_URL is not set; point it at the PostgreSQL (or the gate) to use\n');

    const badArgv = await runPythonProcess(['signal', '--exchange', 'binance'], { DATABASE_URL: 'postgresql://127.0.0.1:1/none' });
    expect(badArgv.exitCode).toBe(2);
    expect(badArgv.stderr.trim().split('\n')).toHaveLength(1);
    expect(endingOf(badArgv)).toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('--symbol') as unknown });
  });

  it('takes the advisory-lock keys the TypeScript port takes (position and flow locks)', () => {
    const keys = [['APTUSDT', 'binance'], ['LINKUSDT', 'bybit'], ['ÄÖ-Ü', 'x']] as const;
    const script = `import json, sys
from position_bot.database import PositionRepository
r = PositionRepository(None, None)
print(json.dumps([[str(r._get_position_lock_id(s, e)), str(r._get_flow_lock_id(s, e))] for s, e in json.loads(sys.argv[1])]))`;
    const r = spawnSync(PYTHON, ['-c', script, JSON.stringify(keys)], { cwd: PACKAGE_DIR, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(keys.map(([s, e]) => [positionLockId(s, e), flowLockId(s, e)]));
  });

  it('ends with exit 1 and the error on one line when the database cannot be reached', async () => {
    // Port 1 on loopback: nothing listens there, so the first pool.acquire() fails at once.
    const r = await runners.run(['create', '--symbol', 'APTUSDT', '--exchange', 'binance'], { DATABASE_URL: 'postgresql://bot@127.0.0.1:1/none' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(endingOf(r)).toMatchObject({ status: 'error', code: 'ECONNREFUSED', sqlState: null });
  });
});
