"""The bot's clock: the harness's virtual clock when RACE_CLOCK_URL is set, else asyncio's timers.

GET {url}/now answers {"now": ms}; POST {url}/sleep with {"ms": N, "label": "..."} answers when the
harness wakes the sleeper. The flow reads time only through this (the plan's `asyncio.sleep(3.0)`)."""
from __future__ import annotations

import asyncio
import json
from typing import Protocol

from .http_request import http_request


class Clock(Protocol):
    async def now(self) -> float: ...

    async def sleep(self, ms: float, label: str) -> None: ...


class AsyncioClock:
    """Real timers: the code as it runs unraced."""

    async def now(self) -> float:
        return asyncio.get_running_loop().time() * 1000

    async def sleep(self, ms: float, label: str) -> None:
        await asyncio.sleep(ms / 1000)


class RaceClockError(Exception):
    code = 'E_RACE_CLOCK'


class RaceClock:
    """The harness's virtual clock over HTTP."""

    def __init__(self, url: str) -> None:
        self._url = url.rstrip('/')

    async def now(self) -> float:
        response = await http_request('GET', f'{self._url}/now')
        if not response.ok:
            raise RaceClockError(f'GET {self._url}/now answered HTTP {response.status}: {response.text[:200]}')
        return float(json.loads(response.text)['now'])

    async def sleep(self, ms: float, label: str) -> None:
        body = json.dumps({'ms': ms, 'label': label}, separators=(',', ':')).encode('utf-8')
        response = await http_request('POST', f'{self._url}/sleep', body)
        if not response.ok:
            raise RaceClockError(f'POST {self._url}/sleep answered HTTP {response.status}: {response.text[:200]}')
