// The mock exchange as a service of the engine's service port: each request of the bot's
// ExchangeClient is one step; reads (positions, an order) commute with each other.
import type { ServiceDefinition } from '../../harness/ports/index.ts';
import type { ExchangeClient, ExchangePosition, MarketOrderRequest, Order, StopLossRequest } from '../flow/index.ts';

/** The service name under which actors reach one exchange account: `exchange:binance`. */
export function exchangeServiceName(exchange: string): string {
  return `exchange:${exchange}`;
}

/** The exchange account of a service name, or undefined when it is not one. */
export function exchangeOfService(service: string): string | undefined {
  return service.startsWith('exchange:') ? service.slice('exchange:'.length) : undefined;
}

const READ_ONLY: ReadonlySet<string> = new Set(['listPositions', 'getOrder']);

/** `client` as a service: what a trace shows of each request, and which requests only read. */
export function exchangeService(client: ExchangeClient): ServiceDefinition<ExchangeClient> {
  return {
    client,
    access: (operation) => (READ_ONLY.has(operation) ? { reads: ['*'] } : { writes: ['*'] }),
    describe: (operation, args) => (operation === 'listPositions' ? client.exchange : `${client.exchange} ${requestDetail(operation, args)}`),
    result: (operation, value) => resultDetail(operation, value),
  };
}

function requestDetail(operation: string, args: readonly unknown[]): string {
  switch (operation) {
    case 'placeMarketOrder': {
      const req = args[0] as MarketOrderRequest;
      return `${req.side} ${req.quantity} ${req.symbol}${req.reduceOnly ? ' reduce-only' : ''}`;
    }
    case 'placeStopLoss': {
      const req = args[0] as StopLossRequest;
      return `${req.side} ${req.quantity} ${req.symbol} stop ${req.stopPrice}`;
    }
    case 'getOrder':
    case 'cancelOrder':
      return `${String(args[0])} ${String(args[1])}`;
    default:
      return args.map(String).join(' ');
  }
}

function resultDetail(operation: string, value: unknown): string {
  if (operation === 'listPositions') return `positions=${(value as readonly ExchangePosition[]).length}`;
  if (operation === 'closePosition') return value ? orderResult(value as Order) : 'none';
  return orderResult(value as Order);
}

function orderResult(o: Order): string {
  return `${o.orderId} ${o.status}`;
}
