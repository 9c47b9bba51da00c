"""The journal tests' shared pieces: the gated writer process that forces the
interleavings of issue #12, and running a scenario on asyncio's loop and on uvloop
(what ``chargecheck`` runs on: it makes the writer's answer pipe non-blocking)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
import uvloop

from chargecheck.csms import ServerSettings
from chargecheck.journal import writer_process
from tests.conftest import UNIT

# A Central System that commits through the journal's writer process (off by default).
WRITER_PROCESS = ServerSettings(port=0, ping_interval=None, journal_process=True)

GATED = Path(__file__).with_name("gated_writer.py")
LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}


@pytest.fixture(params=sorted(LOOPS))
def run_on(request) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    """Run a scenario to its end on one loop, then the other; bounded in time."""

    async def bounded(coroutine: Coroutine[Any, Any, Any]) -> Any:
        async with asyncio.timeout(100 * UNIT):  # a deaf bench fails, it does not hang
            return await coroutine

    def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
        with asyncio.Runner(loop_factory=LOOPS[request.param]) as runner:
            return runner.run(bounded(coroutine))

    return run


@pytest.fixture
def gated(monkeypatch) -> Callable[..., None]:
    """Use the gated writer process, configured by ``CC_WRITER_*`` keywords
    (``hold_file``, ``slow``, ``seed``, ``die``: see ``gated_writer.py``)."""

    def configure(**env: object) -> None:
        monkeypatch.setattr(writer_process, "CHILD", GATED)
        for name, value in env.items():
            if value is not None:
                monkeypatch.setenv(f"CC_WRITER_{name.upper()}", str(value))

    return configure


async def until(condition: Callable[[], bool], what: str, timeout: float = 20 * UNIT) -> None:
    """Poll ``condition`` every 10 ms up to ``timeout`` s."""
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")
