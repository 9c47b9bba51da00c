"""``python -m bench.peer_station URL IDENTITY [options]``: run the peer station until
SIGINT / SIGTERM or ``--max-seconds``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from bench.peer import __doc__ as DOC
from bench.peer.model import StationState
from bench.peer.station import PeerStation

CONFIGURATION_ANSWERS = ("Accepted", "Rejected", "RebootRequired", "NotSupported")


def connector_ids(text: str) -> set[int]:
    try:
        ids = {int(part) for part in text.split(",") if part.strip()}
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of connector ids: {text!r}") from None
    if any(i < 1 for i in ids):
        raise argparse.ArgumentTypeError("connector ids start at 1")
    return ids


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench.peer_station",
        description=DOC,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("url", help="the Central System's URL, ws://host:port/ocpp")
    p.add_argument("identity", help="charge box identity, appended to the URL")
    p.add_argument("--connectors", type=int, default=2)
    p.add_argument(
        "--ev-connected",
        type=connector_ids,
        default=set(),
        metavar="1,2",
        help="connectors with an EV plugged in from power-on, for good (Available until a "
        "session starts)",
    )
    p.add_argument("--ev-max-current", type=float, default=16.0, help="A per phase the EV draws")
    p.add_argument(
        "--register-wh", type=float, default=1_482_316.0, help="each meter's energy at power-on"
    )
    p.add_argument(
        "--authorize-remote-tx-requests",
        action="store_true",
        help="AuthorizeRemoteTxRequests true: Preparing, then Authorize, before a remote start",
    )
    p.add_argument("--firmware-version", default="1.2.3")
    p.add_argument("--iccid", help="a modem's SIM: sent in BootNotification (default: none)")
    p.add_argument("--imsi", help="with --iccid")
    p.add_argument("--change-configuration-answer", choices=CONFIGURATION_ANSWERS)
    p.add_argument(
        "--reboot-after-installed",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="reboot at once after Installed is answered (no: reboot after Installing, "
        "report Installed after booting again)",
    )
    p.add_argument(
        "--charging-after-stop",
        action="store_true",
        help="a defect: the connector stays Charging after a transaction ends, cable in",
    )
    p.add_argument("--install-seconds", type=float, default=0.5)
    p.add_argument("--reboot-seconds", type=float, default=0.5, help="down during a reboot")
    p.add_argument("--call-timeout", type=float, default=15.0)
    p.add_argument("--backoff", type=float, default=0.5, help="first reconnect delay")
    p.add_argument("--max-backoff", type=float, default=5.0)
    p.add_argument("--max-seconds", type=float, default=600.0)
    p.add_argument("--quiet", action="store_true", help="no line per message")
    return p


def station_from(args: argparse.Namespace) -> PeerStation:
    state = StationState.create(
        args.identity,
        args.connectors,
        {c for c in args.ev_connected if c <= args.connectors},
        firmware_version=args.firmware_version,
        change_answer=args.change_configuration_answer,
        authorize_remote=args.authorize_remote_tx_requests,
        reboot_after_installed=args.reboot_after_installed,
        install_seconds=args.install_seconds,
        ev_max_current=args.ev_max_current,
        register_wh=args.register_wh,
        iccid=args.iccid,
        imsi=args.imsi,
        charging_after_stop=args.charging_after_stop,
    )
    return PeerStation(
        state,
        f"{args.url.rstrip('/')}/{args.identity}",
        call_timeout=args.call_timeout,
        backoff=args.backoff,
        max_backoff=args.max_backoff,
        reboot_seconds=args.reboot_seconds,
    )


async def run(station: PeerStation, max_seconds: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    loop.call_later(max_seconds, stop.set)
    await station.run(stop)


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    asyncio.run(run(station_from(args), args.max_seconds))
