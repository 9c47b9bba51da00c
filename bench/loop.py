"""Run a coroutine on uvloop where it is installed (Python 3.11: ``asyncio.Runner``), and
the options and process settings both bench servers (``bench.bare``, ``bench.server``)
share."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T], *, uvloop: bool = True) -> T:
    factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    if uvloop:
        try:
            import uvloop as _uvloop
        except ImportError:  # not on Windows: the default loop then
            pass
        else:
            factory = _uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)


def server_arguments(parser: argparse.ArgumentParser) -> None:
    """--host, --port, --no-uvloop, --default-gc: the options of both bench servers."""
    parser.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "::1"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-uvloop", action="store_true")
    parser.add_argument("--default-gc", action="store_true", help="keep CPython's thresholds")


def prepare_server_process(args: argparse.Namespace) -> None:
    """The same process settings for both servers: open-files limit, GC thresholds."""
    from bench.procfs import raise_open_files_limit
    from chargecheck.csms.gc_tuning import tune_gc

    raise_open_files_limit()
    if not args.default_gc:
        tune_gc()
