"""A long-lived Python interpreter that serves many runs of one program's entry point, so a race
pays for starting Python and importing its drivers (asyncpg: ~0.2 s) once, not once per run.

    python3 python-runner.py module:function

The entry is `function(argv: list[str], env: dict[str, str]) -> int` (or a coroutine function
returning int): what `main(sys.argv[1:])` of the program would do, returning its exit code. One
JSON request per stdin line: {"argv": [...], "env": {...}, "cwd": "..."}. One JSON answer per line on
the real stdout: {"code": n, "stdout": "...", "stderr": "..."}, with what that run printed.

Each run gets a fresh event loop (asyncio.run), os.environ set to its environment and its working
directory; the entry must keep no connections or loop-bound state between calls (open its pool
in the call, close it before returning). The harness kills this process when a run is stopped.

While a run goes on, the harness may ask whether the program is idle: a stdin line {"ping": k}.
The run's event loop answers {"pong": k, "idle": true} on the real stdout when it is about to
block with nothing to do (no callback ready, no socket readable or writable, no timer due), so the
harness learns at once that every request the program will make has been made, instead of
watching the process from /proc. With another thread alive the loop cannot speak for it and
answers "idle": false (the harness then looks at the threads itself). A program that runs its own
loop, or blocks its loop, leaves a ping unanswered; the harness gives up waiting after a moment and
looks from /proc for the rest of that run. The runner's first line, {"pings": false} for an entry
that is a plain function, tells the harness not to ask at all.

A stdin line {"cancel": true} stops the run going on (an abandoned schedule): its tasks are
cancelled and its answer is written as for any run; the harness has closed its gates first, so
what the run still awaits fails at once. A run that does not end soon is killed with the runner.
"""
import asyncio
import contextlib
import gc
import importlib
import inspect
import io
import json
import os
import selectors
import sys
import threading
import traceback

# The real stdout, for answers and pongs, and stdin read raw: the run's loop watches fd 0 for
# pings, so no buffered reader may hold lines it has read ahead.
ANSWER = sys.stdout
STDIN = 0


class Requests:
    """Lines from stdin, read raw: run requests, and pings and cancels at any time."""

    def __init__(self) -> None:
        self.buffer = b''
        self.pings: list[int] = []
        self.cancelled = False

    def read_some(self) -> bool:
        """Reads what stdin has (blocking until something); False at its end."""
        chunk = os.read(STDIN, 65536)
        if not chunk:
            return False
        self.buffer += chunk
        return True

    def _lines(self):
        while b'\n' in self.buffer:
            line, self.buffer = self.buffer.split(b'\n', 1)
            if line.strip():
                yield json.loads(line)

    def take_request(self):
        """The next run request, if a whole one was read. Pings met on the way are kept; a cancel
        before it was for a run that had ended already."""
        for message in self._lines():
            if 'ping' in message:
                self.pings.append(int(message['ping']))
            elif 'cancel' not in message:
                self.cancelled = False
                return message
        return None

    def take_controls(self) -> None:
        """Pings and a cancel for the run going on (one may come in the same read as its request)."""
        for message in self._lines():
            if 'ping' in message:
                self.pings.append(int(message['ping']))
            elif 'cancel' in message:
                self.cancelled = True
            else:
                raise RuntimeError('the harness sent a run request while a run was going on')


REQUESTS = Requests()
# How soon a stopped run's tasks are cancelled again while they have not ended.
CANCEL_AGAIN_S = 0.02


def answer(message: dict) -> None:
    ANSWER.write(json.dumps(message) + '\n')
    ANSWER.flush()


def pong(idle: bool) -> None:
    """Answers every ping read so far (the newest number answers the older ones too)."""
    if REQUESTS.pings:
        answer({'pong': max(REQUESTS.pings), 'idle': idle})
        REQUESTS.pings.clear()


class IdleSelector(selectors.DefaultSelector):
    """The run loop's selector: before the loop blocks, it answers the pings it holds."""

    def select(self, timeout=None):
        if REQUESTS.pings and (timeout is None or timeout > 0):
            ready = super().select(0)
            if ready:
                return ready  # more to do first: the loop comes back here before it sleeps
            # Only this thread is known idle here; another thread (an executor's) may be running.
            pong(threading.active_count() == 1)
        return super().select(timeout)


class IdleLoopPolicy(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self):
        loop = asyncio.SelectorEventLoop(IdleSelector())
        loop.add_reader(STDIN, read_controls, loop)
        # What came with the run's request (a cancel already) is acted on first.
        loop.call_soon(apply_controls, loop)
        return loop


def read_controls(loop) -> None:
    if not REQUESTS.read_some():
        loop.remove_reader(STDIN)  # the harness is gone; the run ends as it will
        return
    apply_controls(loop)


def apply_controls(loop) -> None:
    REQUESTS.take_controls()
    if REQUESTS.cancelled:
        # The harness stopped this run (its gates are closed): every task of it is cancelled, and
        # asyncio.run ends with it, so this interpreter can serve the next run.
        REQUESTS.cancelled = False
        cancel_all(loop)


def cancel_all(loop) -> None:
    """Cancels every task of the run, and again soon while any is left: cleanup code the first
    cancellation ran (a pool's close, a `finally` that awaits) may wait for what will never come."""
    for task in asyncio.all_tasks(loop):
        task.cancel()
    loop.call_later(CANCEL_AGAIN_S, cancel_all, loop)


def main() -> None:
    # Imports resolve from the working directory first, as under `python -m` (not from this file's).
    sys.path.insert(0, os.getcwd())
    module_name, _, function_name = sys.argv[1].partition(':')
    entry = getattr(importlib.import_module(module_name), function_name or 'main')
    asyncio.set_event_loop_policy(IdleLoopPolicy())
    # A plain function runs its whole run inside one step of the loop: no ping could be answered.
    answer({'pings': inspect.iscoroutinefunction(entry)})

    async def call(argv, env):
        result = entry(argv, env)
        return await result if inspect.isawaitable(result) else result

    while True:
        request = REQUESTS.take_request()
        # Between runs nothing of a program runs: a late ping is answered at once.
        pong(True)
        if request is None:
            if not REQUESTS.read_some():
                return
            continue
        env = request['env']
        os.environ.clear()
        os.environ.update(env)
        if request.get('cwd'):
            os.chdir(request['cwd'])
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                result = asyncio.run(call(request['argv'], dict(env)))
                code = result if isinstance(result, int) else 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            except BaseException:  # the program died of an exception: as the interpreter would end it
                traceback.print_exc()
                code = 1
            # What the run left open (a transport of its closed loop) is closed now, before the
            # harness hears that the run ended, as a process's exit would close it.
            gc.collect()
        answer({'code': code, 'stdout': out.getvalue(), 'stderr': err.getvalue()})


if __name__ == '__main__':
    main()
