// Which errors mean "the connection to PostgreSQL is gone" (an infrastructure fault, never a
// property of the code under test), and reconnecting within a bound while the server comes back.
import { HarnessError } from '../errors/index.ts';

/**
 * SQLSTATEs of a session ended by the server: 57P01 admin_shutdown (pg_terminate_backend, a fast
 * shutdown), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or shutting down), and
 * class 08, connection exceptions.
 */
const FAULT_SQLSTATES: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03']);
const FAULT_ERRNOS: ReadonlySet<string> = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTCONN', 'EHOSTUNREACH', 'ECONNABORTED']);
/** What pg says when the socket closed under a query, or when a dead client is asked again. */
const FAULT_MESSAGES = /Connection terminated|not queryable|Client was closed|connection error|timeout expired/i;

/** True for an error that means the session's connection died (at any depth of its cause chain). */
export function isConnectionFault(e: unknown): boolean {
  let cur: unknown = e;
  for (let depth = 0; cur && depth < 8; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && (FAULT_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || FAULT_ERRNOS.has(code))) return true;
    if (cur instanceof Error && typeof code !== 'string' && FAULT_MESSAGES.test(cur.message)) return true;
    cur = (cur as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * `57P01: terminating connection due to administrator command`: the fault as one line. pg's
 * words for a statement sent on a connection that had died while idle (the server ended it
 * between two statements) say what happened instead of how the driver noticed.
 */
export function describeFault(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof code !== 'string' && /not queryable/i.test(message)) {
    return 'the connection was lost while it sat idle (the server ended the session, or the network dropped it), before the next statement';
  }
  return typeof code === 'string' ? `${code}: ${message}` : message;
}

/** Default bound on waiting for a server to come back (a restart takes a few seconds). */
export const DEFAULT_RECONNECT_TIMEOUT_MS = 30_000;

/**
 * Runs `connect` until it succeeds, retrying connection faults (server restarting, refused) with
 * a growing pause, for at most `timeoutMs`; then E_DB_UNREACHABLE. Other errors are thrown at once.
 */
export async function connectWithin<T>(what: string, connect: () => Promise<T>, timeoutMs: number = DEFAULT_RECONNECT_TIMEOUT_MS): Promise<T> {
  const started = Date.now();
  let pause = 25;
  for (;;) {
    try {
      return await connect();
    } catch (e) {
      if ((e as { code?: unknown } | null)?.code === '3D000') {
        throw new HarnessError(
          'E_DB_UNREACHABLE',
          `reconnecting (${what}) found the server without the harness's database (${describeFault(e)}): it came back as a different server, or someone dropped it; run again`,
          { cause: e },
        );
      }
      if (!isConnectionFault(e)) throw e;
      if (Date.now() - started + pause > timeoutMs) {
        throw new HarnessError(
          'E_DB_UNREACHABLE',
          `lost the connection to PostgreSQL (${what}) and could not reconnect within ${timeoutMs} ms (last error ${describeFault(e)}); check that the server is up, or raise --reconnect-timeout`,
          { cause: e },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 1000);
    }
  }
}
