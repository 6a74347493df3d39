# A raw protocol client: an UPDATE sent with Flush (its batch ends there, no Sync), then another
# UPDATE with Sync. PostgreSQL runs both in one implicit transaction, which the Sync commits: the
# first write is invisible to others until the second step. No driver needed.
import os
import socket
import struct

sock = socket.create_connection((os.environ['PGHOST'], int(os.environ['PGPORT'])))


def message(kind, body):
    return kind + struct.pack('!I', len(body) + 4) + body


def cstring(text):
    return text.encode() + b'\0'


def read_until(kinds):
    while True:
        head = b''
        while len(head) < 5:
            chunk = sock.recv(5 - len(head))
            assert chunk, 'the gate closed the connection'
            head += chunk
        kind, size = head[:1], struct.unpack('!I', head[1:])[0] - 4
        body = b''
        while len(body) < size:
            chunk = sock.recv(size - len(body))
            assert chunk, 'the gate closed the connection'
            body += chunk
        if kind in kinds:
            return kind


def extended(sql):
    return (message(b'P', cstring('') + cstring(sql) + struct.pack('!H', 0))
            + message(b'B', cstring('') + cstring('') + struct.pack('!HHH', 0, 0, 0))
            + message(b'E', cstring('') + struct.pack('!I', 0)))


startup = struct.pack('!I', 196608) + cstring('user') + cstring(os.environ['PGUSER']) + cstring('database') + cstring(os.environ['PGDATABASE']) + b'\0'
sock.sendall(struct.pack('!I', len(startup) + 4) + startup)
read_until([b'Z'])
sock.sendall(extended('UPDATE account SET v = 1') + message(b'H', b''))
read_until([b'C', b'E'])
sock.sendall(extended('UPDATE other SET v = 1') + message(b'S', b''))
read_until([b'Z'])
sock.sendall(message(b'X', b''))
sock.close()
print('{}')
