"""Who may use a web view: on a loopback address (127.0.0.1, ::1, localhost) anyone who
can reach it, which is this machine; on any other address only a request that carries the
token the bench made and printed (in the URL it shows), since whoever can press Done can
change a verdict. A request without it, or with another, gets 403 and is told to the
``refused`` callback (the bench journals it).

The token travels as ``?token=...`` (the URL the bench prints; the page keeps it and sends
it on each of its own requests) or as the header ``X-Chargecheck-Token``.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # aiohttp is imported by the web view only, not by every command
    from aiohttp import web

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
HEADER = "X-Chargecheck-Token"

Handler = Callable[["web.Request"], Awaitable["web.StreamResponse"]]


def needs_token(host: str) -> bool:
    """A token is needed unless the view listens on the loopback address only."""
    return host not in LOOPBACK


def new_token() -> str:
    return secrets.token_urlsafe(18)


def parse_address(text: str, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """``[ADDR:]PORT`` -> (host, port); ``ValueError`` saying what is wrong."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]") if sep else default_host
    try:
        number = int(port)
    except ValueError:
        raise ValueError(f"{text!r}: give [ADDR:]PORT, e.g. 8080 or 127.0.0.1:8080") from None
    if not 0 <= number <= 65535:
        raise ValueError(f"{text!r}: the port must be 0..65535")
    return host or default_host, number


def guard(token: str | None, refused: Callable[[dict[str, Any]], None]) -> Any:
    """An aiohttp middleware: with a ``token``, every request must carry it."""
    from aiohttp import web

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if token is not None:
            given = request.query.get("token") or request.headers.get(HEADER) or ""
            if not hmac.compare_digest(given.encode(), token.encode()):
                refused(
                    {
                        "method": request.method,
                        "path": request.path,
                        "peer": request.remote,
                        "why": "a wrong token" if given else "no token",
                    }
                )
                raise web.HTTPForbidden(
                    text="chargecheck: this view needs the token printed by the bench "
                    "(open the URL it showed)\n"
                )
        return await handler(request)

    return middleware
