# A read-then-write increment of counter 1 over asyncpg (with "lock": SELECT ... FOR UPDATE).
import asyncio, os, sys
import asyncpg
async def main():
    conn = await asyncpg.connect(os.environ['DATABASE_URL'])
    lock = len(sys.argv) > 1 and sys.argv[1] == 'lock'
    async with conn.transaction():
        n = await conn.fetchval('SELECT n FROM counter WHERE id = 1' + (' FOR UPDATE' if lock else ''))
        await conn.execute('UPDATE counter SET n = $1 WHERE id = 1', n + 1)
    await conn.close()
    print('{"done": true}')
asyncio.run(main())
