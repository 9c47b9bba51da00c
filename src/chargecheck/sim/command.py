"""``chargecheck simulate``: simulated charge stations against any Central System."""

from __future__ import annotations

import asyncio
import gc
import ssl
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chargecheck.option_checks import central_system_url, finite_number, listen_port
from chargecheck.sim.fleet import RAMP_DEFAULT, ChargingPlan

if TYPE_CHECKING:
    from chargecheck.sim.console import Console
    from chargecheck.sim.simulator import Simulator

DEFAULT_STATE_DIR = Path("runs/sim-state")
DEFAULT_ID_TAG = "SIMFLEET"
ID_TAG_MAX = 20
# The collector's thresholds for a process of many live stations (each a model, a
# configuration, a socket, tasks): CPython's (700, 10, 10) walks the young generation
# every 700 allocations and the whole heap ever more often as the fleet grows; 10,000
# stations booting spent 15 % of the process's CPU in it, 5 % with these.
COLLECTOR_THRESHOLDS = (10_000, 10, 10)


def _check_id_tag(value: str | None) -> str | None:
    """An idTag is a CiString20Type (OCPP 1.6 section 7.15): 1 to 20 characters."""
    if value is not None and not 1 <= len(value) <= ID_TAG_MAX:
        raise typer.BadParameter(f"an idTag has 1 to {ID_TAG_MAX} characters, not {len(value)}")
    return value


def _check_variants(names: list[str] | None) -> frozenset[str]:
    """``--variant NAME`` (repeatable): legal variants of ``chargecheck.sim.variants``."""
    from chargecheck.sim.variants import checked_variants

    try:
        return checked_variants(names or ())
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--variant'") from None


def _check_ev_connected(
    value: str | None, profile: str, variants: frozenset[str] = frozenset()
) -> frozenset[int]:
    """``1`` or ``1,2``: the connectors with a car from boot, each one of the profile's."""
    from chargecheck.sim.configuration import ConfigurationError
    from chargecheck.sim.core import checked_ev_connected, profile_connectors
    from chargecheck.sim.variants import variant_connectors

    if value is None:
        return frozenset()
    hint = "'--ev-connected'"
    items = [item.strip() for item in value.split(",")]
    if not all(item.isascii() and item.isdigit() for item in items):
        raise typer.BadParameter(
            f"connector ids separated by commas, like 1 or 1,2, not {value!r}", param_hint=hint
        )
    try:
        connectors = variant_connectors(profile_connectors(profile), variants)
    except ConfigurationError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--profile'") from None
    try:
        return checked_ev_connected((int(item) for item in items), connectors)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=hint) from None


def simulate(
    url: Annotated[
        str,
        typer.Argument(
            help="The Central System's OCPP URL, ws:// or wss://host:port/ocpp",
            callback=central_system_url,
        ),
    ],
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
    ramp: Annotated[
        float,
        typer.Option(
            min=0.001,
            help="Stations of --count started per second, the boot storm's pace: --count "
            "10000 --ramp 250 starts the last one after 40 s",
            callback=finite_number,
        ),
    ] = RAMP_DEFAULT,
    control_port: Annotated[
        int | None,
        typer.Option(
            help="Port of the HTTP control interface on 127.0.0.1 (0: any)", callback=listen_port
        ),
    ] = None,
    time_scale: Annotated[
        float,
        typer.Option(
            min=0.001, help="Run intervals and waits this many times faster", callback=finite_number
        ),
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
    ca_file: Annotated[
        Path | None,
        typer.Option(
            help="wss://: the PEM CA certificate(s) the Central System's certificate must "
            "verify against [default: the system's trust store]"
        ),
    ] = None,
    client_cert: Annotated[
        Path | None,
        typer.Option(help="wss://: the station's PEM client certificate (security profile 3)"),
    ] = None,
    client_key: Annotated[
        Path | None,
        typer.Option(help="The PEM private key of --client-cert [default: in that file]"),
    ] = None,
    secure_url: Annotated[
        str | None,
        typer.Option(
            help="The wss:// address to reconnect to when the Central System raises the "
            "SecurityProfile to 2 or 3 (security whitepaper) [default: URL as wss://]"
        ),
    ] = None,
    console: Annotated[
        bool | None,
        typer.Option(
            "--console/--no-console",
            help="Type the control verbs (plug 1, card 1 TAG, offline 30 ...) and see every "
            "frame in and out [default: on with one station at a terminal]",
        ),
    ] = None,
    variant: Annotated[
        list[str] | None,
        typer.Option(
            "--variant",
            metavar="NAME",
            help="A legal behaviour real chargers show, e.g. power_only, one_connector "
            "(repeatable; the list: chargecheck.sim.variants)",
        ),
    ] = None,
    ocpp: Annotated[
        str,
        typer.Option(
            "--ocpp",
            help="The OCPP version the stations speak: 1.6, or 2.0.1 (a Core station, "
            "chargecheck.sim.v201; --profile defaults to generic-201)",
        ),
    ] = "1.6",
) -> None:
    """Run one simulated charge station (or --count N) against a Central System."""
    if ocpp != "1.6":
        from chargecheck.sim.v201.command import OPTIONS_16, simulate_201

        if ocpp != "2.0.1":
            raise typer.BadParameter("1.6 or 2.0.1", param_hint="'--ocpp'")
        given = (charging, id_tag, meter_interval, ev_connected, secure_url, variant)
        unsupported = dict(zip(OPTIONS_16, given, strict=True))
        simulate_201(url, station_id, count=count, profile=profile, time_scale=time_scale,
                     state_dir=state_dir, unsupported=unsupported, control_port=control_port,
                     with_console=_check_console(console, count), password=password,
                     tls=_check_tls(url, ca_file, client_cert, client_key))  # fmt: skip
        return
    for name, value in (("--id-tag", id_tag), ("--meter-interval", meter_interval)):
        if value is not None and not charging:
            raise typer.BadParameter("only means something with --charging", param_hint=f"'{name}'")
    plan = ChargingPlan(id_tag or DEFAULT_ID_TAG, meter_interval) if charging else None
    variants = _check_variants(variant)
    cars = _check_ev_connected(ev_connected, profile, variants)
    with_console = _check_console(console, count)
    tls = _check_tls(url, ca_file, client_cert, client_key)
    if secure_url is not None and not secure_url.startswith("wss://"):
        raise typer.BadParameter("must be a wss:// URL", param_hint="'--secure-url'")
    _check_open_files(count)
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    ids = [station_id] if count == 1 else [f"{station_id}-{n:04d}" for n in range(1, count + 1)]
    failed = asyncio.run(
        _run(
            url,
            ids,
            profile,
            password,
            control_port,
            time_scale,
            state_dir,
            plan,
            cars,
            with_console=with_console,
            tls=tls,
            variants=variants,
            secure_url=secure_url,
            ramp=ramp,
        )
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
    *,
    with_console: bool = False,
    tls: ssl.SSLContext | None = None,
    variants: frozenset[str] = frozenset(),
    secure_url: str | None = None,
    ramp: float = RAMP_DEFAULT,
) -> bool:
    from chargecheck.sim.command_run import (
        attach_console,
        failures_told,
        say_line,
        stop_all,
        stop_on_signals,
    )
    from chargecheck.sim.control import ControlServer
    from chargecheck.sim.fleet import SLOTS_AT_LATEST_S, charge_fleet, report_connected, set_once
    from chargecheck.sim.simulator import Simulator

    stop = stop_on_signals()
    loop = asyncio.get_running_loop()
    stations = {
        identity: Simulator(
            url,
            identity,
            profile=profile,
            password=password,
            state_dir=state_dir,
            time_scale=time_scale,
            ev_connected=ev_connected,
            tls=tls,
            say=say_line,
            variants=variants,
            secure_url=secure_url,
        )
        for identity in ids
    }
    console, say = attach_console(stations[ids[0]], stop, with_console)
    epoch = loop.time()
    failed = False
    try:
        async with asyncio.TaskGroup() as group:
            started = group.create_task(_start(stations, ramp, epoch, url, state_dir))
            # The slots' epoch: every station connected, or a while after the ramp's end.
            slots: asyncio.Future[float] = loop.create_future()
            latest = epoch + (len(stations) - 1) / ramp + SLOTS_AT_LATEST_S
            timer = loop.call_at(latest, lambda: set_once(slots, loop.time()))
            connected = group.create_task(
                report_connected(stations, epoch, say if len(stations) > 1 else None, slots)
            )
            charging = None
            if plan is not None:
                charging = group.create_task(charge_fleet(stations, plan, slots, say))
            if control_port is None:
                reading = _read_console(group, console)
                await stop.wait()
            else:
                async with ControlServer(stations, port=control_port) as control:
                    say(f"control: http://127.0.0.1:{control.port}")
                    reading = _read_console(group, console)
                    await stop.wait()
            timer.cancel()
            for task in (reading, started, connected):
                if task is not None:
                    task.cancel()  # stopped by a signal, not by quit; or before the end
            if charging is not None:
                charging.cancel()  # stopped before every station was charging: no failure
        failed = charging is not None and not charging.cancelled() and not charging.result()
    finally:
        if failures_told(stations, await stop_all(stations)):
            failed = True
    return failed


async def _start(
    stations: dict[str, Simulator],
    rate: float,
    epoch: float,
    url: str,
    state_dir: Path,
) -> None:
    """Start the stations at ``rate`` a second (``--ramp``), then say where they went."""
    from chargecheck.sim.fleet import ramp

    await ramp(stations.values(), rate, epoch)
    print(f"{len(stations)} station(s) -> {url} (state in {state_dir})", flush=True)


def _check_open_files(count: int) -> None:
    """Raise the soft RLIMIT_NOFILE to the hard one if ``count`` stations need it (a
    socket each); one line and exit code 2 if even the hard limit is too low."""
    import resource

    from chargecheck.sim.fleet import soft_limit_for

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        wanted = soft_limit_for(count, soft, hard, resource.RLIM_INFINITY)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--count'") from None
    if wanted is not None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _check_tls(
    url: str, ca_file: Path | None, cert: Path | None, key: Path | None
) -> ssl.SSLContext | None:
    """The client context for a wss:// URL; TLS options with a ws:// URL are an error."""
    from chargecheck.sim.tls import TlsOptionError, client_context

    if key is not None and cert is None:
        raise typer.BadParameter(
            "is the key of --client-cert FILE: give both", param_hint="'--client-key'"
        )
    if not url.lower().startswith("wss://"):
        given = [n for n, v in (("--ca-file", ca_file), ("--client-cert", cert)) if v]
        if given:
            raise typer.BadParameter(
                f"only means something with a wss:// URL, not {url}", param_hint=f"'{given[0]}'"
            )
        return None
    try:
        return client_context(ca_file, cert, key)
    except TlsOptionError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--ca-file' / '--client-cert'") from None


def _check_console(flag: bool | None, count: int) -> bool:
    from chargecheck.sim.console import console_wanted

    terminal = sys.stdin.isatty() and sys.stdout.isatty()
    try:
        return console_wanted(flag, count, terminal=terminal)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--console'") from None


def _read_console(group: asyncio.TaskGroup, console: Console | None) -> asyncio.Task[None] | None:
    return None if console is None else group.create_task(console.run())
