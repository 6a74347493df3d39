# asyncpg through the wire gate: a pool of two connections, the extended protocol with binary
# parameters and results, and the prepared-statement cache (a statement run twice is parsed once).
import asyncio
import datetime
import decimal
import json
import os
import uuid

import asyncpg

ROW_SQL = 'SELECT $1::int4 AS i, $2::text AS t, $3::numeric AS n, $4::uuid AS u, $5::timestamptz AS ts, $6::bool AS b, $7::float8 AS f, $8::int8[] AS a'
ROW_ARGS = (
    7,
    'x',
    decimal.Decimal('-12345.678'),
    uuid.UUID('12345678-1234-5678-1234-567812345678'),
    datetime.datetime(2024, 2, 29, 12, 30, 45, 123456, tzinfo=datetime.timezone.utc),
    True,
    1.5,
    [1, None, 3],
)


async def main():
    pool = await asyncpg.create_pool(os.environ['DATABASE_URL'], min_size=2, max_size=2)
    out = {}
    async with pool.acquire() as a, pool.acquire() as b:
        out['pids'] = [await a.fetchval('SELECT pg_backend_pid()'), await b.fetchval('SELECT pg_backend_pid()')]
        async with a.transaction():
            await a.execute('SELECT pg_advisory_xact_lock($1)', 4242424242424)
        rows = [await b.fetchrow(ROW_SQL, *ROW_ARGS) for _ in range(2)]
        out['row'] = [str(v) for v in rows[1].values()]
    await pool.close()
    print(json.dumps(out))


asyncio.run(main())
