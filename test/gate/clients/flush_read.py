# A read in an implicit transaction cut at a Flush: its AccessShareLock is held until the Sync
# the program sends next, over the raw protocol.
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from raw_protocol import Raw  # noqa: E402

c = Raw()
c.send(c.ext('SELECT count(*) FROM log') + c.flush())
_, rows, errs = c.read_until([b'C', b'E'])
c.send(c.sync())
c.read_until([b'Z'])
c.terminate()
print(json.dumps({'n': int(rows[0][0]) if rows else None}))
