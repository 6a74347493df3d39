"""Entries for the Python runner's tests (runners/python-runner.py): each waits in its own way
for the test's local socket, at RUNNER_TEST_PORT, to say something."""
import asyncio
import os
import socket
import threading
import time


async def _wait_for_word(env) -> bytes:
    reader, writer = await asyncio.open_connection('127.0.0.1', int(env['RUNNER_TEST_PORT']))
    writer.write(f'{os.getpid()}\n'.encode())
    await writer.drain()
    word = await reader.readline()
    writer.close()
    return word


async def waits(argv, env):
    """Idle on a socket until the test writes a line; exits with the line's number."""
    return int((await _wait_for_word(env)).strip() or 0)


async def waits_with_thread(argv, env):
    """The same, while a thread of its own sleeps: its loop cannot speak for that thread."""
    threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
    return int((await _wait_for_word(env)).strip() or 0)


async def busy(argv, env):
    """Tells the test it started, then computes without returning to its loop for a while."""
    reader, writer = await asyncio.open_connection('127.0.0.1', int(env['RUNNER_TEST_PORT']))
    writer.write(f'{os.getpid()}\n'.encode())
    await writer.drain()
    end = time.monotonic() + float(argv[0] if argv else 1)
    while time.monotonic() < end:
        pass
    return 0


async def cleans_up_forever(argv, env):
    """Awaits the socket, and when cancelled awaits again in its cleanup (as a pool's close may)."""
    try:
        return int((await _wait_for_word(env)).strip() or 0)
    except asyncio.CancelledError:
        await asyncio.sleep(3600)
        raise


async def swallows_cancel(argv, env):
    """Never lets a cancellation end it: the runner has to be killed."""
    reader, writer = await asyncio.open_connection('127.0.0.1', int(env['RUNNER_TEST_PORT']))
    writer.write(f'{os.getpid()}\n'.encode())
    await writer.drain()
    while True:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            pass


def sync_waits(argv, env):
    """A plain function with a blocking socket: its loop cannot answer while it runs."""
    with socket.create_connection(('127.0.0.1', int(env['RUNNER_TEST_PORT']))) as conn:
        conn.sendall(f'{os.getpid()}\n'.encode())
        return int(conn.makefile().readline().strip() or 0)
