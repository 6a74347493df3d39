// Bound parameter values (and result fields) decoded to JS values: text format stays a string;
// binary format is decoded where the type is known, else kept as bytes.

/** A decoded value: text-format values are strings, int8 is a bigint, unknown binary stays a Buffer. */
export type WireValue = null | string | number | bigint | boolean | Buffer | readonly WireValue[];

/** Type OIDs of the built-in types the gate decodes from binary. */
export const TYPE_OID = {
  bool: 16,
  bytea: 17,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  xml: 142,
  float4: 700,
  float8: 701,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

const TEXT_TYPES = new Set<number>([TYPE_OID.name, TYPE_OID.text, TYPE_OID.json, TYPE_OID.xml, TYPE_OID.unknown, TYPE_OID.bpchar, TYPE_OID.varchar]);

const POSTGRES_EPOCH_SECONDS = 946_684_800n;
const INT64_MAX = 0x7fffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;

function twoDigits(n: number): string {
  return String(n).padStart(2, '0');
}

/** Microseconds since 2000-01-01 as PostgreSQL prints a timestamp (ISO DateStyle, UTC). */
function timestampText(us: bigint): string {
  if (us === INT64_MAX) return 'infinity';
  if (us === INT64_MIN) return '-infinity';
  let secs = us / 1_000_000n;
  let frac = us % 1_000_000n;
  if (frac < 0n) {
    frac += 1_000_000n;
    secs -= 1n;
  }
  const iso = new Date(Number((secs + POSTGRES_EPOCH_SECONDS) * 1000n)).toISOString();
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  return frac === 0n ? base : `${base}.${String(frac).padStart(6, '0').replace(/0+$/, '')}`;
}

function dateText(days: number): string {
  if (days === 0x7fffffff) return 'infinity';
  if (days === -0x80000000) return '-infinity';
  const d = new Date((days * 86_400 + Number(POSTGRES_EPOCH_SECONDS)) * 1000);
  return `${d.getUTCFullYear()}-${twoDigits(d.getUTCMonth() + 1)}-${twoDigits(d.getUTCDate())}`;
}

/** PostgreSQL's binary numeric: base-10000 digits with a weight, a sign and a display scale. */
function numericText(b: Buffer): string {
  const ndigits = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readUInt16BE(6);
  if (sign === 0xc000) return 'NaN';
  if (sign === 0xd000) return 'Infinity';
  if (sign === 0xf000) return '-Infinity';
  const digits: number[] = [];
  for (let i = 0; i < ndigits; i++) digits.push(b.readInt16BE(8 + i * 2));
  let int = '';
  for (let i = 0; i <= weight; i++) int += i === 0 ? String(digits[i] ?? 0) : String(digits[i] ?? 0).padStart(4, '0');
  if (int === '') int = '0';
  let frac = '';
  for (let i = weight + 1; frac.length < dscale; i++) frac += i < 0 ? '0000' : String(digits[i] ?? 0).padStart(4, '0');
  frac = frac.slice(0, dscale);
  const text = frac === '' ? int : `${int}.${frac}`;
  return sign === 0x4000 ? `-${text}` : text;
}

function uuidText(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A one-dimensional array of a decodable element type (the header names the element's type). */
function arrayValue(b: Buffer): WireValue {
  const ndim = b.readInt32BE(0);
  if (ndim === 0) return [];
  const elementType = b.readUInt32BE(8);
  if (ndim !== 1 || !isBinaryDecodable(elementType)) return b;
  const count = b.readInt32BE(12);
  const out: WireValue[] = [];
  let offset = 20;
  for (let i = 0; i < count; i++) {
    const len = b.readInt32BE(offset);
    offset += 4;
    if (len < 0) {
      out.push(null);
      continue;
    }
    out.push(decodeBinary(elementType, b.subarray(offset, offset + len)));
    offset += len;
  }
  return out;
}

const ARRAY_TYPES = new Set<number>([1000, 1001, 1003, 1005, 1007, 1009, 1014, 1015, 1016, 1021, 1022, 1028, 1115, 1182, 1185, 1231, 2951, 3807, 199]);

function isBinaryDecodable(oid: number): boolean {
  return TEXT_TYPES.has(oid) || ARRAY_TYPES.has(oid) || Object.values(TYPE_OID).includes(oid as never);
}

/** One binary-format value of type `oid`; a type the gate does not know stays a Buffer. */
export function decodeBinary(oid: number, b: Buffer): WireValue {
  try {
    if (TEXT_TYPES.has(oid)) return b.toString('utf8');
    switch (oid) {
      case TYPE_OID.bool:
        return b[0] === 1;
      case TYPE_OID.int2:
        return b.readInt16BE(0);
      case TYPE_OID.int4:
        return b.readInt32BE(0);
      case TYPE_OID.oid:
        return b.readUInt32BE(0);
      case TYPE_OID.int8:
        return b.readBigInt64BE(0);
      case TYPE_OID.float4:
        return b.readFloatBE(0);
      case TYPE_OID.float8:
        return b.readDoubleBE(0);
      case TYPE_OID.numeric:
        return numericText(b);
      case TYPE_OID.uuid:
        return uuidText(b);
      case TYPE_OID.timestamp:
        return timestampText(b.readBigInt64BE(0));
      case TYPE_OID.timestamptz: {
        const t = timestampText(b.readBigInt64BE(0));
        return t.endsWith('infinity') ? t : `${t}+00`;
      }
      case TYPE_OID.date:
        return dateText(b.readInt32BE(0));
      case TYPE_OID.jsonb:
        return b.subarray(1).toString('utf8');
      case TYPE_OID.bytea:
        return b;
      default:
        return ARRAY_TYPES.has(oid) ? arrayValue(b) : b;
    }
  } catch {
    // A value shorter than its type says: show the bytes rather than guess.
    return b;
  }
}

/** One value as it was sent: format 0 is text (a string), 1 is binary, decoded by its type when known. */
export function decodeValue(value: Buffer | null, format: number, oid: number | undefined): WireValue {
  if (value === null) return null;
  if (format === 0) return value.toString('utf8');
  return oid === undefined || oid === 0 ? value : decodeBinary(oid, value);
}
