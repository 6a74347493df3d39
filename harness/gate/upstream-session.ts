// The gate's own session with the real server, opened with the harness's credentials and the
// client's startup parameters. We run the startup ourselves (pg-protocol builds and parses the
// messages; SCRAM is pg's own code, pg/lib/crypto/sasl.js) rather than authenticate a pg.Client
// and take its socket: pg.Client sends only the parameters it knows and forces client_encoding,
// and its socket carries listeners we would have to strip from a library's internals.
import { createHash } from 'node:crypto';
import net from 'node:net';
import sasl, { type SaslSession } from 'pg/lib/crypto/sasl.js';
import { serialize } from 'pg-protocol';
import type { AuthenticationMD5Password, BackendMessage } from 'pg-protocol/dist/messages.js';
import { NAME_RESOLUTION_SQL } from '../db/index.ts';
import { HarnessError } from '../errors/index.ts';
import { decodeBackend, serverErrorOf, type ServerError } from './backend-messages.ts';
import { FrameReader, type Frame } from './message-frames.ts';

/** Where and as whom the gate connects. */
export interface UpstreamTarget {
  /** A host name or address, or a directory holding the server's Unix socket. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string;
}

/** Reads a `postgresql://` URL; refuses what the gate cannot speak (TLS to the server). */
export function upstreamTarget(url: string): UpstreamTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new HarnessError('E_BAD_ARGUMENT', `the wire gate's server URL is not a URL; give a postgresql://user:password@host:port/database URL`);
  }
  if (u.protocol !== 'postgresql:' && u.protocol !== 'postgres:') {
    throw new HarnessError('E_BAD_ARGUMENT', `the wire gate's server URL must start with postgresql://, not ${u.protocol}//`);
  }
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode === 'require' || sslmode === 'verify-ca' || sslmode === 'verify-full') {
    throw new HarnessError('E_BAD_ARGUMENT', `the wire gate connects to the server without TLS, but its URL says sslmode=${sslmode}; use a local server or drop sslmode`);
  }
  const host = u.searchParams.get('host') ?? (decodeURIComponent(u.hostname.replace(/^\[|\]$/g, '')) || '127.0.0.1');
  return {
    host,
    port: Number(u.port || u.searchParams.get('port') || 5432),
    user: decodeURIComponent(u.username) || 'postgres',
    password: u.password === '' ? undefined : decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username) || 'postgres',
  };
}

/** The server refused the session (bad database, too many connections...): its error, to relay. */
export class UpstreamRefused extends Error {
  constructor(readonly error: ServerError) {
    super(error.message);
    this.name = 'UpstreamRefused';
  }
}

/** A started session, handed over to the connection that relays it. */
export interface UpstreamSession {
  readonly socket: net.Socket;
  readonly backendPid: number;
  /** BackendKeyData's secret, to recognise a client's CancelRequest for this session. */
  readonly secretKey: Buffer;
  /** Every message after AuthenticationOk up to and including ReadyForQuery, raw, to relay to the client. */
  readonly greeting: readonly Buffer[];
  /** Bytes the server sent after ReadyForQuery (normally none). */
  readonly leftover: Buffer;
  /**
   * The isolation level a plain BEGIN gets in this session, as the server says once it is ready
   * (role, database, server settings and the client's startup options decide it), before the
   * client's first statement: the footprints of its transactions assume it.
   */
  readonly defaultIsolation: string;
  /**
   * Who the session is and where it looks names up (`current_user / search_path`), as the server
   * says then: the startup options (`-c search_path=...`, `-c role=...`) may make them another's
   * than the harness's, and a name in the program's SQL another table. Null when unread.
   */
  readonly nameResolution: string | null;
}

/** Opens a TCP or Unix-socket connection to the target (no startup). */
export function connectSocket(target: Pick<UpstreamTarget, 'host' | 'port'>): net.Socket {
  const socket = target.host.startsWith('/')
    ? net.connect({ path: `${target.host}/.s.PGSQL.${target.port}` })
    : net.connect({ host: target.host, port: target.port });
  socket.setNoDelay(true);
  return socket;
}

function startupMessage(parameters: ReadonlyMap<string, string>): Buffer {
  const parts: Buffer[] = [Buffer.alloc(8)];
  for (const [k, v] of parameters) parts.push(Buffer.from(`${k}\0${v}\0`, 'utf8'));
  parts.push(Buffer.from([0]));
  const packet = Buffer.concat(parts);
  packet.writeInt32BE(packet.length, 0);
  packet.writeInt32BE(196608, 4);
  return packet;
}

/** Frames of a socket during startup, one at a time, for an async handshake. */
class StartupReader {
  private readonly reader = new FrameReader();
  private waiting: { resolve: (f: Frame) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private readonly onData = (chunk: Buffer) => {
    this.reader.push(chunk);
    this.wake();
  };
  private readonly onEnd = (e?: Error) => {
    this.failure ??= e ?? new Error('the server closed the connection during startup');
    this.wake();
  };

  constructor(private readonly socket: net.Socket) {
    socket.on('data', this.onData);
    socket.on('error', this.onEnd);
    socket.on('close', () => this.onEnd());
  }

  private wake(): void {
    if (!this.waiting) return;
    let frame: Frame | null;
    try {
      frame = this.reader.next();
    } catch (e) {
      this.failure = e as Error;
      frame = null;
    }
    const w = this.waiting;
    if (frame) {
      this.waiting = null;
      w.resolve(frame);
    } else if (this.failure) {
      this.waiting = null;
      w.reject(this.failure);
    }
  }

  next(): Promise<Frame> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.wake();
    });
  }

  /** Stops reading; returns the bytes not yet framed. */
  detach(): Buffer {
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onEnd);
    this.socket.removeAllListeners('close');
    return this.reader.rest();
  }
}

function md5(s: string | Buffer): string {
  return createHash('md5').update(s).digest('hex');
}

function needPassword(target: UpstreamTarget): string {
  if (target.password === undefined) {
    throw new HarnessError('E_DB_UNREACHABLE', `the server asks the wire gate for a password, but its URL has none; put the password in the URL`);
  }
  return target.password;
}

/** Authenticates: trust, cleartext, MD5 or SCRAM-SHA-256 (pg's SASL code). */
async function authenticate(socket: net.Socket, reader: StartupReader, target: UpstreamTarget, first: BackendMessage): Promise<void> {
  let m = first;
  let session: SaslSession | undefined;
  for (;;) {
    switch (m.name) {
      case 'authenticationOk':
        return;
      case 'authenticationCleartextPassword':
        socket.write(serialize.password(needPassword(target)));
        break;
      case 'authenticationMD5Password': {
        const salt = (m as AuthenticationMD5Password).salt;
        const inner = md5(needPassword(target) + target.user);
        socket.write(serialize.password(`md5${md5(Buffer.concat([Buffer.from(inner), salt]))}`));
        break;
      }
      case 'authenticationSASL':
        session = sasl.startSession((m as BackendMessage & { mechanisms: string[] }).mechanisms);
        socket.write(serialize.sendSASLInitialResponseMessage(session.mechanism, session.response));
        break;
      case 'authenticationSASLContinue':
        if (!session) throw new Error('SASL continue before SASL start');
        await sasl.continueSession(session, needPassword(target), (m as BackendMessage & { data: string }).data);
        socket.write(serialize.sendSCRAMClientFinalMessage(session.response));
        break;
      case 'authenticationSASLFinal':
        if (!session) throw new Error('SASL final before SASL start');
        sasl.finalizeSession(session, (m as BackendMessage & { data: string }).data);
        break;
      case 'error':
        throw new UpstreamRefused(serverErrorOf(m));
      default:
        break;
    }
    m = decodeBackend(await reader.next());
  }
}

/**
 * Opens the upstream session: connects, sends the startup packet (the target's user and database,
 * then `parameters`), authenticates, and collects what the server announces up to ReadyForQuery.
 */
export async function openUpstream(target: UpstreamTarget, parameters: ReadonlyMap<string, string>, timeoutMs = 10_000): Promise<UpstreamSession> {
  const socket = connectSocket(target);
  const reader = new StartupReader(socket);
  const timer = setTimeout(() => socket.destroy(new Error(`the server did not finish the startup within ${timeoutMs} ms`)), timeoutMs);
  try {
    const all = new Map<string, string>([['user', target.user], ['database', target.database]]);
    for (const [k, v] of parameters) if (!all.has(k)) all.set(k, v);
    socket.write(startupMessage(all));
    await authenticate(socket, reader, target, decodeBackend(await reader.next()));
    const greeting: Buffer[] = [];
    let backendPid = 0;
    let secretKey = Buffer.alloc(0);
    for (;;) {
      const frame = await reader.next();
      const type = String.fromCharCode(frame.type);
      if (type === 'E') throw new UpstreamRefused(serverErrorOf(decodeBackend(frame)));
      if (type === 'K') {
        backendPid = frame.body.readInt32BE(0);
        secretKey = Buffer.from(frame.body.subarray(4));
      }
      greeting.push(frame.raw);
      if (type === 'Z') break;
    }
    // Asked before the client is greeted: SHOW takes no snapshot and leaves nothing behind.
    socket.write(serialize.query(`SELECT current_setting('default_transaction_isolation'), ${NAME_RESOLUTION_SQL}`));
    // Unread (an error): the most conservative level, under which every commit touches everything.
    let defaultIsolation = 'serializable';
    let nameResolution: string | null = null;
    for (;;) {
      const frame = await reader.next();
      const type = String.fromCharCode(frame.type);
      if (type === 'D') {
        const fields = (decodeBackend(frame) as unknown as { fields: (string | null)[] }).fields;
        defaultIsolation = fields[0] ?? defaultIsolation;
        nameResolution = fields[1] ?? null;
      }
      if (type === 'Z') break;
    }
    clearTimeout(timer);
    return { socket, backendPid, secretKey, greeting, leftover: reader.detach(), defaultIsolation, nameResolution };
  } catch (e) {
    clearTimeout(timer);
    socket.destroy();
    throw e;
  }
}

/** Forwards a client's CancelRequest (the pid and secret after the request code) to the server. */
export function forwardCancel(target: Pick<UpstreamTarget, 'host' | 'port'>, key: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const socket = connectSocket(target);
    const packet = Buffer.alloc(8);
    packet.writeInt32BE(8 + key.length, 0);
    packet.writeInt32BE(80877102, 4);
    socket.on('connect', () => socket.end(Buffer.concat([packet, key])));
    // The server answers nothing; it closes the connection once it has read the request.
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
}
