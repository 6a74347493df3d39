# An SJIS client: 0x95 0x5c is one SJIS character, but read as UTF-8 it is an invalid byte and a
# backslash that escapes the closing quote, hiding the INSERT after it inside a "string literal".
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from raw_protocol import Raw  # noqa: E402

c = Raw(extra=[('client_encoding', 'SJIS')])
_, _, errors = c.query(b"SELECT E'\x95\x5c' AS a; INSERT INTO w VALUES (1); SELECT 1 AS b -- '\n;")
c.terminate()
print(json.dumps({'errors': [e.decode('latin1') for e in errors]}))
