// Actors the plan's scenarios are made of: the bot's flows, built over an actor's scheduled ports.
import { exchangeServiceName } from '../exchange/index.ts';
import { createPositionBot, type BotPolicy, type ExchangeClient, type NewPosition, type PositionSide } from '../flow/index.ts';
import type { ActorPorts, ActorSpec } from '../../harness/sched/index.ts';
import type { ScenarioEnv } from './define-scenario.ts';

export interface SignalSpec {
  readonly symbol: string;
  readonly exchange: string;
  readonly side?: PositionSide;
  readonly quantity?: number;
}

/** The actor's gated client of one exchange account. */
export function exchangeOf(ports: ActorPorts, exchange: string): ExchangeClient {
  return ports.service<ExchangeClient>(exchangeServiceName(exchange));
}

function botOf(ports: ActorPorts, exchange: string, env: ScenarioEnv, variant: Partial<BotPolicy> = {}) {
  return createPositionBot({ sql: ports.sql, exchange: exchangeOf(ports, exchange), clock: ports.clock, policy: { ...env.policy, ...variant } });
}

/** The Signal flow: openPositionAtomic. */
export function signalActor(name: string, s: SignalSpec, env: ScenarioEnv): ActorSpec {
  return {
    name,
    run: (ports) =>
      botOf(ports, s.exchange, env).manager.openPositionAtomic({ symbol: s.symbol, side: s.side ?? 'long', quantity: s.quantity ?? 5, stopLossPercent: 0.02 }),
  };
}

/** The Sync flow on one exchange. */
export function syncActor(name: string, exchange: string, env: ScenarioEnv, startAfterMs = 0): ActorSpec {
  return {
    name,
    run: async (ports) => {
      if (startAfterMs > 0) await ports.clock.sleep(startAfterMs, 'sync timer');
      const ex = exchangeOf(ports, exchange);
      return botOf(ports, exchange, env).synchronizer.sync(ex);
    },
  };
}

/** A bare repository.createPosition call, as the plan's Test 2 and Test 3 make it. */
export function createActor(name: string, data: NewPosition, env: ScenarioEnv): ActorSpec {
  return { name, run: (ports) => botOf(ports, data.exchange, env).repository.createPosition(data) };
}

/** A manual close: market-close the exchange position, then close the open row. */
export function closeActor(name: string, symbol: string, exchange: string, env: ScenarioEnv): ActorSpec {
  return { name, run: (ports) => botOf(ports, exchange, env).positions.closePosition(symbol) };
}

/**
 * Adds `quantity` to the open position of (symbol, exchange): read it, buy more, write the new
 * quantity. `variant` changes how this flow is written, whatever the layer set (e.g. Option 6 read right).
 */
export function addActor(name: string, symbol: string, exchange: string, quantity: number, env: ScenarioEnv, variant: Partial<BotPolicy> = {}): ActorSpec {
  return { name, run: (ports) => botOf(ports, exchange, env, variant).positions.addToPosition(symbol, quantity) };
}
