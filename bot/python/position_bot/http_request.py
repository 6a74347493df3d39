"""A minimal HTTP/1.1 client on asyncio streams (stdlib only, no threads, no proxy lookups): one
request per connection, the way the harness's local services (mock exchange, virtual clock) are reached."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit


class NoResponse(Exception):
    """The request got no (complete) answer: refused, reset, or closed before the response ended."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    text: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status <= 299


async def http_request(method: str, url: str, body: bytes | None = None) -> HttpResponse:
    """Sends one request with `Connection: close`; a JSON body when `body` is given."""
    parts = urlsplit(url)
    if parts.scheme != 'http' or not parts.hostname:
        raise ValueError(f'only http:// URLs are supported, got {url!r}')
    target = (parts.path or '/') + (f'?{parts.query}' if parts.query else '')
    head = [f'{method} {target} HTTP/1.1', f'Host: {parts.netloc}', 'Connection: close', 'Accept: application/json']
    if body is not None:
        head += ['Content-Type: application/json', f'Content-Length: {len(body)}']
    try:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
    except OSError as e:
        raise NoResponse(f'cannot connect to {parts.netloc}: {e.strerror or e}') from e
    try:
        writer.write(('\r\n'.join(head) + '\r\n\r\n').encode('latin-1') + (body or b''))
        await writer.drain()
        return await _read_response(reader)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
        raise NoResponse(f'{method} {target}: connection closed without a complete response ({type(e).__name__})') from e
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def _read_response(reader: asyncio.StreamReader) -> HttpResponse:
    status_line, *header_lines = (await reader.readuntil(b'\r\n\r\n')).decode('latin-1').split('\r\n')
    version, status, *_ = status_line.split(' ', 2)
    if not version.startswith('HTTP/'):
        raise ValueError(f'not an HTTP response: {status_line!r}')
    headers: dict[str, str] = {}
    for line in header_lines:
        if ':' in line:
            name, value = line.split(':', 1)
            headers[name.strip().lower()] = value.strip()
    if 'chunked' in headers.get('transfer-encoding', '').lower():
        data = b''
        while True:
            size = int((await reader.readuntil(b'\r\n')).split(b';')[0].strip(), 16)
            if size == 0:
                await reader.readuntil(b'\r\n')
                break
            data += await reader.readexactly(size)
            await reader.readexactly(2)
    elif 'content-length' in headers:
        data = await reader.readexactly(int(headers['content-length']))
    else:
        data = await reader.read()
    return HttpResponse(int(status), data.decode('utf-8'))
