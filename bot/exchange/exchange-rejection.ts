// A request the mock exchange refuses, as the exchange would: the routes turn it into an
// HTTP status plus the `{ code, message }` body that real exchanges send.

/** Thrown by `MockExchange` operations; `status` and `exchangeCode` are what goes on the wire. */
export class ExchangeRejection extends Error {
  readonly code = 'E_EXCHANGE_REJECTED';
  constructor(
    readonly status: number,
    readonly exchangeCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExchangeRejection';
  }
}
