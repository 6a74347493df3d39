"""A long-lived interpreter that runs many actor runs (run_actor) without re-importing asyncpg.

One JSON request per stdin line, {"argv": [...], "env": {...}}; one JSON answer per line on the
real stdout, {"exitCode": n, "stdout": "...", "stderr": "..."} with what that run printed. Each run
gets a fresh event loop (asyncio.run), so nothing loop-bound can leak from one run to the next.
"""
import asyncio
import contextlib
import io
import json
import sys

from position_bot import run_actor


def main() -> None:
    answer = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = asyncio.run(run_actor(request['argv'], request['env']))
            except BaseException as e:  # a bug in run_actor itself: report it as the run's ending
                print(f'actor_runner: {type(e).__name__}: {e}', file=sys.stderr)
                code = 70
        answer.write(json.dumps({'exitCode': code, 'stdout': out.getvalue(), 'stderr': err.getvalue()}) + '\n')
        answer.flush()


if __name__ == '__main__':
    main()
