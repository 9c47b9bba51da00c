"""The bare reference server: websockets + JSON parse + a fixed answer.

    python -m bench.bare [--port 0] [--engine asyncio|wire]

No validation, no journal, no session: the floor a Central System written on the same
stack (websockets, orjson, uvloop) cannot go below. ``--engine asyncio`` (the reference
of issue #8) is websockets' asyncio server, a task per connection; ``--engine wire`` is
websockets' sans-I/O protocol driven from a plain asyncio protocol, the transport
``chargecheck.csms.transport`` uses: the floor for that transport. Same process settings
as the real entry (uvloop, the collector thresholds of ``chargecheck.csms.gc_tuning``),
so that the comparison is between the code, not the process. Prints ``{"port": N}`` once
listening; stops on SIGTERM or SIGINT.

The fixed answers are valid OCPP 1.6 (BootNotification Accepted, Authorize and
StartTransaction Accepted, a new transactionId each, an empty payload for the rest), so
that simulated stations boot and charge against it (the fleet section). It counts the
CALLs it answers per action; SIGUSR1 prints the counts as one JSON line
``{"calls": {"MeterValues": N, ...}}``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import signal
import sys
from collections import Counter

import orjson
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.typing import Subprotocol

from bench import loop

_NOW = "2020-02-18T14:28:27.000Z"
_FIXED: dict[str, dict[str, object]] = {
    "BootNotification": {"status": "Accepted", "currentTime": _NOW, "interval": 3600},
    "Heartbeat": {"currentTime": _NOW},
}
_EMPTY: dict[str, object] = {}
_ACCEPTED = {"status": "Accepted"}
_CALLS: Counter[str] = Counter()  # CALLs answered, per action
_TRANSACTION_IDS = itertools.count(1)


def _payload(action: str) -> object:
    """The fixed answer to a CALL of ``action``, counted."""
    _CALLS[action] += 1
    if action == "StartTransaction":
        return {"idTagInfo": _ACCEPTED, "transactionId": next(_TRANSACTION_IDS)}
    if action == "Authorize":
        return {"idTagInfo": _ACCEPTED}
    return _FIXED.get(action, _EMPTY)


def _print_calls() -> None:
    sys.stdout.write(json.dumps({"calls": dict(_CALLS)}) + "\n")
    sys.stdout.flush()


async def _handle(ws: ServerConnection) -> None:
    try:
        while True:
            message = orjson.loads(await ws.recv(decode=False))
            if message[0] == 2:
                answer = [3, message[1], _payload(message[2])]
                await ws.send(orjson.dumps(answer), text=True)
    except ConnectionClosed:
        pass


def _answer(data: bytes) -> bytes | None:
    message = orjson.loads(data)
    if message[0] != 2:
        return None
    return orjson.dumps([3, message[1], _payload(message[2])])


class _WireLink(asyncio.Protocol):
    """One connection: sans-I/O websockets, answers written from ``data_received``."""

    def __init__(self) -> None:
        self.ws = ServerProtocol(subprotocols=[Subprotocol("ocpp1.6")])
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        ws = self.ws
        ws.receive_data(data)
        for event in ws.events_received():
            if isinstance(event, Request):
                ws.send_response(ws.accept(event))
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                answer = _answer(event.data)
                if answer is not None and ws.state is State.OPEN:  # not after a close
                    ws.send_text(answer)
        self._write()

    def eof_received(self) -> bool | None:
        self.ws.receive_eof()
        self._write()
        return None

    def _write(self) -> None:
        assert self.transport is not None
        for data in self.ws.data_to_send():
            if data:
                self.transport.write(data)
            else:
                self.transport.close()


async def serve_until_stopped(host: str, port: int, engine: str = "asyncio") -> None:
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set_result, None)
    loop.add_signal_handler(signal.SIGUSR1, _print_calls)
    if engine == "wire":
        server = await loop.create_server(_WireLink, host, port, backlog=1024)
        sys.stdout.write(json.dumps({"port": server.sockets[0].getsockname()[1]}) + "\n")
        sys.stdout.flush()
        await stop
        server.close()
        return
    async with serve(
        _handle, host, port, subprotocols=[Subprotocol("ocpp1.6")], compression="deflate"
    ) as ws_server:
        sys.stdout.write(json.dumps({"port": ws_server.sockets[0].getsockname()[1]}) + "\n")
        sys.stdout.flush()
        await stop


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bare", description=__doc__)
    loop.server_arguments(parser)
    parser.add_argument("--engine", choices=["asyncio", "wire"], default="asyncio")
    args = parser.parse_args(argv)
    loop.prepare_server_process(args)
    loop.run(serve_until_stopped(args.host, args.port, args.engine), uvloop=not args.no_uvloop)


if __name__ == "__main__":
    main()
