// Upstream sessions kept from one run to the next. A program connects in every run, and the server
// would start a backend for each connection (16–18 ms on these machines, more than the steps of a
// short run). A session its client left between statements is reset as the engine resets its own
// actors' sessions and kept; the next client of the same server, role, database and startup
// parameters is greeted by it as by a new backend. A reset that leaves it unlike a fresh session
// closes it instead.
import type net from 'node:net';
import { serialize } from 'pg-protocol';
import { RESET_SESSION, SESSION_STATE } from '../db/index.ts';
import { decodeBackend } from './backend-messages.ts';
import { FrameReader } from './message-frames.ts';
import type { UpstreamSession, UpstreamTarget } from './upstream-session.ts';

/** What a session holds after a reset when nothing of a run is left: no settings, statements, cursors, channels; no temporary relation or advisory lock. */
const FRESH_STATE = /^user=([^|]*) \| session_user=\1 \| temporary relations=0 \| advisory locks=0$/;

/** A reset that has not answered by then leaves the session closed, not kept. */
const RESET_TIMEOUT_MS = 5000;

/** A kept session unused this long is closed: it holds a server connection for nothing. */
const IDLE_MS = 10_000;

/** Most sessions kept for one key (a program may hold up to 16 connections). */
const MOST_KEPT = 16;

const Z = 'Z'.charCodeAt(0);
const S = 'S'.charCodeAt(0);
const K = 'K'.charCodeAt(0);
const D = 'D'.charCodeAt(0);
const E = 'E'.charCodeAt(0);

interface Kept {
  readonly session: UpstreamSession;
  readonly timer: NodeJS.Timeout;
  readonly onClose: () => void;
}

/** The session's part of a key: what a new backend would be started with. */
function keyOf(target: UpstreamTarget, parameters: ReadonlyMap<string, string>): string {
  return JSON.stringify([target.host, target.port, target.user, target.database, [...parameters].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/** The reported parameters of a greeting, by name. */
function reportedParameters(greeting: readonly Buffer[]): Map<string, string> {
  const reported = new Map<string, string>();
  for (const raw of greeting) {
    if (raw[0] !== S) continue;
    const body = raw.subarray(5);
    const nul = body.indexOf(0);
    reported.set(body.toString('utf8', 0, nul), body.toString('utf8', nul + 1, body.indexOf(0, nul + 1)));
  }
  return reported;
}

export class UpstreamPool {
  private readonly kept = new Map<string, Kept[]>();
  /** The default isolation a reset session of each key reported first: every later one must match. */
  private readonly isolationOf = new Map<string, string>();
  private closed = false;

  /** A kept session for a client of `target` with these startup parameters, taken out of the pool; undefined if none. */
  take(target: UpstreamTarget, parameters: ReadonlyMap<string, string>): UpstreamSession | undefined {
    const list = this.kept.get(keyOf(target, parameters));
    const kept = list?.shift();
    if (!kept) return undefined;
    clearTimeout(kept.timer);
    for (const event of ['data', 'close', 'error']) kept.session.socket.off(event, kept.onClose);
    kept.session.socket.ref();
    return kept.session;
  }

  /**
   * Resets a session its client has left at a statement boundary (`txStatus` as the server last
   * reported it), and keeps it when the reset shows it as a fresh one; closes it otherwise. The
   * caller has taken its listeners off the socket. Resolves once it is kept or closed.
   */
  async give(target: UpstreamTarget, parameters: ReadonlyMap<string, string>, session: UpstreamSession, txStatus: string): Promise<void> {
    const key = keyOf(target, parameters);
    const socket = session.socket;
    const reusable = !this.closed && (await this.reset(key, session, txStatus));
    const list = this.kept.get(key) ?? [];
    if (!reusable || this.closed || list.length >= MOST_KEPT || socket.destroyed) {
      socket.end(serialize.end());
      socket.destroy();
      return;
    }
    // Dropped with its database (DROP DATABASE ... WITH (FORCE) at the cell's end) or gone idle: forgotten.
    const onClose = () => {
      clearTimeout(kept.timer);
      const now = this.kept.get(key);
      const i = now?.indexOf(kept) ?? -1;
      if (now && i >= 0) now.splice(i, 1);
      socket.destroy();
    };
    const kept: Kept = { session: { ...session, leftover: Buffer.alloc(0), greeting: greetingAgain(session.greeting) }, timer: setTimeout(onClose, IDLE_MS).unref(), onClose };
    // Anything the server says to a session nobody uses (a FATAL before it ends it, a parameter
    // changed by a reload) would reach the next client out of turn: such a session is closed.
    for (const event of ['data', 'close', 'error']) socket.on(event, onClose);
    // A kept session does not hold the harness's process open.
    socket.unref();
    list.push(kept);
    this.kept.set(key, list);
  }

  /** Closes every kept session; a pool closed keeps no more. */
  close(): void {
    this.closed = true;
    for (const list of this.kept.values()) for (const k of [...list]) k.onClose();
    this.kept.clear();
  }

  /** Rolls back, runs what DISCARD ALL runs, and reads the state: true when it is a fresh session's. */
  private reset(key: string, session: UpstreamSession, txStatus: string): Promise<boolean> {
    const socket = session.socket;
    const reported = reportedParameters(session.greeting);
    const reader = new FrameReader();
    return new Promise<boolean>((resolve) => {
      let state: string | null = null;
      let isolation: string | null = null;
      let fine = true;
      let answers = 0;
      const done = (ok: boolean) => {
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('close', onGone);
        socket.off('error', onGone);
        resolve(ok);
      };
      const onGone = () => done(false);
      const onData = (chunk: Buffer) => {
        reader.push(chunk);
        try {
          for (let f = reader.next(); f; f = reader.next()) {
            if (f.type === E) fine = false;
            else if (f.type === S) {
              // RESET ALL brings back what the session was started with; the server reports what it brings back.
              const m = decodeBackend(f) as unknown as { parameterName: string; parameterValue: string };
              if (reported.get(m.parameterName) !== m.parameterValue) fine = false;
            } else if (f.type === D) {
              const m = decodeBackend(f) as unknown as { fields: (string | null)[] };
              isolation = m.fields[0] ?? null;
              state = m.fields[1] ?? null;
            } else if (f.type === Z) {
              if (String.fromCharCode(f.body[0] ?? 0) !== 'I') fine = false;
              if (++answers < 2) continue;
              if (reader.buffered > 0) fine = false;
              done(fine && this.fresh(key, isolation, state));
              return;
            }
          }
        } catch {
          done(false);
        }
      };
      const timer = setTimeout(() => done(false), RESET_TIMEOUT_MS);
      socket.on('data', onData);
      socket.on('close', onGone);
      socket.on('error', onGone);
      // The state is read in a query of its own: UNLISTEN takes effect when its transaction ends.
      socket.write(Buffer.concat([serialize.query(`${txStatus === 'I' ? '' : 'ROLLBACK; '}${RESET_SESSION}`), serialize.query(`SELECT ${SESSION_STATE}`)]));
    });
  }

  private fresh(key: string, isolation: string | null, state: string | null): boolean {
    if (isolation === null || state === null || !FRESH_STATE.test(state)) return false;
    const first = this.isolationOf.get(key);
    if (first === undefined) this.isolationOf.set(key, isolation);
    return first === undefined || first === isolation;
  }
}

/** A kept session's greeting: what the server announced (parameters, the key for cancels), ready for a query; its notices were for the first client. */
function greetingAgain(greeting: readonly Buffer[]): Buffer[] {
  return greeting.filter((raw) => raw[0] === S || raw[0] === K || raw[0] === Z);
}
