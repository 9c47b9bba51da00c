"""``chargecheck simulate``: simulated charge stations against any Central System."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Annotated

import typer

DEFAULT_STATE_DIR = Path("runs/sim-state")
START_SPACING = 0.005  # real seconds between two stations' first connections


def simulate(
    url: Annotated[str, typer.Argument(help="The Central System's OCPP URL, ws://host:port/ocpp")],
    station_id: Annotated[str, typer.Argument(help="Charge box identity (prefix with --count)")],
    profile: Annotated[
        str, typer.Option(help="Charger profile: a shipped name or a TOML file")
    ] = "alfen-ng920",
    password: Annotated[
        str | None, typer.Option(help="HTTP Basic password (security profile 1)")
    ] = None,
    count: Annotated[
        int, typer.Option(min=1, help="Stations to run: STATION_ID-0001, -0002, ...")
    ] = 1,
    control_port: Annotated[
        int | None, typer.Option(help="Port of the HTTP control interface on 127.0.0.1 (0: any)")
    ] = None,
    time_scale: Annotated[
        float, typer.Option(min=0.001, help="Run intervals and waits this many times faster")
    ] = 1.0,
    state_dir: Annotated[
        Path, typer.Option(help="Where each station keeps its disk (one SQLite file each)")
    ] = DEFAULT_STATE_DIR,
) -> None:
    """Run one simulated charge station (or --count N) against a Central System."""
    ids = [station_id] if count == 1 else [f"{station_id}-{n:04d}" for n in range(1, count + 1)]
    failed = asyncio.run(_run(url, ids, profile, password, control_port, time_scale, state_dir))
    if failed:
        raise typer.Exit(1)


async def _run(
    url: str,
    ids: list[str],
    profile: str,
    password: str | None,
    control_port: int | None,
    time_scale: float,
    state_dir: Path,
) -> bool:
    from chargecheck.sim.control import ControlServer
    from chargecheck.sim.simulator import Simulator

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    stations = {
        identity: Simulator(
            url,
            identity,
            profile=profile,
            password=password,
            state_dir=state_dir,
            time_scale=time_scale,
        )
        for identity in ids
    }
    for sim in stations.values():
        await sim.start()
        await asyncio.sleep(START_SPACING if len(stations) > 1 else 0)
    print(f"{len(stations)} station(s) -> {url} (state in {state_dir})", flush=True)
    failed = False
    try:
        if control_port is None:
            await stop.wait()
        else:
            async with ControlServer(stations, port=control_port) as control:
                print(f"control: http://127.0.0.1:{control.port}", flush=True)
                await stop.wait()
    finally:
        for identity, sim in stations.items():
            try:
                await sim.stop()
            except Exception as exc:  # one broken station must not hide the others
                print(f"station {identity} failed: {type(exc).__name__}: {exc}", flush=True)
                failed = True
    return failed
