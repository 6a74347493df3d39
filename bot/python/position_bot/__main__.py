"""python3 -m position_bot <role> [options]: one actor run (see actors.py and ../README.md)."""
import asyncio
import sys

from .actors import run_actor

sys.exit(asyncio.run(run_actor(sys.argv[1:])))
