// Binary values decoded as PostgreSQL prints them: the server itself encodes (numeric_send,
// timestamptz_send, ...) and prints each value, and the decoder must agree with its text.
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeBinary, decodeValue, TYPE_OID } from '../../harness/gate/wire-values.ts';

let client: pg.Client;

beforeAll(async () => {
  // Only reads: the server encodes and prints values, nothing is written.
  client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  await client.query("SET TimeZone = 'UTC'; SET DateStyle = 'ISO'; SET extra_float_digits = 3");
});

afterAll(async () => {
  await client.end();
});

/** The server's binary form of `literal::type` and its text form. */
async function both(literal: string, type: string, send: string): Promise<{ bin: Buffer; text: string }> {
  const r = await client.query<{ bin: Buffer; text: string }>(`SELECT ${send}($1::${type}) AS bin, $1::${type}::text AS text`, [literal]);
  return r.rows[0]!;
}

describe('binary values', () => {
  it('numeric: any value decodes to the text PostgreSQL prints', async () => {
    const numeric = fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 20 })).map(([digits, scale]) => {
      const s = (digits < 0n ? -digits : digits).toString().padStart(scale + 1, '0');
      return `${digits < 0n ? '-' : ''}${scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`}`;
    });
    await fc.assert(
      fc.asyncProperty(numeric, async (n) => {
        const { bin, text } = await both(n, 'numeric', 'numeric_send');
        expect(decodeBinary(TYPE_OID.numeric, bin)).toBe(text);
      }),
      { numRuns: 200 },
    );
    for (const special of ['NaN', 'Infinity', '-Infinity', '0', '0.0001', '10000', '-0.5']) {
      const { bin, text } = await both(special, 'numeric', 'numeric_send');
      expect(decodeBinary(TYPE_OID.numeric, bin)).toBe(text);
    }
  });

  it('timestamp, timestamptz and date decode as ISO text in UTC', async () => {
    const micros = fc.bigInt({ min: -30_000_000_000_000_000n, max: 250_000_000_000_000_000n });
    await fc.assert(
      fc.asyncProperty(micros, async (us) => {
        const literal = (await client.query<{ t: string }>(`SELECT (timestamp '2000-01-01' + $1 * interval '1 microsecond')::text AS t`, [us.toString()])).rows[0]!.t;
        const plain = await both(literal, 'timestamp', 'timestamp_send');
        expect(decodeBinary(TYPE_OID.timestamp, plain.bin)).toBe(plain.text);
        const tz = await both(`${literal}+00`, 'timestamptz', 'timestamptz_send');
        expect(decodeBinary(TYPE_OID.timestamptz, tz.bin)).toBe(tz.text);
        const date = await both(literal.slice(0, 10), 'date', 'date_send');
        expect(decodeBinary(TYPE_OID.date, date.bin)).toBe(date.text);
      }),
      { numRuns: 100 },
    );
    for (const inf of ['infinity', '-infinity']) expect(decodeBinary(TYPE_OID.timestamptz, (await both(inf, 'timestamptz', 'timestamptz_send')).bin)).toBe(inf);
  });

  it('integers, floats, booleans, uuids, text and jsonb; int8 as an exact bigint', async () => {
    const cases: [string, string, string, unknown][] = [
      ['-32768', 'int2', 'int2send', -32768],
      ['2147483647', 'int4', 'int4send', 2147483647],
      ['-9223372036854775808', 'int8', 'int8send', -9223372036854775808n],
      ['4294967295', 'oid', 'oidsend', 4294967295],
      ['1.5', 'float4', 'float4send', 1.5],
      ['-2.25e300', 'float8', 'float8send', -2.25e300],
      ['true', 'bool', 'boolsend', true],
      ['12345678-1234-5678-1234-567812345678', 'uuid', 'uuid_send', '12345678-1234-5678-1234-567812345678'],
      ['héllo', 'text', 'textsend', 'héllo'],
      ['{"a": [1, 2]}', 'jsonb', 'jsonb_send', '{"a": [1, 2]}'],
    ];
    const oids: Record<string, number> = { int2: 21, int4: 23, int8: 20, oid: 26, float4: 700, float8: 701, bool: 16, uuid: 2950, text: 25, jsonb: 3802 };
    for (const [literal, type, send, expected] of cases) {
      expect(decodeBinary(oids[type]!, (await both(literal, type, send)).bin), type).toEqual(expected);
    }
  });

  it('one-dimensional arrays decode element by element; others stay bytes', async () => {
    expect(decodeBinary(1016, (await both('{1,NULL,3}', 'int8[]', 'array_send')).bin)).toEqual([1n, null, 3n]);
    expect(decodeBinary(1009, (await both('{a,"b c"}', 'text[]', 'array_send')).bin)).toEqual(['a', 'b c']);
    expect(decodeBinary(1007, (await both('{}', 'int4[]', 'array_send')).bin)).toEqual([]);
    expect(Buffer.isBuffer(decodeBinary(1007, (await both('{{1,2},{3,4}}', 'int4[]', 'array_send')).bin))).toBe(true);
  });

  it('text format is a string; unknown binary types and short values stay bytes', () => {
    expect(decodeValue(Buffer.from('42'), 0, TYPE_OID.int8)).toBe('42');
    expect(decodeValue(null, 1, TYPE_OID.int8)).toBeNull();
    expect(decodeValue(Buffer.from([1, 2]), 1, 0)).toEqual(Buffer.from([1, 2]));
    expect(decodeValue(Buffer.from([1, 2]), 1, 600_000)).toEqual(Buffer.from([1, 2]));
    expect(decodeBinary(TYPE_OID.int8, Buffer.from([1, 2]))).toEqual(Buffer.from([1, 2]));
  });
});
