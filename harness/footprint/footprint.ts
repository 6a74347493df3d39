// What a step may touch, as resource keys, and when two steps commute (partial-order reduction).
// A key `r:<k>` is only read; any other key is written (a lock taken counts as a write). A key
// ending in `*` stands for every key with that prefix: `db:*` is all of the database, `r:*` reads
// everything. Two steps of different actors are dependent when they share a resource and at
// least one of them writes it.
export type Footprint = readonly string[];

/** Everything a SQL statement could touch that other sessions can see: the unknown statement. */
export const SQL_ANYTHING: Footprint = ['db:*', 'act:*'];

export function isRead(key: string): boolean {
  return key.startsWith('r:');
}

function base(key: string): string {
  return isRead(key) ? key.slice(2) : key;
}

function overlaps(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.endsWith('*') && b.startsWith(a.slice(0, -1))) return true;
  return b.endsWith('*') && a.startsWith(b.slice(0, -1));
}

/** True when the two footprints share a resource that at least one of them writes. */
export function footprintsConflict(a: Footprint, b: Footprint): boolean {
  for (const x of a) {
    const bx = base(x);
    const wx = !isRead(x);
    for (const y of b) {
      if ((wx || !isRead(y)) && overlaps(bx, base(y))) return true;
    }
  }
  return false;
}

/**
 * True when `claims` cover touching `key` (a resource key without `r:`): any claim of it for a
 * read, a claim to write it for a write. What the run-time cross-check holds PostgreSQL's account to.
 */
export function footprintCovers(claims: Iterable<string>, key: string, write: boolean): boolean {
  for (const c of claims) {
    if (write && isRead(c)) continue;
    if (overlaps(base(c), key)) return true;
  }
  return false;
}
