"""The web side of chargecheck: the live view of a run (``--web``) and the browser of past
runs (``chargecheck serve``).

``WebView`` is what a run is given to serve its live view: where to listen, the token
(made when the address is not loopback, ``access``), the run's events (``live.LiveRun``),
and, once it serves, its URL.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from chargecheck.web.access import needs_token, new_token
from chargecheck.web.live import LiveRun


@dataclass
class WebView:
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port (``url`` names the one taken)
    token: str | None = None  # None: made here when the address needs one
    linger: float = 0.0  # seconds the view stays up after the run (the reports' links)
    live: LiveRun = field(default_factory=LiveRun)
    url: str = ""  # set once serving, with ?token=... when there is one
    serving: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        if self.token is None and needs_token(self.host):
            self.token = new_token()


__all__ = ["LiveRun", "WebView"]
