// The direct client against the HTTP reference, call by call: for any fault rules and any sequence
// of calls (valid or malformed), both transports give the bot the same values and the same errors,
// and leave the exchange, its unused faults and its clock in the same state.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FetchExchangeClient } from '../../flow/adapters/fetch-exchange-client.ts';
import type { ExchangeClient } from '../../flow/index.ts';
import type { Clock } from '../../../harness/ports/index.ts';
import {
  DirectExchangeClient,
  EXCHANGE_TRANSPORTS,
  MockExchange,
  connectMockExchange,
  serveMockExchange,
  type ExchangeFault,
  type ExchangeTransport,
  type FaultRule,
  type MockExchangeConnection,
} from '../../exchange/index.ts';

const exchanges = ['binance', 'bybit'] as const;
const symbols = ['BTCUSDT', 'ETHUSDT', '', '.', '..', 'A/B', 'é x'];
const orderIds = ['binance-1', 'binance-2', 'bybit-1', 'bybit-3', 'nope', '', '..'];
const quantities = [1, 0.5, 2, 0, -1, Number.NaN];

type Call =
  | { op: 'placeMarketOrder'; exchange: string; symbol: string; side: 'buy' | 'sell'; quantity: number; reduceOnly: boolean | undefined }
  | { op: 'placeStopLoss'; exchange: string; symbol: string; side: 'buy' | 'sell'; quantity: number; stopPrice: number }
  | { op: 'getOrder' | 'cancelOrder'; exchange: string; symbol: string; orderId: string }
  | { op: 'listPositions'; exchange: string }
  | { op: 'closePosition'; exchange: string; symbol: string };

const exchangeArb = fc.constantFrom(...exchanges);
const symbolArb = fc.constantFrom(...symbols);
const sideArb = fc.constantFrom('buy' as const, 'sell' as const);
const quantityArb = fc.constantFrom(...quantities);

const callArb: fc.Arbitrary<Call> = fc.oneof(
  fc.record({ op: fc.constant('placeMarketOrder' as const), exchange: exchangeArb, symbol: symbolArb, side: sideArb, quantity: quantityArb, reduceOnly: fc.constantFrom(true, false, undefined) }),
  fc.record({ op: fc.constant('placeStopLoss' as const), exchange: exchangeArb, symbol: symbolArb, side: sideArb, quantity: quantityArb, stopPrice: fc.constantFrom(9, 0) }),
  fc.record({ op: fc.constantFrom('getOrder' as const, 'cancelOrder' as const), exchange: exchangeArb, symbol: symbolArb, orderId: fc.constantFrom(...orderIds) }),
  fc.record({ op: fc.constant('listPositions' as const), exchange: exchangeArb }),
  fc.record({ op: fc.constant('closePosition' as const), exchange: exchangeArb, symbol: symbolArb }),
);

/** Every fault kind that answers on its own (a hang is tested with an abort below). */
const faultArb: fc.Arbitrary<ExchangeFault> = fc.oneof(
  fc.record({ kind: fc.constant('http' as const), status: fc.constantFrom(500 as const, 502 as const, 503 as const, 429 as const) }),
  fc.record({ kind: fc.constant('http' as const), status: fc.constant(503 as const), code: fc.constant('MAINTENANCE'), message: fc.constant('back soon') }),
  fc.record({ kind: fc.constant('latency' as const), ms: fc.constantFrom(0, 250) }),
  fc.constant({ kind: 'lost-response' as const }),
  fc.constant({ kind: 'stop-loss-rejected' as const }),
);

const ruleArb: fc.Arbitrary<FaultRule> = fc
  .record({
    operation: fc.constantFrom('placeMarketOrder' as const, 'placeStopLoss' as const, 'getOrder' as const, 'cancelOrder' as const, 'listPositions' as const, 'closePosition' as const),
    exchange: fc.option(exchangeArb, { nil: undefined }),
    symbol: fc.option(fc.constantFrom('BTCUSDT', 'ETHUSDT'), { nil: undefined }),
    times: fc.constantFrom(1, 2, Infinity),
    fault: faultArb,
  })
  .map((r) => ({
    operation: r.operation,
    times: r.times,
    ...(r.exchange === undefined ? {} : { exchange: r.exchange }),
    ...(r.symbol === undefined || r.operation === 'listPositions' ? {} : { symbol: r.symbol }),
    // A stop-loss rejection applies to placeStopLoss only (anything else is a bad rule).
    fault: r.fault.kind === 'stop-loss-rejected' && r.operation !== 'placeStopLoss' ? ({ kind: 'lost-response' } as const) : r.fault,
  }));

function recordingClock(): Clock & { readonly sleeps: { ms: number; label: string | undefined }[] } {
  const sleeps: { ms: number; label: string | undefined }[] = [];
  return { sleeps, now: () => 0, sleep: async (ms, label) => void sleeps.push({ ms, label }) };
}

function invoke(client: ExchangeClient, call: Call): Promise<unknown> {
  switch (call.op) {
    case 'placeMarketOrder':
      return client.placeMarketOrder({ symbol: call.symbol, side: call.side, quantity: call.quantity, ...(call.reduceOnly === undefined ? {} : { reduceOnly: call.reduceOnly }) });
    case 'placeStopLoss':
      return client.placeStopLoss({ symbol: call.symbol, side: call.side, quantity: call.quantity, stopPrice: call.stopPrice });
    case 'getOrder':
      return client.getOrder(call.symbol, call.orderId);
    case 'cancelOrder':
      return client.cancelOrder(call.symbol, call.orderId);
    case 'listPositions':
      return client.listPositions();
    case 'closePosition':
      return client.closePosition(call.symbol);
  }
}

/** What the bot can observe of one call: the value, or the error's class, fields and message. */
async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return { value: await p };
  } catch (e) {
    const err = e as Error & Record<string, unknown>;
    return { error: { name: err.name, class: err.constructor.name, message: err.message, operation: err.operation, status: err.status, exchangeCode: err.exchangeCode, code: err.code } };
  }
}

async function play(transport: ExchangeTransport, rules: readonly FaultRule[], calls: readonly Call[]) {
  const clock = recordingClock();
  const mock = new MockExchange({ clock, prices: { BTCUSDT: 100, ETHUSDT: 5 } });
  const connection = connectMockExchange(mock, transport);
  try {
    for (const rule of rules) mock.injectFault(rule);
    const outcomes: unknown[] = [];
    for (const call of calls) outcomes.push(await outcome(invoke(connection.client(call.exchange), call)));
    return { outcomes, state: mock.snapshot(), pendingFaults: mock.pendingFaults(), sleeps: clock.sleeps };
  } finally {
    connection.close();
  }
}

describe('direct and HTTP exchange transports', () => {
  const open: MockExchangeConnection[] = [];
  afterEach(() => {
    for (const c of open.splice(0)) c.close();
  });

  it('give the same answers, errors and exchange state for any faults and calls', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ruleArb, { maxLength: 4 }), fc.array(callArb, { minLength: 1, maxLength: 14 }), async (rules, calls) => {
        const overHttp = await play('http', rules, calls);
        const direct = await play('direct', rules, calls);
        expect(direct).toEqual(overHttp);
      }),
      { numRuns: 150, seed: 12 },
    );
  });

  it('refuse an unknown exchange account alike', () => {
    for (const transport of Object.keys(EXCHANGE_TRANSPORTS) as ExchangeTransport[]) {
      const connection = connectMockExchange(new MockExchange(), transport);
      open.push(connection);
      expect(() => connection.client('kraken'), transport).toThrow(/unknown exchange 'kraken'; this mock serves: binance, bybit/);
    }
  });

  it('a hang answers neither until the caller aborts, then both fail with the same ABORTED error', async () => {
    const results: unknown[] = [];
    for (const transport of ['http', 'direct'] as const) {
      const mock = new MockExchange();
      mock.injectFault({ operation: 'placeMarketOrder', fault: { kind: 'hang' } });
      const controller = new AbortController();
      const client = abortableClient(transport, mock, controller.signal);
      let settled = false;
      const pending = outcome(client.placeMarketOrder({ symbol: 'BTCUSDT', side: 'buy', quantity: 1 })).finally(() => (settled = true));
      // Let the HTTP request reach the exchange (msw answers after a few macrotasks).
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(settled, transport).toBe(false);
      expect(mock.pendingFaults(), transport).toEqual([]);
      controller.abort();
      results.push({ result: await pending, orders: mock.orders('binance') });
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[0]).toMatchObject({ result: { error: { status: 0, exchangeCode: 'ABORTED' } }, orders: [] });
  });

  it('an already aborted call reaches neither exchange and fails alike', async () => {
    const results: unknown[] = [];
    for (const transport of ['http', 'direct'] as const) {
      const mock = new MockExchange();
      mock.injectFault({ operation: 'listPositions', fault: { kind: 'http', status: 500 } });
      const client = abortableClient(transport, mock, AbortSignal.abort());
      results.push({ result: await outcome(client.listPositions()), pending: mock.pendingFaults().length });
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[0]).toMatchObject({ result: { error: { exchangeCode: 'ABORTED' } }, pending: 1 });
  });

  function abortableClient(transport: ExchangeTransport, mock: MockExchange, signal: AbortSignal): ExchangeClient {
    if (transport === 'direct') return new DirectExchangeClient({ mock, exchange: 'binance', signal });
    const served = serveMockExchange(mock);
    open.push(served);
    return new FetchExchangeClient({ baseUrl: served.baseUrl, exchange: 'binance', fetch: (input, init) => fetch(input, { ...init, signal }) });
  }
});
