# A statement s1 parsed through the protocol, then replaced by SQL-level DEALLOCATE s1; PREPARE s1
# (one namespace on the server): Bind s1 runs the new text. Prints {"a": count of u, "b": s1's count}.
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from raw_protocol import Raw  # noqa: E402

c = Raw()
c.send(c.parse('SELECT count(*) FROM t', 's1') + c.sync())
c.read_until([b'Z'])
c.query('DEALLOCATE s1; PREPARE s1 AS SELECT count(*) FROM u')
_, rows, _ = c.query('SELECT count(*) FROM u')
a = int(rows[0][0])
c.send(c.bind('s1') + c.execute() + c.sync())
_, rows, _ = c.read_until([b'Z'])
b = int(rows[0][0])
c.terminate()
print(json.dumps({'a': a, 'b': b}))
