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
"""
import asyncio
import contextlib
import gc
import importlib
import inspect
import io
import json
import os
import sys
import traceback


def main() -> None:
    # Imports resolve from the working directory first, as under `python -m` (not from this file's).
    sys.path.insert(0, os.getcwd())
    module_name, _, function_name = sys.argv[1].partition(':')
    entry = getattr(importlib.import_module(module_name), function_name or 'main')
    answer = sys.stdout

    async def call(argv, env):
        result = entry(argv, env)
        return await result if inspect.isawaitable(result) else result

    for line in sys.stdin:
        request = json.loads(line)
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
        answer.write(json.dumps({'code': code, 'stdout': out.getvalue(), 'stderr': err.getvalue()}) + '\n')
        answer.flush()


if __name__ == '__main__':
    main()
