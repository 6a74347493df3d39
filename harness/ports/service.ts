// The engine's port to outside services (a payment API, a queue, a mock exchange): an actor calls
// the service's client, and each call is one scheduled step. The reduction knows which calls
// commute from the named resources each call reads and writes.

/** The resources one call reads and writes; two calls commute unless one writes what the other touches. */
export interface ServiceAccess {
  readonly reads?: readonly string[];
  readonly writes?: readonly string[];
}

/**
 * One service as a cell offers it to actors. Every method of `client` is an operation; calling it
 * through the actor's ports makes the call a step (held until the scheduler releases it, timed on
 * the virtual clock).
 */
export interface ServiceDefinition<T extends object = object> {
  readonly client: T;
  /** What a call reads and writes, as names of resources of this service (default: it writes all of it). */
  access?(operation: string, args: readonly unknown[]): ServiceAccess;
  /** The call's arguments as a trace shows them (default: JSON of the arguments). */
  describe?(operation: string, args: readonly unknown[]): string;
  /** Its result as a trace shows it (default: `ok`). */
  result?(operation: string, value: unknown): string;
  /** The same service over HTTP, for programs raced as process actors (each request a step). */
  readonly http?: HttpServiceFace;
}

/** A service's HTTP face: how a request is answered, and what it reads and writes. */
export interface HttpServiceFace {
  handle(request: Request): Promise<Response>;
  /** Default: GET and HEAD read the whole service, anything else writes it. */
  access?(method: string, path: string): ServiceAccess;
}

/** The services of one cell, by name; an unknown name is an error naming the known ones. */
export type ServiceProvider = (name: string) => ServiceDefinition | undefined;
