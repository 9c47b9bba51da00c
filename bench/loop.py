"""Run a coroutine on uvloop where it is installed (Python 3.11: ``asyncio.Runner``)."""

from __future__ import annotations

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
