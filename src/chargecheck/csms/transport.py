"""One station's TCP connection: websockets' sans-I/O protocol on an asyncio protocol.

The Central System does not use websockets' asyncio server, which hands every message
to a reader task through a future and sends through a coroutine with a lock: on a
fleet that machinery costs as much as validating and journaling the frame. Here
``data_received`` parses the bytes with ``websockets.server.ServerProtocol`` (RFC 6455
framing, handshake, ping/pong and close handshake, permessage-deflate) and hands each
complete message straight to its owner's ``on_message``; answers are written with
``send_now`` from the callback that runs when the journal commit holding them is done.

What the asyncio server did and this module does too: the opening handshake with a
deadline (``open_timeout``), keepalive pings that fail a silent connection
(``ping_interval`` / ``ping_timeout``, close code 1011), the closing handshake with a
deadline (``close_timeout``), frames over ``max_size`` refused (1009), text that is not
UTF-8 refused (1007, RFC 6455 section 8.1), fragmented messages reassembled, and write
back-pressure: while a station does not read what we send, we stop reading from it.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from typing import Protocol, cast

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed, PayloadTooBig
from websockets.extensions.permessage_deflate import enable_server_permessage_deflate
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.typing import Subprotocol

from chargecheck.csms.limits import LIMIT, FrameBudget, frame_too_big_detail
from chargecheck.csms.tls import TlsFailure, TlsLayer


class LinkOwner(Protocol):
    """What a ``StationLink`` reports to (the Central System, then the session)."""

    def admit(self, link: StationLink, request: Request) -> Response | None:
        """None to accept the handshake, or the HTTP response that refuses it."""

    def opened(self, link: StationLink, request: Request) -> Callable[[str | bytes], None]:
        """The handshake is done; returns what takes each complete message."""

    def failed(self, link: StationLink, request: Request, response: Response) -> None:
        """The handshake was admitted but is not a valid WebSocket upgrade."""

    def lost(self, link: StationLink) -> None:
        """The TCP connection is gone (after ``opened``, or not)."""

    def report(self, link: StationLink, kind: str, detail: dict[str, object]) -> None:
        """Journal what the link did about the station (a limit hit, text that is not
        UTF-8) before the station's connection is affected by it."""

    def tls_failed(self, link: StationLink, reason: str) -> None:
        """The TLS handshake failed (or the connection ended before it was done)."""


class StationLink(asyncio.Protocol):
    def __init__(
        self,
        owner: LinkOwner,
        *,
        subprotocol: str,
        max_size: int | None,
        compression: str | None,
        open_timeout: float,
        ping_interval: float | None,
        ping_timeout: float,
        close_timeout: float,
        tls: ssl.SSLContext | None = None,
        max_frames_per_second: float | None = None,
        frame_burst: int = 1000,
    ) -> None:
        extensions = enable_server_permessage_deflate(None) if compression == "deflate" else None
        self.ws = ServerProtocol(
            subprotocols=[Subprotocol(subprotocol)], extensions=extensions, max_size=max_size
        )
        self.remote: str | None = None
        # Where the station reached us (host, port): the host its file URLs name.
        self.local_address: tuple[str, int] | None = None
        self.request: Request | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._owner = owner
        self._on_message: Callable[[str | bytes], None] | None = None
        self._transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()
        self._open_timeout = open_timeout
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._close_timeout = close_timeout
        self._timer: asyncio.TimerHandle | None = None  # handshake, ping or close deadline
        self._ping_data: bytes | None = None
        self._pings = 0
        self._fragments: list[bytes] = []
        self._fragmented_text = False
        self._paused = False
        self._drained: asyncio.Future[None] | None = None
        # wss://: TLS between the socket and the WebSocket protocol (csms/tls.py).
        self.tls = TlsLayer(tls) if tls is not None else None
        # Limits (csms/limits.py): a station over its frame budget is read later.
        self._budget = (
            FrameBudget(max_frames_per_second, frame_burst, self._loop.time())
            if max_frames_per_second is not None
            else None
        )
        self._throttle: asyncio.TimerHandle | None = None
        self._max_size = max_size
        self._reported_exc: Exception | None = None

    # -- what the session uses ------------------------------------------------------

    @property
    def subprotocol(self) -> str | None:
        return self.ws.subprotocol

    @property
    def close_code(self) -> int | None:
        return self.ws.close_code

    @property
    def close_reason(self) -> str | None:
        """The station's close reason; when the station sent no close frame and the
        bench did (a failed connection), what the bench sent, said as such."""
        ws = self.ws
        if ws.close_rcvd is None and ws.close_sent is not None:
            sent = ws.close_sent
            return f"closed by the bench: {sent.code} {sent.reason}".rstrip()
        return ws.close_reason

    def send_now(self, text: str) -> bool:
        """Write a text message; False if the connection is no longer open."""
        if self.ws.state is not State.OPEN:
            return False
        self.ws.send_text(text.encode())
        self._write()
        return True

    async def send(self, text: str) -> None:
        """Write a text message and wait while the station is not reading."""
        if not self.send_now(text):
            raise ConnectionClosed(self.ws.close_rcvd, self.ws.close_sent)
        if self._paused:
            if self._drained is None:
                self._drained = self._loop.create_future()
            await asyncio.shield(self._drained)

    def start_close(self, code: int = 1000, reason: str = "") -> None:
        """Begin the closing handshake; the TCP connection goes at the latest
        ``close_timeout`` later."""
        if self.ws.state is State.OPEN:
            self.ws.send_close(code, reason)
            self._write()
            self._deadline(self._close_timeout, self._abort)
        elif self.ws.state is State.CONNECTING and self._transport is not None:
            self._transport.abort()

    def refusal(self, status: int, text: str, headers: Headers | None = None) -> Response:
        """An HTTP response that refuses the handshake (for ``LinkOwner.admit``)."""
        response = self.ws.reject(status, text)
        for name, value in (headers or Headers()).raw_items():
            response.headers[name] = value
        return response

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.start_close(code, reason)
        await asyncio.shield(self.closed)

    # -- asyncio.Protocol -----------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        peer = transport.get_extra_info("peername")
        if peer:
            host = f"[{peer[0]}]" if ":" in peer[0] else peer[0]
            self.remote = f"{host}:{peer[1]}"
        local = transport.get_extra_info("sockname")
        if local:
            self.local_address = (str(local[0]), int(local[1]))
        self._deadline(self._open_timeout, self._abort)

    def data_received(self, data: bytes) -> None:
        ws = self.ws
        tls = self.tls
        if tls is not None:
            if tls.failed or tls.peer_closed:
                return
            data = self._decrypt(data)
        ws.receive_data(data)
        events = ws.events_received()
        for event in events:
            if type(event) is Frame:
                if event.opcode is Opcode.TEXT and event.fin:
                    self._text(event.data)
                else:
                    self._frame(event)
            elif isinstance(event, Request):
                self._handshake(event)
        if tls is not None and tls.peer_closed:
            # close_notify: the end of the stream, after what came before it (a request
            # read with it is answered first)
            ws.receive_eof()
        self._write()
        if ws.state is State.CLOSING and ws.close_expected():
            self._deadline(self._close_timeout, self._abort)
        if ws.parser_exc is not None or (events and self._budget is not None):
            self._enforce_limits(len(events))

    def eof_received(self) -> bool | None:
        self._tls_unfinished(
            "TLS handshake failed: the station closed the connection during it (does it "
            "trust the bench's certificate?)"
        )
        self.ws.receive_eof()
        self._write()
        return None  # let the transport close

    def connection_lost(self, exc: Exception | None) -> None:
        if self._throttle is not None:
            self._throttle.cancel()
            self._throttle = None
        self._tls_unfinished(
            "TLS handshake not completed (none within the open timeout, or the connection "
            "was reset)"
        )
        self.ws.receive_eof()
        self._cancel_timer()
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._owner.lost(self)
        if not self.closed.done():
            self.closed.set_result(None)

    def pause_writing(self) -> None:
        self._paused = True
        if self._transport is not None:
            self._transport.pause_reading()

    def resume_writing(self) -> None:
        self._paused = False
        if (
            self._transport is not None
            and not self._transport.is_closing()
            and self._throttle is None
        ):
            self._transport.resume_reading()
        drained, self._drained = self._drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    # -- internals ------------------------------------------------------------------

    def _handshake(self, request: Request) -> None:
        ws = self.ws
        self.request = request
        refusal = self._owner.admit(self, request)
        response = refusal if refusal is not None else ws.accept(request)
        ws.send_response(response)
        if ws.state is State.OPEN:
            self._cancel_timer()
            self._on_message = self._owner.opened(self, request)
            self._schedule_ping()
        elif refusal is None:
            self._owner.failed(self, request, response)

    def _text(self, data: bytes | bytearray | memoryview) -> None:
        try:
            text = bytes(data).decode()
        except UnicodeDecodeError as exc:
            # RFC 6455 section 8.1: a text message that is not UTF-8 fails the connection.
            # Its bytes are journaled first: nothing the station sent is lost.
            detail: dict[str, object] = {
                "error": f"{exc.reason} at position {exc.start}",
                "hex": bytes(data).hex(),
            }
            self._owner.report(self, "invalid_text", detail)
            self.ws.fail(CloseCode.INVALID_DATA, f"{exc.reason} at position {exc.start}")
            return
        if self._on_message is not None:  # frames before a close frame still count
            self._on_message(text)

    def _frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            if frame.fin:
                self._binary(bytes(frame.data))
            else:
                self._fragments = [bytes(frame.data)]
                self._fragmented_text = opcode is Opcode.TEXT
        elif opcode is Opcode.CONT:
            self._fragments.append(bytes(frame.data))
            if frame.fin:
                data, self._fragments = b"".join(self._fragments), []
                self._text(data) if self._fragmented_text else self._binary(data)
        elif opcode is Opcode.PONG and self._ping_data == bytes(frame.data):
            self._ping_data = None
            self._schedule_ping()

    def _binary(self, data: bytes) -> None:
        if self._on_message is not None:
            self._on_message(data)

    def _enforce_limits(self, frames: int) -> None:
        """After a chunk: journal a frame refused for its size (1009, by websockets'
        parser); stop reading for a while if the station overdrew its frame budget."""
        exc = self.ws.parser_exc
        if isinstance(exc, PayloadTooBig) and exc is not self._reported_exc:
            self._reported_exc = exc
            self._owner.report(self, LIMIT, frame_too_big_detail(self._max_size or 0, str(exc)))
        transport = self._transport
        if self._budget is None or transport is None or transport.is_closing():
            return
        throttle = self._budget.take(frames, self._loop.time())
        if throttle is not None and self._throttle is None:
            self._owner.report(self, LIMIT, throttle.detail())
            transport.pause_reading()
            self._throttle = self._loop.call_later(throttle.pause_s, self._unthrottle)

    def _unthrottle(self) -> None:
        self._throttle = None
        transport = self._transport
        if transport is not None and not transport.is_closing() and not self._paused:
            transport.resume_reading()

    def _schedule_ping(self) -> None:
        if self._ping_interval is not None:
            self._deadline(self._ping_interval, self._ping)

    def _ping(self) -> None:
        if self.ws.state is not State.OPEN:
            return
        self._pings += 1
        self._ping_data = self._pings.to_bytes(4, "big")
        self.ws.send_ping(self._ping_data)
        self._write()
        self._deadline(self._ping_timeout, self._ping_lost)

    def _ping_lost(self) -> None:
        if self.ws.state is State.OPEN:
            self.ws.fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
            self._write()
            self._deadline(self._close_timeout, self._abort)

    def _deadline(self, seconds: float, then: Callable[[], None]) -> None:
        self._cancel_timer()
        self._timer = self._loop.call_later(seconds, then)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def _decrypt(self, data: bytes) -> bytes:
        """The plaintext of ``data``; a failed handshake is reported, its alert sent and
        the connection closed (nothing reaches the WebSocket layer)."""
        tls = self.tls
        assert tls is not None and self._transport is not None
        try:
            plain = tls.receive(data)
        except TlsFailure as exc:
            self._owner.tls_failed(self, str(exc))
            self._transport.write(tls.data_to_send())
            self._transport.close()
            return b""
        sent = tls.data_to_send()  # handshake records, session tickets
        if sent:
            self._transport.write(sent)
        return plain

    def _tls_unfinished(self, reason: str) -> None:
        tls = self.tls
        if tls is not None and not tls.established and not tls.failed:
            tls.failed = True
            self._owner.tls_failed(self, reason)

    def tls_info(self) -> dict[str, object] | None:
        """TLS version, cipher and client certificate subject; None over plain ws://."""
        return self.tls.describe() if self.tls is not None and self.tls.established else None

    def _write(self) -> None:
        transport = self._transport
        if transport is None:
            return
        if self.tls is not None:
            self._write_tls(transport, self.tls)
            return
        for data in self.ws.data_to_send():
            if data:
                transport.write(data)
            else:  # the end of the stream: the server closes the TCP connection
                transport.close()

    def _write_tls(self, transport: asyncio.Transport, tls: TlsLayer) -> None:
        if tls.failed:
            return
        end = False
        for data in self.ws.data_to_send():
            if data:
                tls.send(data)
            else:
                end = True
        if end:
            tls.close()
        sent = tls.data_to_send()
        if sent:
            transport.write(sent)
        if end:
            transport.close()
