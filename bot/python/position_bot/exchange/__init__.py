"""The bot's exchange client: the mock exchange's REST routes (bot/exchange/exchange-routes.ts) over HTTP."""
from .http_exchange_client import ExchangeRequestError, HttpExchangeClient

__all__ = ['ExchangeRequestError', 'HttpExchangeClient']
