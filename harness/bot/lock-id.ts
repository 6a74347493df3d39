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
