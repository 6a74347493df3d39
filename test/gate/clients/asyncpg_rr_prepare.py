# A REPEATABLE READ transaction over asyncpg, which prepares (Parse, Describe, Sync) before it
# executes: PostgreSQL fixes the transaction's snapshot at the Parse, a step that runs nothing.
import asyncio
import json
import os

import asyncpg


async def main():
    conn = await asyncpg.connect(os.environ['DATABASE_URL'])
    async with conn.transaction(isolation='repeatable_read'):
        stmt = await conn.prepare('SELECT count(*)::int AS n FROM t')
        n = await stmt.fetchval()
    await conn.close()
    print(json.dumps({'n': n}))


asyncio.run(main())
