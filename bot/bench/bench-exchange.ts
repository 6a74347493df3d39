// The exchange figure of the bench: what one request to the mock exchange costs over each transport
// (msw's in-process fetch interception against the direct client), the same mix of calls for both.
import { EXCHANGE_TRANSPORTS, MockExchange, connectMockExchange, type ExchangeTransport } from '../exchange/index.ts';
import { round } from './bench-throughput.ts';
import { median } from './bench-sql-floor.ts';

/**
 * Microseconds per request, median over batches, and CPU microseconds per request (this process's
 * CPU over all batches: less sensitive to other processes taking the cores); the mix: market
 * order, getOrder, listPositions.
 */
export async function exchangeRequestCost(requests: number): Promise<Record<ExchangeTransport, { wall: number; cpu: number }>> {
  const out = {} as Record<ExchangeTransport, { wall: number; cpu: number }>;
  for (const transport of Object.keys(EXCHANGE_TRANSPORTS) as ExchangeTransport[]) {
    const mock = new MockExchange({ prices: { BTCUSDT: 100 } });
    const connection = connectMockExchange(mock, transport);
    const client = connection.client('binance');
    const batches: number[] = [];
    const perBatch = 30;
    const cpu = process.cpuUsage();
    try {
      for (let done = 0; done < requests; done += 3 * perBatch) {
        mock.reset();
        const started = performance.now();
        for (let i = 0; i < perBatch; i++) {
          const order = await client.placeMarketOrder({ symbol: 'BTCUSDT', side: i % 2 === 0 ? 'buy' : 'sell', quantity: 1 });
          await client.getOrder('BTCUSDT', order.orderId);
          await client.listPositions();
        }
        batches.push(((performance.now() - started) * 1000) / (3 * perBatch));
      }
    } finally {
      connection.close();
    }
    const used = process.cpuUsage(cpu);
    out[transport] = { wall: round(median(batches), 1), cpu: round((used.user + used.system) / (batches.length * 3 * perBatch), 1) };
  }
  return out;
}
