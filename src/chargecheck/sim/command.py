"""``chargecheck simulate``: simulated charge stations against any Central System."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Annotated

import typer

from chargecheck.sim.fleet import ChargingPlan

DEFAULT_STATE_DIR = Path("runs/sim-state")
DEFAULT_ID_TAG = "SIMFLEET"
ID_TAG_MAX = 20
START_SPACING = 0.005  # real seconds between two stations' first connections


def _check_id_tag(value: str | None) -> str | None:
    """An idTag is a CiString20Type (OCPP 1.6 section 7.15): 1 to 20 characters."""
    if value is not None and not 1 <= len(value) <= ID_TAG_MAX:
        raise typer.BadParameter(f"an idTag has 1 to {ID_TAG_MAX} characters, not {len(value)}")
    return value


def _check_ev_connected(value: str | None, profile: str) -> frozenset[int]:
    """``1`` or ``1,2``: the connectors with a car from boot, each one of the profile's."""
    from chargecheck.sim.configuration import ConfigurationError
    from chargecheck.sim.core import checked_ev_connected, profile_connectors

    if value is None:
        return frozenset()
    hint = "'--ev-connected'"
    items = [item.strip() for item in value.split(",")]
    if not all(item.isascii() and item.isdigit() for item in items):
        raise typer.BadParameter(
            f"connector ids separated by commas, like 1 or 1,2, not {value!r}", param_hint=hint
        )
    try:
        connectors = profile_connectors(profile)
    except ConfigurationError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--profile'") from None
    try:
        return checked_ev_connected((int(item) for item in items), connectors)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=hint) from None


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
    charging: Annotated[
        bool,
        typer.Option(
            help="Once booted, every station plugs a car into connector 1, presents --id-tag "
            "and charges until stopped (start times spread over one meter interval)"
        ),
    ] = False,
    id_tag: Annotated[
        str | None,
        typer.Option(
            help=f"The idTag the stations present with --charging [default: {DEFAULT_ID_TAG}]",
            callback=_check_id_tag,
        ),
    ] = None,
    meter_interval: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="With --charging: MeterValueSampleInterval in station seconds, set on each "
            "station as a ChangeConfiguration would [default: the station's own, 60]",
        ),
    ] = None,
    ev_connected: Annotated[
        str | None,
        typer.Option(
            metavar="1[,2]",
            help="Connectors with a car plugged in from boot (Preparing): a "
            "RemoteStartTransaction there starts at once; the car stays through stops and "
            "reboots (every station of --count)",
        ),
    ] = None,
) -> None:
    """Run one simulated charge station (or --count N) against a Central System."""
    for name, value in (("--id-tag", id_tag), ("--meter-interval", meter_interval)):
        if value is not None and not charging:
            raise typer.BadParameter("only means something with --charging", param_hint=f"'{name}'")
    plan = ChargingPlan(id_tag or DEFAULT_ID_TAG, meter_interval) if charging else None
    cars = _check_ev_connected(ev_connected, profile)
    ids = [station_id] if count == 1 else [f"{station_id}-{n:04d}" for n in range(1, count + 1)]
    failed = asyncio.run(
        _run(url, ids, profile, password, control_port, time_scale, state_dir, plan, cars)
    )
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
    plan: ChargingPlan | None = None,
    ev_connected: frozenset[int] = frozenset(),
) -> bool:
    from chargecheck.sim.control import ControlServer
    from chargecheck.sim.fleet import charge_fleet
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
            ev_connected=ev_connected,
        )
        for identity in ids
    }
    epoch = loop.time()
    for sim in stations.values():
        await sim.start()
        await asyncio.sleep(START_SPACING if len(stations) > 1 else 0)
    print(f"{len(stations)} station(s) -> {url} (state in {state_dir})", flush=True)
    failed = False
    try:
        async with asyncio.TaskGroup() as group:
            charging = None
            if plan is not None:
                charging = group.create_task(charge_fleet(stations, plan, epoch, _say))
            if control_port is None:
                await stop.wait()
            else:
                async with ControlServer(stations, port=control_port) as control:
                    _say(f"control: http://127.0.0.1:{control.port}")
                    await stop.wait()
            if charging is not None:
                charging.cancel()  # stopped before every station was charging: no failure
        failed = charging is not None and not charging.cancelled() and not charging.result()
    finally:
        for identity, sim in stations.items():
            try:
                await sim.stop()
            except Exception as exc:  # one broken station must not hide the others
                print(f"station {identity} failed: {type(exc).__name__}: {exc}", flush=True)
                failed = True
    return failed


def _say(line: str) -> None:
    print(line, flush=True)
