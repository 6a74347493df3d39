# A COMMIT pipelined after a failing statement is skipped by the server (all up to the Sync is): the
# transaction stays open, failed, holding its advisory lock until ROLLBACK TO SAVEPOINT and COMMIT.
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from raw_protocol import Raw  # noqa: E402

a = Raw()
b = Raw()
a.query('BEGIN')
a.query('SELECT pg_advisory_xact_lock(1)')
a.query('SAVEPOINT s')
a.send(a.ext('INSERT INTO t VALUES (1/0)') + a.ext('COMMIT') + a.sync())
_, _, errors = a.read_until([b'Z'])
b.query('INSERT INTO v VALUES (1)')
a.query('ROLLBACK TO SAVEPOINT s')
a.query('COMMIT')
a.terminate()
b.terminate()
print(json.dumps({'errors': len(errors)}))
