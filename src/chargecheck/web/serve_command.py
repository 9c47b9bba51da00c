"""``chargecheck serve``: browse the runs of a journal (``web.browse``) until Ctrl-C.

Registered in ``chargecheck.cli`` with one line. A bad option (an address that is not
``[ADDR:]PORT``, a journal that does not exist, an address nobody may listen on) gets one
line saying what is wrong and what to do, and exit code 2.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import typer

from chargecheck.clock import Clock
from chargecheck.journal.store import Journal
from chargecheck.report.commands import DEFAULT_DB
from chargecheck.web.access import needs_token, new_token, parse_address

DEFAULT_ADDRESS = "127.0.0.1:8080"


def journal_file(value: Path) -> Path:
    """A journal that exists and opens as one (before anything listens)."""
    if not value.is_file():
        raise typer.BadParameter(
            f"no journal at {value}: pass --db PATH to the journal.sqlite a run wrote "
            f"(chargecheck run and demo write it in their --out directory)"
        )
    clock = Clock()
    try:
        Journal(value, clock.utc_text, clock.mono).close()
    except sqlite3.Error as exc:
        raise typer.BadParameter(f"{value} is not a chargecheck journal ({exc})") from None
    return value


def web_address(value: str) -> str:
    """``[ADDR:]PORT``, checked as the option is parsed."""
    try:
        parse_address(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


def serve_command(
    db: Path = typer.Option(
        DEFAULT_DB, "--db", help="The journal (SQLite) holding the runs.", callback=journal_file
    ),
    web: str = typer.Option(
        DEFAULT_ADDRESS,
        "--web",
        metavar="[ADDR:]PORT",
        help="Where to listen (0: any free port). Any address but loopback needs the token "
        "printed in the URL.",
        callback=web_address,
    ),
) -> None:
    """Browse the runs of a journal in a web browser: list, reports, diff of two runs."""
    host, port = parse_address(web)
    token = new_token() if needs_token(host) else None
    try:
        asyncio.run(_serve(db, host, port, token))
    except KeyboardInterrupt:
        print("chargecheck serve: stopped", flush=True)
    except OSError as exc:
        raise typer.BadParameter(
            f"cannot listen on {web} ({os.strerror(exc.errno) if exc.errno else exc}): "
            f"choose another with --web "
            f"[ADDR:]PORT",
            param_hint="'--web'",
        ) from None


async def _serve(db: Path, host: str, port: int, token: str | None) -> None:
    from chargecheck.web import browse  # aiohttp: imported by the command that serves

    served = await browse.start(db, host, port, token)
    try:
        print(f"Runs of {db} at {served.url}  (Ctrl-C to stop)", flush=True)
        await asyncio.Event().wait()  # until Ctrl-C cancels this task
    finally:
        await served.close()
