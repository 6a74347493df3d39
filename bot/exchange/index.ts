// Public face of the mock futures exchange: its state, its fault rules, its two transports (msw
// over HTTP, and direct in-process calls) and a real local HTTP server for process actors.

export { ExchangeRejection } from './exchange-rejection.ts';
export {
  FaultRuleError,
  exchangeOperations,
  faultKinds,
  type ExchangeFault,
  type ExchangeFaultKind,
  type ExchangeOperation,
  type FaultRule,
  type HttpFaultStatus,
} from './exchange-fault.ts';
export { MockExchange, type MockExchangeOptions, type MockExchangeSnapshot } from './mock-exchange.ts';
export {
  mockExchangeServerState,
  serveMockExchange,
  type ServedMockExchange,
} from './mock-exchange-server.ts';
export { startHttpExchangeServer, type HttpExchangeServer } from './http-exchange-server.ts';
export { DirectExchangeClient, type DirectExchangeClientOptions } from './direct-exchange-client.ts';
export {
  EXCHANGE_TRANSPORTS,
  connectMockExchange,
  type ExchangeTransport,
  type ExchangeTransportEntry,
  type MockExchangeConnection,
} from './exchange-transport.ts';
export { exchangeOfService, exchangeService, exchangeServiceName } from './exchange-service.ts';
export { exchangeHttpFace } from './exchange-http-face.ts';
