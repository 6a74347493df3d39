// A service's client as an actor gets it: every method call waits at the scheduler's gate, then
// runs as one step whose footprint is the resources the service says the call reads and writes.
import type { ServiceDefinition } from '../ports/index.ts';

/** Holds a call until released; `footprint` is what the step touches. */
export type ServiceGate = (operation: string, detail: string, footprint: readonly string[]) => Promise<void>;
export type ServiceStepDone = (result: string, error?: unknown) => void;

/** Footprint keys of a service call: `svc:<service>/<resource>`, reads as `r:`; no access given → writes the whole service. */
export function serviceFootprint(service: string, definition: ServiceDefinition, operation: string, args: readonly unknown[]): readonly string[] {
  const access = definition.access?.(operation, args);
  if (!access) return [`svc:${service}/*`];
  return [...(access.reads ?? []).map((r) => `r:svc:${service}/${r}`), ...(access.writes ?? []).map((w) => `svc:${service}/${w}`)];
}

/** `definition.client` with each method call gated; other properties read through. */
export function gatedService<T extends object>(service: string, definition: ServiceDefinition<T>, gate: ServiceGate, done: ServiceStepDone): T {
  const client = definition.client;
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      const method = value as (...args: unknown[]) => unknown;
      return async (...args: unknown[]) => {
        await gate(prop, definition.describe?.(prop, args) ?? defaultDetail(args), serviceFootprint(service, definition as ServiceDefinition, prop, args));
        try {
          const r = await method.apply(target, args);
          done(definition.result?.(prop, r) ?? 'ok');
          return r;
        } catch (e) {
          done('', e);
          throw e;
        }
      };
    },
  });
}

function defaultDetail(args: readonly unknown[]): string {
  try {
    return args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  } catch {
    return `${args.length} arguments`;
  }
}
