// Public face of the mock futures exchange: its state, its fault rules and its msw server.

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
