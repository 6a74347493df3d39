# Under a REPEATABLE READ session default, a read cut at a Flush, then another read with Sync: both
# run in one implicit transaction whose snapshot the first (Flush-cut) step takes. Prints {"n": ...}.
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from raw_protocol import Raw  # noqa: E402

c = Raw()
c.query("SET default_transaction_isolation = 'repeatable read'")
c.send(c.ext('SELECT count(*) FROM t') + c.flush())
c.read_until([b'C', b'E'])
c.send(c.ext('SELECT count(*) FROM u') + c.sync())
_, rows, _ = c.read_until([b'Z'])
c.terminate()
print(json.dumps({'n': int(rows[0][0])}))
