// A per-actor PostgreSQL listener on loopback: clients connect to it as to a server, and every
// request they make becomes a step the hooks hold and release before it reaches the real server.
//
// Built on pg-protocol (installed with pg): its Parser decodes what the server sends, its
// serialize builds what the gate itself sends upstream; SCRAM is pg's own code. The client side
// (startup packet, frontend framing) is ours, about 150 lines. pg-gateway would parse that side
// and run server-side auth, but it is not installed, is a 0.x library built to answer from a
// local database (PGlite) through callbacks, and the gate needs the opposite: hold raw messages,
// forward them byte for byte, and follow each answer to the statement cache; a dependency for
// the smaller half of the work did not pay.
import net from 'node:net';
import { HarnessError } from '../errors/index.ts';
import type { ClientAuth } from './client-auth.ts';
import type { UpstreamPool } from './upstream-pool.ts';
import { forwardCancel, upstreamTarget, type UpstreamTarget } from './upstream-session.ts';
import { WireConnection } from './wire-connection.ts';
import type { WireConnectionView, WireGateHooks } from './wire-hooks.ts';

export interface WireGateOptions {
  /** The real server, with the harness's own credentials; its user and database are the session's. */
  readonly serverUrl: string;
  readonly hooks: WireGateHooks;
  /** How clients get in (default: trust). */
  readonly auth?: ClientAuth;
  /** Rows to keep per step in each outcome's resultSets (default 0: none, the cheapest). */
  readonly captureRows?: number;
  /** Where to listen (default 127.0.0.1, a free port). */
  readonly host?: string;
  readonly port?: number;
  /**
   * Where upstream sessions are kept when their clients leave them between statements, and taken
   * from for new clients (default: none, every connection a new backend). Programs started for
   * every run share one (program-actor.ts).
   */
  readonly pool?: UpstreamPool;
}

/** What a client needs to connect: the address, and the names and password the harness hands out. */
export interface GateAddress {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** The password the gate asks for; undefined on trust. */
  readonly password: string | undefined;
  readonly database: string;
}

export interface StartedWireGate {
  readonly address: GateAddress;
  /** `postgresql://user:password@127.0.0.1:port/database?sslmode=disable`, for DATABASE_URL. */
  readonly clientUrl: string;
  /** The connections open now. */
  connections(): readonly WireConnectionView[];
  /**
   * True while some client is in its startup or password exchange: it waits on the gate without a
   * step to show for it, so a program's quiescence must wait for this to be false.
   */
  admitting(): boolean;
  /**
   * Resolves once no connection is still running what its client sent before it went away
   * (a program that exited right after sending a request: the request still runs).
   */
  drained(): Promise<void>;
  /** Stops listening and closes every connection (their upstream sessions too). */
  close(): Promise<void>;
}

/** The URL a client uses to reach a gate. */
export function clientUrlOf(a: GateAddress): string {
  const auth = a.password === undefined ? encodeURIComponent(a.user) : `${encodeURIComponent(a.user)}:${encodeURIComponent(a.password)}`;
  return `postgresql://${auth}@${a.host}:${a.port}/${encodeURIComponent(a.database)}?sslmode=disable`;
}

/** Starts a gate in front of `serverUrl`'s server. */
export async function startWireGate(options: WireGateOptions): Promise<StartedWireGate> {
  const target: UpstreamTarget = upstreamTarget(options.serverUrl);
  const auth = options.auth ?? { method: 'trust' };
  const live = new Set<WireConnection>();
  const drainWaiters: (() => void)[] = [];
  const handbacks = new Set<Promise<void>>();
  let nextId = 0;
  const context = {
    hooks: options.hooks,
    auth,
    target,
    captureRows: options.captureRows ?? 0,
    pool: options.pool,
    returning(handback: Promise<void>) {
      handbacks.add(handback);
      void handback.finally(() => handbacks.delete(handback));
    },
    nextId: () => nextId++,
    cancel(pid: number, key: Buffer) {
      const owner = [...live].find((c) => c.owns(pid, key));
      if (owner) owner.cancel(key);
      // No connection of this gate holds it: its statement is over. A kept session may serve
      // another client by now, whose statement the cancel must not reach.
      else if (!options.pool) void forwardCancel(target, key);
    },
    ended(conn: WireConnection) {
      live.delete(conn);
      if (![...live].some((c) => c.draining)) for (const wake of drainWaiters.splice(0)) wake();
    },
  };
  const server = net.createServer((socket) => {
    live.add(new WireConnection(socket, context));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new HarnessError('E_BAD_ARGUMENT', `the wire gate could not listen on ${host}:${options.port ?? 0}: ${e.message}`, { cause: e })));
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const address: GateAddress = {
    host,
    port,
    user: target.user,
    password: auth.method === 'trust' ? undefined : auth.password,
    database: target.database,
  };
  return {
    address,
    clientUrl: clientUrlOf(address),
    connections: () => [...live].filter((c) => c.id >= 0),
    admitting: () => [...live].some((c) => c.handshaking()),
    drained: () => ([...live].some((c) => c.draining) ? new Promise<void>((resolve) => drainWaiters.push(resolve)) : Promise.resolve()),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of [...live]) c.close();
      await closed;
      // Its sessions reset and kept before the gate is called closed: the next run may take them.
      await Promise.all([...handbacks]);
    },
  };
}
