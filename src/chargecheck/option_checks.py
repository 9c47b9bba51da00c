"""Checks of the command line's numbers and URLs, as typer callbacks.

A value no run can use (a port past 65535, a time scale of ``inf``, a Central System URL
that is not ``ws://`` or ``wss://``) raises ``typer.BadParameter`` while the options are
parsed: ``chargecheck.cli.main`` prints it as one line and exits with code 2 before
anything listens, connects or writes the journal.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

import typer

PORT_MAX = 65535  # TCP ports are 16 bits (RFC 793); 0 is no port a peer can reach


def listen_port(value: int | None) -> int | None:
    """A port to listen on: 1-65535, or 0 for any free one (the port taken is printed)."""
    if value is not None and not 0 <= value <= PORT_MAX:
        raise typer.BadParameter(f"{value}: a port is 1-{PORT_MAX} (0: any free port)")
    return value


def journal_run_id(value: int) -> int:
    """A run id of the journal: run ids are numbered from 1."""
    if value < 1:
        raise typer.BadParameter(f"{value}: run ids start at 1 (chargecheck runs lists them)")
    return value


def finite_number(value: float) -> float:
    """``inf`` and ``nan`` parse as floats but make no interval or scale."""
    if not math.isfinite(value):
        raise typer.BadParameter(f"{value}: a finite number is needed")
    return value


def central_system_url(value: str) -> str:
    """The URL a station connects to: ``ws://`` or ``wss://``, a host and, if one is
    given, a port 1-65535 (OCPP-J 1.6 section 3.1.1, "The connection URL"). Without this
    check a station retries a URL it can never reach for ever."""
    form = "ws://HOST:PORT/PATH or wss://HOST:PORT/PATH"
    try:
        parts = urlsplit(value)
    except ValueError as exc:  # an unclosed [IPv6 address
        raise typer.BadParameter(f"{value}: {exc}; the Central System's is {form}") from None
    if parts.scheme not in ("ws", "wss"):
        raise typer.BadParameter(f"{value}: not a WebSocket URL; the Central System's is {form}")
    if not parts.hostname:
        raise typer.BadParameter(f"{value}: no host; the Central System's URL is {form}")
    try:
        port = parts.port
    except ValueError as exc:  # not a number, or past 65535
        raise typer.BadParameter(f"{value}: {exc}; a port is 1-{PORT_MAX}") from None
    if port == 0:
        raise typer.BadParameter(f"{value}: port 0 is no port to connect to (1-{PORT_MAX})")
    from websockets.exceptions import InvalidURI
    from websockets.uri import parse_uri

    try:
        parse_uri(value)  # what the connection itself would refuse (a #fragment, ...)
    except InvalidURI as exc:
        raise typer.BadParameter(str(exc)) from None
    return value
