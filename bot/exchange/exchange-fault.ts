// Fault rules for the mock exchange: which call fails, how, and how many times. Scenarios
// inject them as data; the routes apply them, so the bot sees faults only through HTTP.

/** The `ExchangeClient` operations a fault can target. */
export const exchangeOperations = [
  'placeMarketOrder',
  'placeStopLoss',
  'getOrder',
  'cancelOrder',
  'listPositions',
  'closePosition',
] as const;
export type ExchangeOperation = (typeof exchangeOperations)[number];

export type HttpFaultStatus = 500 | 502 | 503 | 429;

export type ExchangeFault =
  /** The exchange answers with an error status and does nothing. */
  | {
      readonly kind: 'http';
      readonly status: HttpFaultStatus;
      /** Defaults to RATE_LIMITED for 429, SERVER_ERROR for 5xx. */
      readonly code?: string;
      readonly message?: string;
    }
  /** HTTP 400 STOP_REJECTED and no order is created (placeStopLoss only). */
  | { readonly kind: 'stop-loss-rejected'; readonly message?: string }
  /** The exchange answers `ms` later on the mock's clock, then behaves normally. */
  | { readonly kind: 'latency'; readonly ms: number }
  /** The exchange executes the request, then the response is lost (a network error). */
  | { readonly kind: 'lost-response' }
  /** No answer and no execution, until the request's AbortSignal fires. */
  | { readonly kind: 'hang' };

export type ExchangeFaultKind = ExchangeFault['kind'];

export interface FaultRule {
  /** Any exchange of the mock when omitted. */
  readonly exchange?: string;
  readonly operation: ExchangeOperation;
  /** Any symbol when omitted; listPositions has none, so it takes no symbol. */
  readonly symbol?: string;
  /** How many matching calls this rule fails; 1 by default, Infinity for "always". */
  readonly times?: number;
  readonly fault: ExchangeFault;
}

/** What the exchange knows when it checks a rule. */
export interface FaultRuleContext {
  readonly exchanges: readonly string[];
  readonly hasClock: boolean;
}

/** One call as the fault plan sees it. */
export interface ExchangeCall {
  readonly exchange: string;
  readonly operation: ExchangeOperation;
  readonly symbol?: string;
}

/** A fault rule that can never apply; the message lists what is valid. */
export class FaultRuleError extends Error {
  readonly code = 'E_BAD_FAULT';
  constructor(message: string) {
    super(message);
    this.name = 'FaultRuleError';
  }
}

const httpFaultStatuses: readonly HttpFaultStatus[] = [500, 502, 503, 429];

interface FaultKindDefinition {
  /** A reason the fault is invalid for this rule, or undefined. */
  check(fault: Record<string, unknown>, rule: FaultRule, context: FaultRuleContext): string | undefined;
}

/** Every fault kind and its validation; the keys are the valid kinds. */
export const faultKinds: Record<ExchangeFaultKind, FaultKindDefinition> = {
  http: {
    check: (fault) =>
      httpFaultStatuses.includes(fault.status as HttpFaultStatus)
        ? undefined
        : `http fault status must be one of ${httpFaultStatuses.join(', ')}, got ${String(fault.status)}`,
  },
  'stop-loss-rejected': {
    check: (_fault, rule) =>
      rule.operation === 'placeStopLoss'
        ? undefined
        : `stop-loss-rejected applies to placeStopLoss only, not ${rule.operation}`,
  },
  latency: {
    check: (fault, _rule, context) => {
      if (typeof fault.ms !== 'number' || !Number.isFinite(fault.ms) || fault.ms < 0) {
        return `latency fault needs ms >= 0, got ${String(fault.ms)}`;
      }
      return context.hasClock ? undefined : 'latency faults need a clock: new MockExchange({ clock })';
    },
  },
  'lost-response': { check: () => undefined },
  hang: { check: () => undefined },
};

/** Validates a rule as given by a scenario; throws FaultRuleError naming the valid choices. */
export function validateFaultRule(rule: FaultRule, context: FaultRuleContext): FaultRule {
  const ops = exchangeOperations.join(', ');
  const kinds = Object.keys(faultKinds).join(', ');
  if (typeof rule !== 'object' || rule === null) {
    throw new FaultRuleError(`a fault rule must be an object { operation, fault }; operations: ${ops}`);
  }
  if (!(exchangeOperations as readonly string[]).includes(rule.operation)) {
    throw new FaultRuleError(`unknown operation '${String(rule.operation)}'; valid operations: ${ops}`);
  }
  if (rule.exchange !== undefined && !context.exchanges.includes(rule.exchange)) {
    throw new FaultRuleError(
      `unknown exchange '${rule.exchange}'; this mock serves: ${context.exchanges.join(', ')}`,
    );
  }
  if (rule.symbol !== undefined && (typeof rule.symbol !== 'string' || rule.operation === 'listPositions')) {
    throw new FaultRuleError(`symbol must be a string and cannot be set for listPositions`);
  }
  const times = rule.times ?? 1;
  if (!(times === Infinity || (Number.isInteger(times) && times >= 1))) {
    throw new FaultRuleError(`times must be a positive integer or Infinity, got ${String(rule.times)}`);
  }
  const fault: unknown = rule.fault;
  if (typeof fault !== 'object' || fault === null || !('kind' in fault)) {
    throw new FaultRuleError(`a fault needs a kind; valid kinds: ${kinds}`);
  }
  const kind = (fault as { kind: unknown }).kind;
  if (typeof kind !== 'string' || !Object.hasOwn(faultKinds, kind)) {
    throw new FaultRuleError(`unknown fault kind '${String(kind)}'; valid kinds: ${kinds}`);
  }
  const problem = faultKinds[kind as ExchangeFaultKind].check(fault as Record<string, unknown>, rule, context);
  if (problem !== undefined) throw new FaultRuleError(problem);
  return { ...rule, times };
}

interface ArmedRule {
  readonly rule: FaultRule;
  remaining: number;
}

/** Armed rules in the order they were added; each matching call consumes one use. */
export class FaultPlan {
  #rules: ArmedRule[] = [];

  add(rule: FaultRule): void {
    this.#rules.push({ rule, remaining: rule.times ?? 1 });
  }

  /** The fault for this call, consuming one use of the first matching rule, if any. */
  take(call: ExchangeCall): ExchangeFault | undefined {
    const index = this.#rules.findIndex(({ rule }) => matches(rule, call));
    const armed = this.#rules[index];
    if (armed === undefined) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.#rules.splice(index, 1);
    return armed.rule.fault;
  }

  /** Rules not yet used up, with their remaining uses; for reports and end-of-run checks. */
  pending(): readonly { readonly rule: FaultRule; readonly remaining: number }[] {
    return this.#rules.map(({ rule, remaining }) => ({ rule, remaining }));
  }

  clear(): void {
    this.#rules = [];
  }
}

function matches(rule: FaultRule, call: ExchangeCall): boolean {
  return (
    rule.operation === call.operation &&
    (rule.exchange === undefined || rule.exchange === call.exchange) &&
    (rule.symbol === undefined || rule.symbol === call.symbol)
  );
}

/** The status and exchange code an http fault answers with. */
export function httpFaultResponse(fault: Extract<ExchangeFault, { kind: 'http' }>): {
  status: number;
  code: string;
  message: string;
} {
  const code = fault.code ?? (fault.status === 429 ? 'RATE_LIMITED' : 'SERVER_ERROR');
  const message =
    fault.message ?? (fault.status === 429 ? 'too many requests' : `injected HTTP ${fault.status}`);
  return { status: fault.status, code, message };
}
