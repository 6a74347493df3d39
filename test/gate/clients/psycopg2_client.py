# psycopg2 through the wire gate: the simple protocol, values interpolated by the driver, and the
# transaction psycopg2 opens on its own.
import json
import os

import psycopg2

conn = psycopg2.connect(os.environ['DATABASE_URL'])
cur = conn.cursor()
cur.execute('SELECT pg_advisory_xact_lock(%s)', (4242424242424,))
cur.execute('SELECT %s::text, %s::int', ("it's", 5))
row = cur.fetchone()
conn.commit()
conn.close()
print(json.dumps({'row': list(row)}))
