// Which statement gets PostgreSQL's short deadlock check: only one that can close a lock cycle.

/** An actor as the lock graph sees it: blocked (on whom), or not. */
export interface LockWaiter {
  readonly index: number;
  readonly state: string;
  /** While blocked: the actors PostgreSQL last said it waits on. */
  readonly blockers: readonly number[];
}

/**
 * Whether actor `next`'s next statement can close a lock cycle: only if some blocked actor already
 * waits on it, directly or through others. Only that statement gets the short deadlock check; a
 * wait that closes nothing must not check early, or which session is the victim would depend on
 * whether the cycle was closed before its check ran (the machine's speed, not the schedule).
 */
export function mayCloseLockCycle(actors: readonly LockWaiter[], next: number): boolean {
  const reached = new Set<number>();
  const frontier = [next];
  for (let x = frontier.pop(); x !== undefined; x = frontier.pop()) {
    for (const a of actors) {
      if (a.state === 'blocked' && a.blockers.includes(x) && !reached.has(a.index)) {
        reached.add(a.index);
        frontier.push(a.index);
      }
    }
  }
  return reached.size > 0;
}
