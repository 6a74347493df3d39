// `_get_position_lock_id(symbol, exchange)`: the key of pg_advisory_xact_lock for one position.
// The plan does not show the Python hash; any stable 64-bit key per (symbol, exchange) behaves alike.

/** A stable signed 64-bit advisory-lock key (FNV-1a 64) for (symbol, exchange), as a decimal string. */
export function positionLockId(symbol: string, exchange: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(`${symbol}:${exchange}`)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return BigInt.asIntN(64, h).toString();
}

/**
 * The key of the symbol lock (BotPolicy.symbolLock): one flow per (symbol, exchange). Distinct
 * from positionLockId, so a flow holding it on a connection of its own never waits on itself
 * when its createPosition takes pg_advisory_xact_lock on another pooled connection.
 */
export function flowLockId(symbol: string, exchange: string): string {
  return positionLockId(`flow:${symbol}`, exchange);
}
