// The engine's side of the wire gate: what it learns about each connection and step, and how it
// holds, releases or refuses them. The gate calls these; nothing else of the engine is known here.
import type { StepError, StepOutcome } from './step-responses.ts';
import type { WireStep } from './wire-step.ts';

/** A client connection as the engine sees it. */
export interface WireConnectionView {
  /** 0, 1, 2... in the order clients of this gate finished their startup. */
  readonly id: number;
  /** The upstream backend's pid (from BackendKeyData), for blocked detection; null until it is open. */
  readonly backendPid: number | null;
  /** What a plain BEGIN gets in the upstream session, as the server said before the client's first request; null until it is open. */
  readonly defaultIsolation: string | null;
  /** `current_user / search_path` of the upstream session as it started; null until it is open, or unread. */
  readonly nameResolution: string | null;
  /** False once the client's client_encoding was one the gate cannot read: its SQL counts as unread. */
  readonly readsText: boolean;
  /** The user name the client gave (the upstream session runs as the harness's user). */
  readonly clientUser: string;
  /** The client's startup parameters (application_name, options, ...), as it sent them. */
  readonly startupParameters: ReadonlyMap<string, string>;
}

/** Why a connection ended. After onClose no hook is called for it again. */
export type CloseReason =
  | { readonly kind: 'terminate' }
  | { readonly kind: 'client-closed'; readonly during: 'idle' | 'held' | 'in-flight' }
  | { readonly kind: 'server-closed'; readonly error: StepError }
  | { readonly kind: 'refused'; readonly error: StepError }
  | { readonly kind: 'protocol-error'; readonly message: string }
  | { readonly kind: 'gate-closed' };

export interface WireGateHooks {
  /** A client finished its startup; resolve to admit it, reject (with a WireRefusal) to turn it away. */
  onConnect(conn: WireConnectionView): Promise<void>;
  /** The admitted client got its greeting (the upstream session is open): it may send its first request. */
  onReady?(conn: WireConnectionView): void;
  /**
   * A step is held; resolve to release it to the server, reject to answer the client with that
   * error. A step that ends at a Sync outside a transaction block may be released with a function:
   * the gate then sends a Flush in its Sync's place, calls the function once everything before the
   * Sync is answered (the implicit transaction still open, its locks held), and sends the Sync after.
   */
  onRequest(conn: WireConnectionView, step: WireStep): Promise<void | (() => Promise<void>)>;
  /** The released step's bytes were handed to the server socket: a lock wait can start from here. */
  onSent(conn: WireConnectionView, step: WireStep): void;
  /** The step ended: at ReadyForQuery, at the last response a Flush owed, or answered by the gate. */
  onFinished(conn: WireConnectionView, step: WireStep, outcome: StepOutcome): void;
  onClose(conn: WireConnectionView, reason: CloseReason): void;
  /** The client sent a CancelRequest for this connection's session (on its own clock: a timeout, a helper thread). */
  onCancel?(conn: WireConnectionView): void;
  /** The client asked for something the gate refuses (COPY, replication, the function-call protocol). */
  onUnsupported?(what: string, conn: WireConnectionView | null): void;
}

/** Reject onConnect or onRequest with this to choose the SQLSTATE the client sees (default XX000). */
export class WireRefusal extends Error {
  constructor(
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
    this.name = 'WireRefusal';
  }
}

/** The client's view of a hook's rejection. */
export function refusalError(e: unknown, severity: 'ERROR' | 'FATAL'): StepError {
  if (e instanceof WireRefusal) return { severity, sqlState: e.sqlState, message: e.message };
  return { severity, sqlState: 'XX000', message: e instanceof Error ? e.message : String(e) };
}
