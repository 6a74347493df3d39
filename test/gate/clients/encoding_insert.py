# Sets client_encoding to argv[1], then inserts into the table named "t" followed by byte 0x80 in
# that encoding (U+0080 in ISO 8859 encodings, the euro sign in WIN1252), over the raw protocol.
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from raw_protocol import Raw  # noqa: E402

c = Raw()
c.query("SET client_encoding = '%s'" % sys.argv[1])
_, rows, errs = c.query(b'INSERT INTO "t\x80" VALUES (1)')
c.terminate()
print(json.dumps({'errors': len(errs)}))
