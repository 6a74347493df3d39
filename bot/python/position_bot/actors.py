"""The actors of the scenarios (bot/scenarios/bot-actors.ts) as one command line each.

Contract with the harness (see ../README.md): inputs as argv, the outside world as environment
variables (DATABASE_URL, RACE_SERVICE_EXCHANGE_URL, RACE_CLOCK_URL). Exit 0 with the actor's value as
one JSON line on stdout; 1 with one line on stderr when the flow ends in an unhandled error; 2 on bad
input. run_actor keeps no state between calls: its pool is created and closed per call.
"""
from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import re
import sys
from typing import Any, Awaitable, Callable, Mapping

import asyncpg

from .core import AtomicPositionManager, PositionManager, PositionSynchronizer
from .database import PositionRepository
from .exchange import HttpExchangeClient
from .layers import LayerError, LayerSet, resolve_layer_set
from .race_clock import AsyncioClock, Clock, RaceClock

# Two connections: a flow under the symbol lock holds one for the lock while its statements run on
# the other, and no flow needs a third. Each connection is a lane the harness schedules, so the
# pool is no bigger than the code needs; min_size=0 opens a connection only when one is acquired,
# and the idle timer is off (it would close connections on wall-clock time).
POOL_OPTIONS = {'min_size': 0, 'max_size': 2, 'max_inactive_connection_lifetime': 0}

_PROG = 'position-bot'


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f'{self.prog}: {message}')

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        # --help: print, then end this call with `status` instead of ending the interpreter.
        if message:
            sys.stderr.write(message)
        raise _Exit(status)


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _number(text: str) -> float:
    """5 stays an int (JSON `5`, as JavaScript writes it), 0.5 a float."""
    value = float(text)
    return int(value) if value.is_integer() and 'e' not in text.lower() and '.' not in text else value


def _parser() -> _Parser:
    parser = _Parser(prog=_PROG, description='One actor of the position flow (the plan\'s Python bot).')
    roles = parser.add_subparsers(dest='role', required=True, parser_class=_Parser)

    def role(name: str, help: str) -> _Parser:
        p = roles.add_parser(name, help=help)
        p.add_argument('--layers', default='baseline', help="layer ids or a named set, joined by '+' or ','")
        return p

    p = role('signal', 'open_position_atomic (the Signal flow)')
    p.add_argument('--symbol', required=True)
    p.add_argument('--exchange', required=True)
    p.add_argument('--side', choices=('long', 'short'), default='long')
    p.add_argument('--quantity', type=_number, default=5)
    p.add_argument('--stop-loss-percent', type=_number, default=0.02)

    p = role('sync', 'PositionSynchronizer.sync on one exchange')
    p.add_argument('--exchange', required=True)
    p.add_argument('--start-after-ms', type=_number, default=0, help="sleep this long on the clock first ('sync timer')")

    p = role('create', 'a bare repository.create_position call (the plan\'s Test 2 sync_flow)')
    p.add_argument('--symbol', required=True)
    p.add_argument('--exchange', required=True)
    p.add_argument('--side', choices=('long', 'short'), default='long')
    p.add_argument('--quantity', type=_number, default=5)
    p.add_argument('--entry-price', type=_number, default=10)
    p.add_argument('--status', default='active')

    p = role('close', 'a manual close: market-close the exchange position, then close the open row')
    p.add_argument('--symbol', required=True)
    p.add_argument('--exchange', required=True)
    p.add_argument('--reason', default='manual close')

    role('policy', 'print the resolved layer set (policy and migrations) as JSON; no database')
    return parser


async def _signal(args: argparse.Namespace, ctx: '_Context') -> Any:
    manager = AtomicPositionManager(ctx.repository, {args.exchange: ctx.exchange(args.exchange)}, ctx.clock, ctx.policy)
    opened = await manager.open_position_atomic(
        {'symbol': args.symbol, 'side': args.side, 'quantity': args.quantity, 'stop_loss_percent': args.stop_loss_percent},
        args.exchange)
    return {'positionId': opened['position_id'], 'entryOrderId': opened['entry_order_id'],
            'stopLossOrderId': opened['stop_loss_order_id']}


async def _sync(args: argparse.Namespace, ctx: '_Context') -> Any:
    if args.start_after_ms > 0:
        await ctx.clock.sleep(args.start_after_ms, 'sync timer')
    return await PositionSynchronizer(ctx.repository, ctx.policy).sync(ctx.exchange(args.exchange))


async def _create(args: argparse.Namespace, ctx: '_Context') -> Any:
    created = await ctx.repository.create_position(
        {'symbol': args.symbol, 'exchange': args.exchange, 'side': args.side, 'quantity': args.quantity,
         'entry_price': args.entry_price, 'status': args.status})
    return ctx.repository.position_id_of(created)


async def _close(args: argparse.Namespace, ctx: '_Context') -> Any:
    return await PositionManager(ctx.repository, ctx.exchange(args.exchange), ctx.policy).close_position(args.symbol, args.reason)


ROLES: dict[str, Callable[[argparse.Namespace, '_Context'], Awaitable[Any]]] = {
    'signal': _signal, 'sync': _sync, 'create': _create, 'close': _close,
}
# Roles that call the exchange need its URL.
_EXCHANGE_ROLES = frozenset({'signal', 'sync', 'close'})


def exchange_url_of(env: Mapping[str, str], account: str) -> str | None:
    """The account's own service URL (the harness's gate for service `exchange:<account>`:
    RACE_SERVICE_EXCHANGE_<ACCOUNT>_URL), else the one base URL of every account."""
    own = 'RACE_SERVICE_EXCHANGE_' + re.sub('[^A-Z0-9]+', '_', account.upper()) + '_URL'
    return env.get(own) or env.get('RACE_SERVICE_EXCHANGE_URL')


class _Context:
    def __init__(self, repository: PositionRepository, layer_set: LayerSet, clock: Clock, env: Mapping[str, str]) -> None:
        self.repository = repository
        self.policy = layer_set.policy
        self.clock = clock
        self._env = env

    def exchange(self, name: str) -> HttpExchangeClient:
        url = exchange_url_of(self._env, name)
        assert url is not None
        return HttpExchangeClient(url, name)


async def run_actor(argv: list[str], env: Mapping[str, str] | None = None) -> int:
    """Runs one actor to its end; returns the exit code. `env` defaults to os.environ."""
    env = os.environ if env is None else env
    log_handler = _attach_log_handler(env.get('POSITION_BOT_LOG'))
    try:
        return await _run(argv, env)
    finally:
        if log_handler is not None:
            logging.getLogger('position_bot').removeHandler(log_handler)


async def _run(argv: list[str], env: Mapping[str, str]) -> int:
    try:
        args = _parser().parse_args(argv)
        layer_set = resolve_layer_set(args.layers)
    except _Exit as e:
        return e.status
    except UsageError as e:
        return _fail(2, 'E_USAGE', None, str(e))
    except LayerError as e:
        return _fail(2, e.code, None, str(e))
    if args.role == 'policy':
        print(json.dumps(layer_set.to_json()), flush=True)
        return 0
    database_url = env.get('DATABASE_URL')
    if not database_url:
        return _fail(2, 'E_USAGE', None, 'DATABASE_URL is not set; point it at the PostgreSQL (or the gate) to use')
    if args.role in _EXCHANGE_ROLES and not exchange_url_of(env, args.exchange):
        return _fail(2, 'E_USAGE', None, f'neither RACE_SERVICE_EXCHANGE_{re.sub("[^A-Z0-9]+", "_", args.exchange.upper())}_URL nor RACE_SERVICE_EXCHANGE_URL is set; the {args.role} actor calls the exchange')
    clock: Clock = RaceClock(env['RACE_CLOCK_URL']) if env.get('RACE_CLOCK_URL') else AsyncioClock()
    try:
        pool = await asyncpg.create_pool(database_url, **POOL_OPTIONS)
    except Exception as e:
        return _fail_with(e)
    try:
        value = await ROLES[args.role](args, _Context(PositionRepository(pool, layer_set.policy), layer_set, clock, env))
    except Exception as e:
        return _fail_with(e)
    finally:
        await pool.close()
    print(json.dumps(value), flush=True)
    return 0


def _fail_with(error: BaseException) -> int:
    code = getattr(error, 'sqlstate', None) or getattr(error, 'code', None)
    if not isinstance(code, str) and isinstance(error, OSError) and error.errno in errno.errorcode:
        code = errno.errorcode[error.errno]  # ECONNREFUSED, as Node names a system error
    return _fail(1, code if isinstance(code, str) else type(error).__name__, sqlstate_of(error), _message_of(error))


def _fail(exit_code: int, code: str, sqlstate: str | None, message: str) -> int:
    """The one stderr line: `position-bot: <code>[ SQLSTATE <sqlstate>]: <message>`."""
    state = f' SQLSTATE {sqlstate}' if sqlstate else ''
    print(f"{_PROG}: {code}{state}: {' '.join(message.split())}", file=sys.stderr, flush=True)
    return exit_code


def sqlstate_of(error: BaseException | None) -> str | None:
    """The SQLSTATE of the error or of its causes (as the harness's sqlStateOf walks `cause`)."""
    for _ in range(8):
        if error is None:
            return None
        if isinstance(error, asyncpg.PostgresError):
            return error.sqlstate
        error = error.__cause__
    return None


def _message_of(error: BaseException) -> str:
    return error.message if isinstance(error, asyncpg.PostgresError) else str(error)


def _attach_log_handler(level: str | None) -> logging.Handler | None:
    """POSITION_BOT_LOG=info|warning|...: the flow's log lines on stderr, before the error line."""
    if not level:
        return None
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter('%(levelname)s %(name)s: %(message)s'))
    logger = logging.getLogger('position_bot')
    logger.setLevel(level.upper())
    logger.addHandler(handler)
    return handler
