"""HttpExchangeClient: the routes of bot/exchange/exchange-routes.ts under {base}/{exchange}/v1, JSON in
and out, errors surfaced exactly as the TypeScript FetchExchangeClient surfaces them
(bot/flow/adapters/fetch-exchange-client.ts): ExchangeRequestError with the HTTP status (0 when no
response arrived) and the exchange's code (NETWORK for a lost response, BAD_RESPONSE for a malformed one)."""
from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

from ..http_request import NoResponse, http_request

logger = logging.getLogger(__name__)

Order = dict[str, Any]
# encodeURIComponent's unreserved set, so paths are the TypeScript client's.
_URI_SAFE = "!~*'()"
ExchangePosition = dict[str, Any]


class ExchangeRequestError(Exception):
    code = 'E_EXCHANGE_REQUEST'

    def __init__(self, operation: str, status: int, exchange_code: str, message: str) -> None:
        super().__init__(f'{operation} failed (HTTP {status}, {exchange_code}): {message}')
        self.operation = operation
        self.status = status
        self.exchange_code = exchange_code


def _json(value: Any) -> bytes:
    # JSON.stringify's spelling, so request bodies are byte-for-byte the TypeScript client's.
    return json.dumps(value, separators=(',', ':')).encode('utf-8')


class HttpExchangeClient:
    def __init__(self, base_url: str, exchange: str) -> None:
        # Exchange account name; also the first path segment of every route and positions.exchange.
        self.exchange = exchange
        self._api_url = f"{base_url.rstrip('/')}/{quote(exchange, safe=_URI_SAFE)}/v1"

    async def create_market_order(self, symbol: str, side: str, quantity: float, reduce_only: bool = False) -> Order:
        operation = 'placeMarketOrder'
        body = {'type': 'market', 'symbol': symbol, 'side': side, 'quantity': quantity, 'reduceOnly': reduce_only}
        status, value = await self._request(operation, 'POST', '/order', body)
        return _decode_order(operation, status, value)

    async def create_stop_loss_order(self, symbol: str, side: str, quantity: float, stop_price: float) -> Order:
        operation = 'placeStopLoss'
        body = {'type': 'stop_market', 'symbol': symbol, 'side': side, 'quantity': quantity, 'stopPrice': stop_price}
        status, value = await self._request(operation, 'POST', '/order', body)
        return _decode_order(operation, status, value)

    async def fetch_order(self, symbol: str, order_id: str) -> Order:
        operation = 'getOrder'
        status, value = await self._request(operation, 'GET', _order_path(symbol, order_id))
        return _decode_order(operation, status, value)

    async def cancel_order(self, symbol: str, order_id: str) -> Order:
        operation = 'cancelOrder'
        status, value = await self._request(operation, 'DELETE', _order_path(symbol, order_id))
        return _decode_order(operation, status, value)

    async def fetch_positions(self) -> list[ExchangePosition]:
        operation = 'listPositions'
        status, value = await self._request(operation, 'GET', '/positions')
        if not isinstance(value, list):
            raise _bad_response(operation, status, 'expected an array of positions')
        return [_decode_position(operation, status, item) for item in value]

    async def close_position(self, symbol: str) -> Order | None:
        """Market-closes the whole position of `symbol`; None when there was none."""
        operation = 'closePosition'
        status, value = await self._request(operation, 'POST', '/position/close', {'symbol': symbol})
        if not isinstance(value, dict) or 'order' not in value:
            raise _bad_response(operation, status, 'expected { order }')
        return None if value['order'] is None else _decode_order(operation, status, value['order'])

    async def _request(self, operation: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        try:
            response = await http_request(method, self._api_url + path, None if body is None else _json(body))
        except NoResponse as e:
            # No response: the caller cannot know whether the exchange executed the request. The
            # message is fetch's (what the TypeScript bot reports); the socket-level cause stays in __cause__.
            logger.warning('%s: no response: %s', operation, e)
            raise ExchangeRequestError(operation, 0, 'NETWORK', 'Failed to fetch') from e
        if not response.ok:
            code, message = _decode_error_body(response.status, response.text)
            raise ExchangeRequestError(operation, response.status, code, message)
        try:
            return response.status, json.loads(response.text)
        except ValueError:
            raise _bad_response(operation, response.status, 'body is not JSON') from None


def _order_path(symbol: str, order_id: str) -> str:
    return f"/order/{quote(symbol, safe=_URI_SAFE)}/{quote(order_id, safe=_URI_SAFE)}"


def _decode_error_body(status: int, text: str) -> tuple[str, str]:
    try:
        value = json.loads(text)
        if isinstance(value, dict) and isinstance(value.get('code'), str):
            message = value.get('message')
            return value['code'], message if isinstance(message, str) else ''
    except ValueError:
        pass  # a proxy or gateway answered with something else than the exchange's error body
    return f'HTTP_{status}', text[:200]


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _decode_order(operation: str, status: int, value: Any) -> Order:
    if (isinstance(value, dict)
            and isinstance(value.get('orderId'), str)
            and isinstance(value.get('symbol'), str)
            and value.get('side') in ('buy', 'sell')
            and value.get('type') in ('market', 'stop_market')
            and _is_number(value.get('quantity'))
            and value.get('status') in ('new', 'filled', 'cancelled', 'rejected')
            and (value.get('avgPrice') is None or _is_number(value.get('avgPrice')))
            and _is_number(value.get('filledQuantity'))
            and (value.get('stopPrice') is None or _is_number(value.get('stopPrice')))
            and isinstance(value.get('reduceOnly'), bool)
            and 'avgPrice' in value and 'stopPrice' in value):
        return value
    raise _bad_response(operation, status, 'malformed order')


def _decode_position(operation: str, status: int, value: Any) -> ExchangePosition:
    if (isinstance(value, dict)
            and isinstance(value.get('symbol'), str)
            and value.get('side') in ('long', 'short')
            and _is_number(value.get('quantity'))
            and _is_number(value.get('entryPrice'))):
        return value
    raise _bad_response(operation, status, 'malformed position')


def _bad_response(operation: str, status: int, detail: str) -> ExchangeRequestError:
    return ExchangeRequestError(operation, status, 'BAD_RESPONSE', f'unexpected response body: {detail}')
