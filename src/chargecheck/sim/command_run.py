"""What the 1.6 and the 2.0.1 ``chargecheck simulate`` commands (``chargecheck.sim.command``,
``chargecheck.sim.v201.command``) do alike around their stations: run until SIGINT or
SIGTERM, the console of the first station, and the stop of them all together, a station
that broke named in one line."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chargecheck.sim.console import Console
    from chargecheck.sim.control import Station
    from chargecheck.sim.simulator_base import SimulatorBase


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def attach_console(
    first: Station, stop: asyncio.Event, with_console: bool
) -> tuple[Console | None, Callable[[str], None]]:
    """The console of ``first`` (its ``quit`` sets ``stop``) if wanted, attached before the
    start so that the BootNotification has its line too; and where lines are said."""
    from chargecheck.sim.console import Console

    console = Console(first, stop.set) if with_console else None
    if console is not None:
        console.attach()
    return console, say_line if console is None else console.say


async def stop_all(stations: Mapping[str, SimulatorBase]) -> list[BaseException | None]:
    """Stop every station; what each stop raised (None: it stopped clean)."""
    # Together: a fleet of 10,000 closes in about one closing handshake, not 10,000.
    return await asyncio.gather(*(sim.stop() for sim in stations.values()), return_exceptions=True)


def failures_told(stations: Mapping[str, object], outcomes: list[BaseException | None]) -> bool:
    """Whether a station failed: one line for each that did; a BaseException (a
    KeyboardInterrupt, a cancellation) raised again."""
    failed = False
    for identity, outcome in zip(stations, outcomes, strict=True):
        if isinstance(outcome, Exception):  # one broken station must not hide the others
            print(f"station {identity} failed: {type(outcome).__name__}: {outcome}", flush=True)
            failed = True
        elif isinstance(outcome, BaseException):
            raise outcome
    return failed


def say_line(line: str) -> None:
    """One line on standard output, at once."""
    print(line, flush=True)
