# Fire and forget: an INSERT and a Terminate sent in one write, then exit without reading the
# answer. PostgreSQL runs the INSERT (it reads the Query before the Terminate).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from raw_protocol import Raw  # noqa: E402

c = Raw()
c.send(c.msg(b'Q', b'INSERT INTO w VALUES (1)\0') + c.msg(b'X', b''))
c.s.close()
print('{}')
