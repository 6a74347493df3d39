# A program with two connections used at once (one thread each, psycopg2 in autocommit): one lane
# waits on another actor's lock while the other lane has its step, and what the first lane does
# after its wait races with that step.
import os
import threading

import psycopg2


def connect():
    conn = psycopg2.connect(os.environ['DATABASE_URL'])
    conn.autocommit = True
    return conn


a, b = connect(), connect()


def run(conn, *statements):
    with conn.cursor() as cur:
        for sql in statements:
            cur.execute(sql)


threads = [
    threading.Thread(target=run, args=(a, 'UPDATE t1 SET v = v * 10', 'UPDATE t3 SET v = v + 1')),
    threading.Thread(target=run, args=(b, 'UPDATE t3 SET v = v * 2')),
]
for t in threads:
    t.start()
for t in threads:
    t.join()
a.close()
b.close()
