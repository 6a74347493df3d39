# psycopg 3 through the wire gate: text and binary (%b) parameters, binary results, and a named
# prepared statement (prepare=True) bound again by its name.
import datetime
import json
import os

import psycopg

with psycopg.connect(os.environ['DATABASE_URL']) as conn:
    out = {}
    with conn.transaction():
        conn.execute('SELECT pg_advisory_xact_lock(%b)', [4242424242424])
    for i in range(2):
        cur = conn.execute('SELECT %s::text AS t, %b::int4 AS i, %b::timestamptz AS ts', ['hello', 7 + i, datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)], prepare=True, binary=True)
        out['row'] = [str(v) for v in cur.fetchone()]
    print(json.dumps(out))
