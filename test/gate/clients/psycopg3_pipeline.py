# psycopg 3's pipeline mode through the wire gate: several statements sent without waiting, with
# Sync points in between; each batch up to a Sync is one step, queued behind the one before.
import json
import os

import psycopg

with psycopg.connect(os.environ['DATABASE_URL'], autocommit=True) as conn:
    with conn.pipeline() as p:
        conn.execute('SELECT pg_advisory_lock(%s)', [11])
        conn.execute('SELECT pg_advisory_unlock(%s)', [11])
        p.sync()
        cur = conn.execute('SELECT %s::int + 1 AS n', [41])
    print(json.dumps({'n': cur.fetchone()[0]}))
