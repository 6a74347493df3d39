# A client that dies in the middle of a transaction: it locks a row and exits without COMMIT,
# Terminate or close, as a crashed program would.
import os

import psycopg2

conn = psycopg2.connect(os.environ['DATABASE_URL'])
cur = conn.cursor()
cur.execute('UPDATE gate_accounts SET balance = balance + 1 WHERE id = 1')
print('{"locked": true}', flush=True)
os._exit(0)
