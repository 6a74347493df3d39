// The mark on every database the harness creates (COMMENT ON DATABASE): that it is a throwaway,
// and which process owns it, so a later run on the same server can tell a dead owner's leftovers
// from a live concurrent run's databases. On this host the owner's pid and start time decide; a
// run on another host cannot see those, so the owner also holds a lease it renews while it lives.
import { stillRunning, type ProcessIdentity } from './process-identity.ts';

export const DB_MARKER = 'position-race-harness: throwaway database, safe to drop';
/** How long a lease lasts (server clock); the owner renews it well before, every RENEW_EVERY_MS. */
export const LEASE_SECONDS = 120;
export const RENEW_EVERY_MS = 40_000;

export interface DatabaseOwner extends ProcessIdentity {
  /** Until when (seconds since the epoch, on the server's clock) the owner vouches it lives. */
  readonly lease: number;
}

const OWNER_LINE = '\nowner ';

/** The comment of a database `owner` created: the marker, then its owner as one JSON line. */
export function ownerComment(owner: DatabaseOwner): string {
  const { host, hostname, pid, started, lease } = owner;
  return `${DB_MARKER}${OWNER_LINE}${JSON.stringify({ host, hostname, pid, started, lease: Math.ceil(lease) })}`;
}

/** True for a comment the harness wrote (with or without its owner line). */
export function isMarked(comment: string | null | undefined): boolean {
  return comment === DB_MARKER || (comment?.startsWith(`${DB_MARKER}${OWNER_LINE}`) ?? false);
}

/** The owner recorded in a marked comment; null when none is (a database of an older harness). */
export function parseOwner(comment: string | null | undefined): DatabaseOwner | null {
  if (!comment || !isMarked(comment) || comment === DB_MARKER) return null;
  try {
    const o = JSON.parse(comment.slice(DB_MARKER.length + OWNER_LINE.length)) as Partial<DatabaseOwner>;
    if (typeof o.host !== 'string' || typeof o.pid !== 'number' || typeof o.lease !== 'number') return null;
    return { host: o.host, hostname: typeof o.hostname === 'string' ? o.hostname : '?', pid: o.pid, started: typeof o.started === 'string' ? o.started : '', lease: o.lease };
  } catch {
    return null;
  }
}

/**
 * `self`: this process; `live`: another process that still runs (this host) or whose lease has
 * not expired (another host); `dead`: its leftovers may be dropped.
 */
export function ownerState(owner: DatabaseOwner, me: ProcessIdentity, serverNow: number): 'self' | 'live' | 'dead' {
  if (owner.host === me.host) {
    if (owner.pid === me.pid && (owner.started === me.started || !owner.started || !me.started)) return 'self';
    return stillRunning(owner) ? 'live' : 'dead';
  }
  return owner.lease > serverNow ? 'live' : 'dead';
}
