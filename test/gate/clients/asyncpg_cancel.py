# asyncpg's statement timeout through the wire gate: on timeout asyncpg sends a CancelRequest on a
# new connection, which must reach the statement (wherever it waits); the session stays usable.
import asyncio
import json
import os

import asyncpg


async def main():
    conn = await asyncpg.connect(os.environ['DATABASE_URL'])
    out = {'timedOut': False}
    try:
        await conn.execute(os.environ['CLIENT_SQL'], timeout=float(os.environ['CLIENT_TIMEOUT']))
    except asyncio.TimeoutError:
        out['timedOut'] = True
    out['after'] = await conn.fetchval('SELECT 2')
    await conn.close()
    print(json.dumps(out))


asyncio.run(main())
