// One client connection through the gate: its startup (SSL refused, the client admitted, the
// upstream session opened), then a loop that holds each request as a step, releases it to the
// server when the hooks say so, relays the answer and reports how the step ended.
import type net from 'node:net';
import { serialize } from 'pg-protocol';
import { authenticationOk, decodeBackend, errorResponse, NOT_SUPPORTED_BYTE, readyForQuery, serverErrorOf, type TxStatus } from './backend-messages.ts';
import { answers, challengeFor, type Challenge, type ClientAuth } from './client-auth.ts';
import { protocolNegotiation, startupRefusal, unsupportedProtocol, upstreamParameters } from './client-startup.ts';
import { textReadingFor, UTF8_READING, type TextReading } from './client-encoding.ts';
import { parseFrontendMessage, parseStartupPacket, type FrontendMessage } from './frontend-messages.ts';
import { FrameReader, type Frame } from './message-frames.ts';
import { StatementCache } from './statement-cache.ts';
import { StepResponses, unsupportedError, type StepError, type StepOutcome } from './step-responses.ts';
import type { UpstreamPool } from './upstream-pool.ts';
import { forwardCancel, openUpstream, UpstreamRefused, type UpstreamSession, type UpstreamTarget } from './upstream-session.ts';
import { refusalError, type CloseReason, type WireConnectionView, type WireGateHooks } from './wire-hooks.ts';
import { describeBatch, takeBatch, type PlannedStep } from './wire-step.ts';

/** What a connection needs from its gate. */
export interface ConnectionContext {
  readonly hooks: WireGateHooks;
  readonly auth: ClientAuth;
  readonly target: UpstreamTarget;
  readonly captureRows: number;
  /** Where sessions are kept between runs (none: each connection's session ends with it). */
  readonly pool: UpstreamPool | undefined;
  /** A session on its way back to the pool: the gate's close waits for it. */
  returning(handback: Promise<void>): void;
  /** The next connection number of this gate. */
  nextId(): number;
  /** A client's CancelRequest arrived on a new connection. */
  cancel(pid: number, key: Buffer): void;
  /** The connection ended (the gate forgets it). */
  ended(conn: WireConnection): void;
}

type Phase = 'startup' | 'auth' | 'connecting' | 'idle' | 'held' | 'in-flight' | 'closed';

interface CurrentStep {
  readonly planned: PlannedStep;
  readonly bytes: Buffer;
  responses: StepResponses | null;
  /** onSent was called (it always comes before onFinished of a released step). */
  sent: boolean;
  /** Sent with a Flush in its Sync's place: what to run once answered, and the Sync to send then. */
  held: { readonly beforeCommit: () => Promise<void>; readonly sync: Buffer } | null;
}

const Z = 'Z'.charCodeAt(0);
const S = 'S'.charCodeAt(0);
/** SQL that prepares or deallocates statements by name, which a protocol-level Bind may name too. */
const NAMES_STATEMENTS = /\b(prepare|deallocate|discard)\b/i;
/** A Sync message: its type byte and its length (4). */
const SYNC_LENGTH = 5;
const E = 'E'.charCodeAt(0);

function isFatal(e: StepError): boolean {
  return e.severity === 'FATAL' || e.severity === 'PANIC';
}

export class WireConnection implements WireConnectionView {
  id = -1;
  backendPid: number | null = null;
  defaultIsolation: string | null = null;
  nameResolution: string | null = null;
  /**
   * The client's SQL is read as PostgreSQL reads it: false once its client_encoding was one the
   * gate has no decoder for (then every later statement of the connection counts as unread).
   */
  readsText = true;
  /** The client closed its socket; what it sent before still runs (onClientGone). */
  private clientGone = false;
  /** How the client's SQL text is read now (client_encoding, as the server last reported it). */
  private readText: TextReading = UTF8_READING;
  clientUser = '';
  startupParameters: ReadonlyMap<string, string> = new Map();
  private secretKey: Buffer | null = null;
  private phase: Phase = 'startup';
  private readonly fromClient = new FrameReader();
  private readonly fromServer = new FrameReader();
  private upstream: net.Socket | null = null;
  private session: UpstreamSession | null = null;
  /** A cancel went to the server for this session: it may still land, so the session is not kept. */
  private cancelSent = false;
  private challenge: Challenge | null = null;
  private readonly queue: FrontendMessage[] = [];
  private current: CurrentStep | null = null;
  private discardUntilSync = false;
  private txStatus: TxStatus = 'I';
  private stepIndex = 0;
  private readonly cache = new StatementCache();
  /** A FATAL error the server sent (and the client got) before it closed. */
  private serverFatal: StepError | null = null;
  private readonly sink = {
    client: (b: Buffer) => this.toClient(b),
    server: (b: Buffer) => this.upstream?.write(b),
  };

  constructor(
    private readonly client: net.Socket,
    private readonly ctx: ConnectionContext,
  ) {
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.onClientData(chunk));
    client.on('error', () => {});
    client.on('close', () => this.onClientGone());
  }

  /**
   * True while the client is being admitted: its startup packet, SSL refusal or password exchange
   * is between the two sides. The client then sleeps on its socket, waiting for the gate, yet it
   * is not parked at a step: the engine must not decide while any connection is here.
   */
  handshaking(): boolean {
    return this.phase === 'startup' || this.phase === 'auth';
  }

  /** True if a CancelRequest's `key` (the pid, then the secret) names this connection's session. */
  owns(pid: number, key: Buffer): boolean {
    return this.backendPid === pid && this.secretKey !== null && this.secretKey.equals(key.subarray(4));
  }

  /**
   * A client's CancelRequest for this session. A step still held at the gate never reached the
   * server: the gate answers it as PostgreSQL would (57014). Otherwise the server gets the cancel.
   */
  cancel(key: Buffer): void {
    this.ctx.hooks.onCancel?.(this);
    const current = this.current;
    if (this.phase === 'held' && current) {
      this.answerLocally(current, { severity: 'ERROR', sqlState: '57014', message: 'canceling statement due to user request' });
      return;
    }
    if (this.backendPid !== null) {
      this.cancelSent = true;
      void forwardCancel(this.ctx.target, key);
    }
  }

  /** Ends the connection from the gate's side. */
  close(reason: CloseReason = { kind: 'gate-closed' }): void {
    if (reason.kind === 'gate-closed' && this.phase !== 'closed') {
      this.toClient(errorResponse({ severity: 'FATAL', sqlState: '57P01', message: 'terminating connection: the harness closed its wire gate' }));
    }
    this.end(reason);
  }

  private toClient(bytes: Buffer): void {
    if (!this.client.destroyed) this.client.write(bytes);
  }

  private onClientData(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    this.fromClient.push(chunk);
    try {
      this.readClient();
    } catch (e) {
      this.protocolError(e instanceof Error ? e.message : String(e));
    }
  }

  private readClient(): void {
    for (;;) {
      if (this.phase === 'startup') {
        const body = this.fromClient.nextUntyped();
        if (!body) return;
        this.onStartupPacket(body);
        continue;
      }
      if (this.phase === 'closed') return;
      const frame = this.fromClient.next();
      if (!frame) break;
      if (this.phase === 'auth') this.onPassword(frame);
      else this.queue.push(parseFrontendMessage(frame));
    }
    if (this.phase === 'idle') this.pump();
  }

  private fatal(e: StepError, reason: CloseReason): void {
    this.toClient(errorResponse(e));
    this.end(reason);
  }

  private onStartupPacket(body: Buffer): void {
    const p = parseStartupPacket(body);
    switch (p.kind) {
      case 'ssl':
      case 'gssenc':
        // No TLS on loopback: the client goes on in plain text (sslmode=prefer) or gives up (require).
        this.toClient(NOT_SUPPORTED_BYTE);
        return;
      case 'cancel':
        // A connection of its own that carries only the request; it is never numbered.
        this.ctx.cancel(p.pid, p.key);
        this.end({ kind: 'terminate' });
        return;
      case 'unsupported':
        this.fatal(unsupportedProtocol(p.code), { kind: 'protocol-error', message: 'unsupported protocol version' });
        return;
      case 'startup':
        break;
    }
    this.clientUser = p.parameters.get('user') ?? '';
    this.startupParameters = p.parameters;
    const refusal = startupRefusal(p);
    if (refusal) {
      this.ctx.hooks.onUnsupported?.('replication', null);
      this.fatal(refusal, { kind: 'refused', error: refusal });
      return;
    }
    const negotiation = protocolNegotiation(p);
    if (negotiation) this.toClient(negotiation);
    this.challenge = challengeFor(this.ctx.auth, this.clientUser);
    if (this.challenge) {
      this.phase = 'auth';
      this.toClient(this.challenge.request);
    } else {
      void this.admit();
    }
  }

  private onPassword(frame: Frame): void {
    if (String.fromCharCode(frame.type) !== 'p' || !this.challenge || !answers(this.challenge, frame.body)) {
      const error: StepError = { severity: 'FATAL', sqlState: '28P01', message: `password authentication failed for user "${this.clientUser}"` };
      this.fatal(error, { kind: 'refused', error });
      return;
    }
    void this.admit();
  }

  /** Numbers the connection, asks the hooks, opens the upstream session and greets the client. */
  private async admit(): Promise<void> {
    this.phase = 'connecting';
    this.id = this.ctx.nextId();
    try {
      await this.ctx.hooks.onConnect(this);
    } catch (e) {
      const error = refusalError(e, 'FATAL');
      this.fatal(error, { kind: 'refused', error });
      return;
    }
    if (this.phase !== 'connecting') return;
    let session: UpstreamSession;
    const parameters = upstreamParameters(this.startupParameters);
    try {
      session = this.ctx.pool?.take(this.ctx.target, parameters) ?? (await openUpstream(this.ctx.target, parameters));
    } catch (e) {
      const error: StepError = e instanceof UpstreamRefused ? { ...e.error, severity: 'FATAL' } : { severity: 'FATAL', sqlState: '08006', message: `the harness's wire gate could not reach the server: ${e instanceof Error ? e.message : String(e)}` };
      this.fatal(error, { kind: 'refused', error });
      return;
    }
    if (this.phase !== 'connecting') {
      session.socket.destroy();
      return;
    }
    this.session = session;
    this.upstream = session.socket;
    this.backendPid = session.backendPid;
    this.defaultIsolation = session.defaultIsolation;
    this.nameResolution = session.nameResolution;
    for (const raw of session.greeting) if (raw[0] === S) this.parameterStatus(raw.subarray(5));
    this.secretKey = session.secretKey;
    session.socket.on('data', (chunk: Buffer) => this.onServerData(chunk));
    session.socket.on('error', () => {});
    session.socket.on('close', () => this.onServerGone());
    this.toClient(Buffer.concat([authenticationOk(), ...session.greeting]));
    this.phase = 'idle';
    this.ctx.hooks.onReady?.(this);
    if (session.leftover.length > 0) this.onServerData(session.leftover);
    this.pump();
  }

  /** Takes the next whole request off the queue and offers it as a step. */
  /** Takes the next whole request off the queue; a client gone with nothing more owed is ended. */
  private pump(): void {
    this.pumpQueue();
    if (this.clientGone && this.phase === 'idle') this.end({ kind: 'client-closed', during: 'idle' });
  }

  private pumpQueue(): void {
    while (this.phase === 'idle' && this.queue.length > 0) {
      const head = this.queue[0]!;
      if (this.discardUntilSync) {
        // After an error of a Flush-ended step PostgreSQL skips to the next Sync; so does the gate.
        this.queue.shift();
        if (head.type === 'sync') {
          this.discardUntilSync = false;
          this.toClient(readyForQuery(this.txStatus));
        }
        continue;
      }
      switch (head.type) {
        case 'terminate':
          this.end({ kind: 'terminate' });
          return;
        case 'query':
          this.offer(this.queue.splice(0, 1));
          return;
        case 'copy-data':
        case 'copy-done':
        case 'copy-fail':
          // Outside a COPY the server ignores these too.
          this.queue.shift();
          continue;
        case 'function-call': {
          this.queue.shift();
          const error = unsupportedError('the function-call protocol (PQfn, large objects)', 'call the function with SELECT');
          this.toClient(Buffer.concat([errorResponse(error), readyForQuery(this.txStatus)]));
          this.ctx.hooks.onUnsupported?.('function call', this);
          continue;
        }
        case 'password':
        case 'unknown':
          this.protocolError(`unexpected message '${String.fromCharCode(head.raw[0] ?? 63)}' from the client`);
          return;
        default: {
          const batch = takeBatch(this.queue);
          if (batch) this.offer(batch);
          return;
        }
      }
    }
  }

  /** A ParameterStatus from the server: client_encoding says how the client's SQL is written. */
  private parameterStatus(body: Buffer): void {
    const nul = body.indexOf(0);
    if (nul < 0 || body.toString('utf8', 0, nul) !== 'client_encoding') return;
    const reading = textReadingFor(body.toString('utf8', nul + 1, body.indexOf(0, nul + 1)));
    if (reading) this.readText = reading;
    else this.readsText = false;
  }

  private offer(queued: FrontendMessage[]): void {
    // Read only now: a request queued behind a SET client_encoding is read in the new encoding,
    // as the server reads it once the SET has run.
    const batch = this.readText === UTF8_READING ? queued : queued.map((m) => (m.type === 'query' || m.type === 'parse' ? parseFrontendMessage({ type: m.raw[0] ?? 0, body: m.raw.subarray(5), raw: m.raw }, this.readText) : m));
    const planned = describeBatch(this.stepIndex++, batch, this.cache);
    const current: CurrentStep = { planned, bytes: batch.length === 1 ? batch[0]!.raw : Buffer.concat(batch.map((m) => m.raw)), responses: null, sent: false, held: null };
    this.current = current;
    this.phase = 'held';
    let decision: Promise<void | (() => Promise<void>)>;
    try {
      decision = this.ctx.hooks.onRequest(this, planned.step);
    } catch (e) {
      decision = Promise.reject(e);
    }
    decision.then(
      (beforeCommit) => this.release(current, beforeCommit ?? undefined),
      (e: unknown) => {
        if (this.current === current && this.phase === 'held') this.answerLocally(current, refusalError(e, 'ERROR'));
      },
    );
  }

  private release(current: CurrentStep, beforeCommit?: () => Promise<void>): void {
    // A step cancelled while held, or a connection closed meanwhile: the release comes too late.
    if (this.current !== current || this.phase !== 'held' || !this.upstream) return;
    this.phase = 'in-flight';
    const { step, expectations } = current.planned;
    current.responses = new StepResponses(step.end, expectations, this.cache, this.sink, this.ctx.captureRows);
    // A batch ends at its first Sync (takeBatch): outside a block, its statements commit there.
    let bytes = current.bytes;
    if (beforeCommit && step.protocol === 'extended' && step.end === 'sync' && step.executes && this.txStatus === 'I') {
      const sync = bytes.subarray(bytes.length - SYNC_LENGTH);
      current.held = { beforeCommit, sync };
      bytes = Buffer.concat([bytes.subarray(0, bytes.length - SYNC_LENGTH), serialize.flush()]);
    }
    this.upstream.write(bytes, () => this.sent(current));
    if (current.responses.done) this.finish(current.responses.outcome());
  }

  /** Everything before the held Sync is answered: the check runs, then the Sync commits. */
  private commitHeld(current: CurrentStep): void {
    const held = current.held;
    if (!held) return;
    current.held = null;
    void held
      .beforeCommit()
      .catch(() => undefined)
      .then(() => {
        if (this.current === current && this.phase === 'in-flight') this.upstream?.write(held.sync);
      });
  }

  /** Reports the step as sent, once; the answer may arrive before the write callback runs. */
  private sent(current: CurrentStep): void {
    if (current.sent || !current.responses || this.phase === 'closed') return;
    current.sent = true;
    this.ctx.hooks.onSent(this, current.planned.step);
  }

  /** Answers a held step without the server (refused, or cancelled before it was released). */
  private answerLocally(current: CurrentStep, error: StepError): void {
    const { step } = current.planned;
    const flush = step.end === 'flush';
    this.toClient(flush ? errorResponse(error) : Buffer.concat([errorResponse(error), readyForQuery(this.txStatus)]));
    if (flush) this.discardUntilSync = true;
    this.finish({ txStatus: flush ? null : this.txStatus, error, commandTags: [], sent: false });
  }

  private finish(outcome: StepOutcome): void {
    const current = this.current;
    if (!current) return;
    // A word, not a parse: anywhere in the text (a string, a comment, a function body) it costs
    // the cache, never a statement read wrong.
    if (current.planned.step.statements.some((s) => s.sql !== null && NAMES_STATEMENTS.test(s.sql))) this.cache.forgetStatements();
    if (outcome.txStatus) this.txStatus = outcome.txStatus;
    this.sent(current);
    this.current = null;
    this.phase = 'idle';
    this.ctx.hooks.onFinished(this, current.planned.step, outcome);
    if (outcome.unsupported) this.ctx.hooks.onUnsupported?.(outcome.unsupported, this);
    this.pump();
  }

  private onServerData(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    this.fromServer.push(chunk);
    this.client.cork();
    try {
      for (let frame = this.fromServer.next(); frame; frame = this.fromServer.next()) {
        if (frame.type === S) this.parameterStatus(frame.body);
        if (frame.type === E) {
          // A FATAL (the backend terminated, the server shutting down) precedes the server's hang-up.
          const error = serverErrorOf(decodeBackend(frame));
          if (isFatal(error)) this.serverFatal = error;
        }
        const current = this.current;
        const responses = current?.responses;
        if (this.phase === 'in-flight' && current && responses) {
          responses.read(frame);
          if (current.held && responses.awaitingSync) this.commitHeld(current);
          if (responses.done) {
            // The answer goes out before the hooks hear of it: the client's next request is on its
            // way while the engine books this step (it arrives in a later turn of the loop).
            this.client.uncork();
            this.client.cork();
            this.finish(responses.outcome());
          }
          continue;
        }
        // Between steps: notices, notifications (LISTEN is carried), parameter changes, or that FATAL.
        if (frame.type !== Z) this.toClient(frame.raw);
      }
    } catch (e) {
      this.protocolError(`the gate failed to relay the server's answer: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.client.uncork();
    }
  }

  private onServerGone(): void {
    if (this.phase === 'closed') return;
    const error = this.serverFatal ?? { severity: 'FATAL', sqlState: '08006', message: 'the server closed the connection unexpectedly' };
    // The client has seen a FATAL the server sent; otherwise it learns here why its session is over.
    if (!this.serverFatal) this.toClient(errorResponse(error));
    this.end({ kind: 'server-closed', error });
  }

  /**
   * PostgreSQL runs what it read before the end of the stream: a request held or running, and the
   * whole requests queued behind it, still run (their answers go nowhere) before the connection
   * ends — a program that sends an INSERT and exits has inserted. Only while the client is still
   * in its startup is there nothing to run.
   */
  private onClientGone(): void {
    if (this.phase === 'closed' || this.clientGone) return;
    if (this.phase === 'held' || this.phase === 'in-flight' || this.phase === 'idle') {
      this.clientGone = true;
      if (this.phase === 'idle') this.pump();
      return;
    }
    this.end({ kind: 'client-closed', during: 'idle' });
  }

  /** The client is gone and what it sent before is still being run. */
  get draining(): boolean {
    return this.clientGone && this.phase !== 'closed';
  }

  private protocolError(message: string): void {
    if (this.phase === 'closed') return;
    this.fatal({ severity: 'FATAL', sqlState: '08P01', message: `protocol violation at the harness's wire gate: ${message}` }, { kind: 'protocol-error', message });
  }

  /** Closes both sides once; the hooks hear of it if the client was ever admitted. */
  private end(reason: CloseReason): void {
    if (this.phase === 'closed') return;
    const wasInFlight = this.phase === 'in-flight';
    // Between statements (a step held at the gate never reached the server), nothing of it unread.
    const atRest = (this.phase === 'idle' || this.phase === 'held') && this.fromServer.buffered === 0 && this.serverFatal === null && !this.cancelSent;
    this.phase = 'closed';
    this.current = null;
    const upstream = this.upstream;
    if (upstream) {
      const pool = this.ctx.pool;
      if (pool && this.session && atRest && (reason.kind === 'terminate' || reason.kind === 'client-closed' || reason.kind === 'gate-closed')) {
        for (const event of ['data', 'error', 'close']) upstream.removeAllListeners(event);
        this.ctx.returning(pool.give(this.ctx.target, upstreamParameters(this.startupParameters), this.session, this.txStatus));
      } else if (reason.kind === 'terminate') upstream.end(serialize.end());
      else {
        // A statement still running (or waiting on a lock) would outlive the socket: cancel it first.
        if (wasInFlight && this.secretKey && this.backendPid !== null) {
          const key = Buffer.alloc(4 + this.secretKey.length);
          key.writeInt32BE(this.backendPid, 0);
          this.secretKey.copy(key, 4);
          void forwardCancel(this.ctx.target, key);
        }
        upstream.destroy();
      }
    }
    // Flush what the client is owed (a FATAL error), then drop the socket even if it never closes its side.
    if (!this.client.destroyed) this.client.end(() => this.client.destroy());
    this.ctx.ended(this);
    if (this.id >= 0) this.ctx.hooks.onClose(this, reason);
  }
}
