# psycopg2's large objects use libpq's function-call protocol, which the wire gate refuses: the
# client must get an error that names it, and its session must go on.
import json
import os

import psycopg2

conn = psycopg2.connect(os.environ['DATABASE_URL'])
out = {}
try:
    lob = conn.lobject(0, 'w')
    lob.write(b'data')
    out['error'] = None
except psycopg2.Error as e:
    out['error'] = str(e).strip()
    conn.rollback()
cur = conn.cursor()
cur.execute('SELECT 5')
out['after'] = cur.fetchone()[0]
conn.close()
print(json.dumps(out))
