// The Python bot's actors (bot/python/position_bot) as process actors of the bot's scenarios: each
// run starts `python3 -m position_bot <role> ... --layers <set>` behind its gates (a lane per pool
// connection, the exchange account over HTTP, the virtual clock), and reads how it ended from the
// contract's last stderr line, so its endings compare with the TypeScript actors'.
import { fileURLToPath } from 'node:url';
import { programActor, pythonRunner } from '../../../harness/gate/index.ts';
import type { ActorPorts, ActorSpec } from '../../../harness/sched/index.ts';
import { exchangeServiceName } from '../../exchange/index.ts';
import type { ScenarioEnv } from '../../plugin/index.ts';

/** Debian's Python: the one with python3-asyncpg (the `python3` first on PATH may be another). */
export const PYTHON = process.env['RACE_PYTHON'] ?? '/usr/bin/python3';
/** bot/python: `-m position_bot` runs from here. */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
/** asyncpg's pool as position_bot configures it (POOL_OPTIONS max_size): one lane each. */
const POOL_SIZE = 2;

/**
 * How a Python actor starts each run: `process` (its own interpreter, `python3 -m position_bot`,
 * the contract as shipped) or `runner` (a call of position_bot.run_actor in a long-lived
 * interpreter, harness/gate/runners: the same code and gates without starting Python per run).
 * POSITION_BOT_LAUNCH chooses; `runner` by default.
 */
export type PythonLaunch = 'process' | 'runner';

export function launchMode(): PythonLaunch {
  const v = process.env['POSITION_BOT_LAUNCH'] ?? 'runner';
  if (v !== 'process' && v !== 'runner') throw new Error(`POSITION_BOT_LAUNCH is '${v}'; use 'process' or 'runner'`);
  return v;
}

const RUNNER = pythonRunner({ python: PYTHON, entry: 'position_bot:run_actor', cwd: PACKAGE_DIR });

/** One actor of position_bot: `role` and its arguments, under the cell's layer set. */
export function pythonActor(name: string, args: readonly string[], env: ScenarioEnv, exchange: string | null): ActorSpec {
  const spec = programActor({
    name,
    command: [PYTHON, '-m', 'position_bot', ...args, '--layers', env.layerSet.id],
    cwd: PACKAGE_DIR,
    connections: POOL_SIZE,
    ...(exchange ? { services: [exchangeServiceName(exchange)] } : {}),
    ...(launchMode() === 'runner' ? { launch: RUNNER } : {}),
  });
  return { ...spec, run: (ports: ActorPorts) => botEnding(spec.run(ports)) };
}

/** `position-bot: <code>[ SQLSTATE <sqlstate>]: <message>` (bot/python/README.md, Endings). */
const ERROR_LINE = /^position-bot: (\S+?)(?: SQLSTATE ([0-9A-Z]{5}))?: (.*)$/;

/**
 * The actor's error as the TypeScript actor's would be recorded: the code and SQLSTATE the
 * program names (not merely the last failed statement on its lanes, which it may have handled).
 */
async function botEnding(run: Promise<unknown>): Promise<unknown> {
  try {
    return await run;
  } catch (e) {
    const output = (e as { output?: { stderr?: string } }).output;
    const last = output?.stderr?.trim().split('\n').at(-1) ?? '';
    const m = ERROR_LINE.exec(last);
    if (!m) throw e;
    const [, code, sqlState, message] = m;
    throw Object.assign(new Error(message), { code, output, ...(sqlState ? { cause: { code: sqlState } } : {}) });
  }
}

export const signal = (name: string, symbol: string, exchange: string, env: ScenarioEnv): ActorSpec =>
  pythonActor(name, ['signal', '--symbol', symbol, '--exchange', exchange], env, exchange);

export const sync = (name: string, exchange: string, env: ScenarioEnv, startAfterMs = 0): ActorSpec =>
  pythonActor(name, ['sync', '--exchange', exchange, ...(startAfterMs > 0 ? ['--start-after-ms', String(startAfterMs)] : [])], env, exchange);

export const create = (name: string, args: readonly string[], env: ScenarioEnv): ActorSpec => pythonActor(name, ['create', ...args], env, null);

export const close = (name: string, symbol: string, exchange: string, env: ScenarioEnv): ActorSpec =>
  pythonActor(name, ['close', '--symbol', symbol, '--exchange', exchange], env, exchange);
