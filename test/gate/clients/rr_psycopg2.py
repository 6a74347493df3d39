# psycopg2's set_session(isolation_level='REPEATABLE READ') sends the level in upper case; the
# server takes it. A block reads t, then u (one snapshot, taken at the first read). Prints {"n": ...}.
import json
import os

import psycopg2

conn = psycopg2.connect(os.environ['DATABASE_URL'])
conn.set_session(isolation_level='REPEATABLE READ', autocommit=True)
cur = conn.cursor()
cur.execute('BEGIN')
cur.execute('SELECT count(*) FROM t')
cur.execute('SELECT count(*) FROM u')
n = cur.fetchone()[0]
cur.execute('COMMIT')
conn.close()
print(json.dumps({'n': n}))
