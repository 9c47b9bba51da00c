"""The bare reference server: websockets + JSON parse + a fixed answer.

    python -m bench.bare [--port 0]

No validation, no journal, no session: the floor a Central System written on the same
stack (websockets, orjson, uvloop) cannot go below. Same process settings as the real
entry (uvloop, the collector thresholds of ``chargecheck.csms.gc_tuning``), so that
the comparison is between the code, not the process. Prints ``{"port": N}`` once
listening; stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

import orjson
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from bench import loop
from bench.procfs import raise_open_files_limit
from chargecheck.csms.gc_tuning import tune_gc

_NOW = "2020-02-18T14:28:27.000Z"
_FIXED: dict[str, dict[str, object]] = {
    "BootNotification": {"status": "Accepted", "currentTime": _NOW, "interval": 3600},
    "Heartbeat": {"currentTime": _NOW},
}
_EMPTY: dict[str, object] = {}


async def _handle(ws: ServerConnection) -> None:
    try:
        while True:
            message = orjson.loads(await ws.recv(decode=False))
            if message[0] == 2:
                answer = [3, message[1], _FIXED.get(message[2], _EMPTY)]
                await ws.send(orjson.dumps(answer), text=True)
    except ConnectionClosed:
        pass


async def serve_until_stopped(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set_result, None)
    async with serve(
        _handle, host, port, subprotocols=[Subprotocol("ocpp1.6")], compression="deflate"
    ) as server:
        sys.stdout.write(json.dumps({"port": server.sockets[0].getsockname()[1]}) + "\n")
        sys.stdout.flush()
        await stop


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "::1"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-uvloop", action="store_true")
    parser.add_argument("--default-gc", action="store_true", help="keep CPython's thresholds")
    args = parser.parse_args(argv)
    raise_open_files_limit()
    if not args.default_gc:
        tune_gc()
    loop.run(serve_until_stopped(args.host, args.port), uvloop=not args.no_uvloop)


if __name__ == "__main__":
    main()
