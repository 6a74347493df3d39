# Programs that misbehave, one per argument: crash after a failed statement, open one connection
# too many, reconnect, hang outside every gate, use COPY, sleep on the virtual clock between statements.
import asyncio
import json
import os
import sys
import time
import urllib.request

import asyncpg

URL = os.environ['DATABASE_URL']


def sleep_virtual(ms):
    req = urllib.request.Request(os.environ['RACE_CLOCK_URL'] + '/sleep', data=json.dumps({'ms': ms, 'label': 'settlement'}).encode(), method='POST', headers={'content-type': 'application/json'})
    with urllib.request.urlopen(req) as res:
        return json.loads(res.read())['now']


async def main(kind):
    conn = await asyncpg.connect(URL)
    if kind == 'crash':
        # A duplicate key, not caught: the program dies of 23505.
        await conn.execute('INSERT INTO counter VALUES (1, 0)')
    elif kind == 'two-connections':
        other = await asyncpg.connect(URL)
        await other.close()
    elif kind == 'reconnect':
        # One connection at a time, three times: each takes the lane the last one left.
        for _ in range(3):
            await conn.execute('UPDATE counter SET n = n + 1 WHERE id = 1')
            await conn.close()
            conn = await asyncpg.connect(URL)
    elif kind == 'hang':
        time.sleep(3600)
    elif kind == 'copy':
        await conn.copy_from_query('SELECT 1', output=sys.stdout.buffer)
    elif kind == 'sleep':
        await conn.execute('UPDATE counter SET n = n + 1 WHERE id = 1')
        woke = sleep_virtual(3000)
        await conn.execute('UPDATE counter SET n = n + 1 WHERE id = 1')
        print(json.dumps({'woke': woke}))
    await conn.close()


asyncio.run(main(sys.argv[1]))
