# A minimal raw PostgreSQL wire-protocol client (no driver) for the probe-regression programs:
# startup, simple Query, extended-protocol messages (Parse/Bind/Execute/Flush/Sync), Terminate.
import os
import socket
import struct


class Raw:
    def __init__(self, extra=()):
        self.s = socket.create_connection((os.environ['PGHOST'], int(os.environ['PGPORT'])))
        params = (self.cstr('user') + self.cstr(os.environ['PGUSER']) + self.cstr('database') + self.cstr(os.environ['PGDATABASE'])
                  + b''.join(self.cstr(k) + self.cstr(v) for k, v in extra) + b'\0')
        body = struct.pack('!I', 196608) + params
        self.s.sendall(struct.pack('!I', len(body) + 4) + body)
        self.read_until([b'Z'])

    @staticmethod
    def msg(kind, body):
        return kind + struct.pack('!I', len(body) + 4) + body

    @staticmethod
    def cstr(text):
        return text.encode() + b'\0'

    def recv_msg(self):
        head = b''
        while len(head) < 5:
            chunk = self.s.recv(5 - len(head))
            assert chunk, 'the gate closed the connection'
            head += chunk
        kind, size = head[:1], struct.unpack('!I', head[1:])[0] - 4
        body = b''
        while len(body) < size:
            chunk = self.s.recv(size - len(body))
            assert chunk, 'the gate closed the connection'
            body += chunk
        return kind, body

    def read_until(self, kinds):
        """Reads messages up to one of `kinds`; returns (kind, data rows, error bodies)."""
        rows, errors = [], []
        while True:
            kind, body = self.recv_msg()
            if kind == b'D':
                ncol = struct.unpack('!H', body[:2])[0]
                off, row = 2, []
                for _ in range(ncol):
                    size = struct.unpack('!i', body[off:off + 4])[0]
                    off += 4
                    if size < 0:
                        row.append(None)
                    else:
                        row.append(body[off:off + size].decode('latin1'))
                        off += size
                rows.append(row)
            if kind == b'E':
                errors.append(body)
            if kind in kinds:
                return kind, rows, errors

    def parse(self, sql, name=''):
        return self.msg(b'P', self.cstr(name) + self.cstr(sql) + struct.pack('!H', 0))

    def bind(self, stmt='', portal=''):
        return self.msg(b'B', self.cstr(portal) + self.cstr(stmt) + struct.pack('!HHH', 0, 0, 0))

    def execute(self, portal=''):
        return self.msg(b'E', self.cstr(portal) + struct.pack('!I', 0))

    def ext(self, sql):
        return self.parse(sql) + self.bind() + self.execute()

    def flush(self):
        return self.msg(b'H', b'')

    def sync(self):
        return self.msg(b'S', b'')

    def query(self, sql):
        self.s.sendall(self.msg(b'Q', (sql if isinstance(sql, bytes) else sql.encode()) + b'\0'))
        return self.read_until([b'Z'])

    def send(self, data):
        self.s.sendall(data)

    def terminate(self):
        self.s.sendall(self.msg(b'X', b''))
        self.s.close()
