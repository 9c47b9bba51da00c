"""``chargecheck simulate URL ID --ocpp 2.0.1``: simulated 2.0.1 charging stations against
any CSMS (the 1.6 command, ``chargecheck.sim.command``, hands over to ``simulate_201``).
``--control-port`` and ``--console`` are the 1.6 command's (``chargecheck.sim.control``,
``chargecheck.sim.console``), with the acts a 2.0.1 station has, on its EVSEs."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import typer

from chargecheck.sim.v201.core import PROFILE_201, cached_profile
from chargecheck.sim.v201.device_model import ProfileError
from chargecheck.sim.v201.simulator import Simulator201

PROFILE_16 = "alfen-ng920"  # the 1.6 command's default profile: means "the default" here
# The options of ``chargecheck simulate`` this first 2.0.1 slice does not have, in the
# order the 1.6 command hands their values over.
OPTIONS_16 = (
    "'--charging'",
    "'--id-tag'",
    "'--meter-interval'",
    "'--ev-connected'",
    "'--secure-url'",
    "'--variant'",
)


def simulate_201(
    url: str,
    station_id: str,
    *,
    count: int,
    profile: str,
    time_scale: float,
    state_dir: Path,
    unsupported: Mapping[str, Any],
    control_port: int | None = None,
    with_console: bool = False,
    password: str | None = None,
    tls: ssl.SSLContext | None = None,
) -> None:
    """Run ``count`` 2.0.1 stations until SIGINT / SIGTERM (or the console's quit).
    ``unsupported``: the 1.6 options given (option name -> value) that this first 2.0.1
    slice does not have: a usage error names the first one given. ``control_port``: the
    HTTP control interface on 127.0.0.1 (0: any port; a line says which); ``with_console``:
    the console of the first station (checked by the caller: one station); ``password``
    and ``tls`` (checked by the caller): the security profile, as for 1.6."""
    given = [name for name, value in unsupported.items() if value not in (None, False, [], ())]
    if given:
        raise typer.BadParameter("is not available with --ocpp 2.0.1 yet", param_hint=given[0])
    chosen = PROFILE_201 if profile == PROFILE_16 else profile
    try:
        cached_profile(chosen)
    except ProfileError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--profile'") from None
    ids = [station_id] if count == 1 else [f"{station_id}-{n:04d}" for n in range(1, count + 1)]
    security = {"password": password, "tls": tls}
    failed = asyncio.run(
        _run(url, ids, chosen, time_scale, state_dir, control_port, with_console, security)
    )
    if failed:
        raise typer.Exit(1)


async def _run(
    url: str,
    ids: list[str],
    profile: str,
    time_scale: float,
    state_dir: Path,
    control_port: int | None = None,
    with_console: bool = False,
    security: Mapping[str, Any] | None = None,
) -> bool:
    from chargecheck.sim.command_run import (
        attach_console,
        failures_told,
        stop_all,
        stop_on_signals,
    )
    from chargecheck.sim.control import ControlServer

    stop = stop_on_signals()
    stations = {
        identity: Simulator201(
            url,
            identity,
            state_dir=state_dir,
            profile=profile,
            time_scale=time_scale,
            **(security or {}),
        )
        for identity in ids
    }
    console, say = attach_console(stations[ids[0]], stop, with_console)
    try:
        for sim in stations.values():
            await sim.start()
        say(f"{len(stations)} OCPP 2.0.1 station(s) -> {url} (state in {state_dir})")
        async with AsyncExitStack() as stack, asyncio.TaskGroup() as group:
            if control_port is not None:
                control = ControlServer(stations, port=control_port)
                await stack.enter_async_context(control)
                say(f"control: {control.url}")
            reading = None if console is None else group.create_task(console.run())
            await stop.wait()
            if reading is not None:
                reading.cancel()  # stopped by a signal, not by quit
    finally:
        outcomes = await stop_all(stations)
    return failures_told(stations, outcomes)
