"""The run's second, wss:// endpoint (``chargecheck.security.endpoint``) and a station whose
connection fails after ``CentralSystem.admit`` has accepted its upgrade request, or with
the request already sent: each leaves no attached session and no bench fault, and the
station's next good connection works.

The station is written in the test: TLS on memory buffers and websockets' sans-I/O client
over a raw TCP stream, so that one write holds what a real station's stack sends in two
(its last TLS handshake flight and the upgrade request), read by the bench in one
``data_received``. Admit, the 101 and the attach happen in one call
(``StationLink._handshake``): what fails after admit is read after it.


- reset: the request, then at once a TCP reset, the 101 not read: admitted, then lost;
- bad record: after the 101, a TLS record that does not decrypt: TLS fails after admit;
- close_notify after the 101, or in the same read as the request: the end of the stream
  (the TCP connection kept open), the session detached;
- bad version: credentials right, ``Sec-WebSocket-Version: 12``: admit accepts it, the
  WebSocket handshake answers 400 (``LinkOwner.failed``);
- late bad certificate: on TLS 1.3 the client sends its certificate in its last flight
  and its handshake is done for it; the request goes out in the same write, behind a
  certificate the run's CA did not sign.

The last one cannot get past admit: OpenSSL releases no application data before it has
verified the certificate, so the request is never read (the TLS refusal is journaled).
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import ssl
import struct
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.client import ClientProtocol
from websockets.http11 import Response
from websockets.uri import parse_uri

from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.journal import Journal
from chargecheck.security.endpoint import SecureEndpoint, secure_endpoint
from tests.tls.certs import Issued
from tests.tls.conftest import WAIT

IDENTITY = "CP2"
PASSWORD = "s3cret-s3cret-s3cret"
BOOT = {"chargePointVendor": "Race", "chargePointModel": "One"}
# An application_data record that cannot decrypt: its tag is wrong.
BAD_RECORD = b"\x17\x03\x03\x00\x13" + bytes(19)


def _basic(key: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{IDENTITY}:{key}".encode()).decode()


class TlsWire:
    """A station on a raw TCP stream: TLS on memory buffers, the WebSocket handshake on
    websockets' sans-I/O client. ``tls()`` leaves the client's last handshake flight
    unsent: the next ``write`` carries it with what the test adds."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, url: str):
        self.reader, self.writer = reader, writer
        self.ws = ClientProtocol(parse_uri(url), subprotocols=["ocpp1.6"])  # type: ignore[list-item]
        self._in, self._out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls_object: ssl.SSLObject | None = None

    @classmethod
    async def open(cls, central: CentralSystem) -> TlsWire:
        assert central.secure_port is not None
        reader, writer = await asyncio.open_connection("127.0.0.1", central.secure_port)
        return cls(reader, writer, str(central.secure_url(IDENTITY)))

    async def tls(self, context: ssl.SSLContext) -> None:
        self.tls_object = tls = context.wrap_bio(self._in, self._out, server_hostname="127.0.0.1")
        while True:
            try:
                tls.do_handshake()
                return
            except ssl.SSLWantReadError:
                self.writer.write(self._out.read())
                data = await asyncio.wait_for(self.reader.read(65536), WAIT)
                assert data, "the bench closed the connection during the TLS handshake"
                self._in.write(data)

    def request(self, version: str = "13") -> bytes:
        """The upgrade request (Basic Auth, ``Sec-WebSocket-Version: version``), encrypted."""
        request = self.ws.connect()
        request.headers["Authorization"] = _basic()
        if version != "13":
            del request.headers["Sec-WebSocket-Version"]
            request.headers["Sec-WebSocket-Version"] = version
        self.ws.send_request(request)
        return self.encrypt(b"".join(self.ws.data_to_send()))

    def encrypt(self, plain: bytes) -> bytes:
        assert self.tls_object is not None
        self.tls_object.write(plain)
        return self._out.read()

    def close_notify(self) -> bytes:
        """The TLS close_notify alert, encrypted (the TCP connection stays open)."""
        assert self.tls_object is not None
        with suppress(ssl.SSLWantReadError):  # it waits for the bench's; ours is written
            self.tls_object.unwrap()
        return self._out.read()

    def write(self, *parts: bytes) -> None:
        """The pending handshake flight and ``parts``, in one TCP write."""
        self.writer.write(self._out.read() + b"".join(parts))

    async def response(self) -> Response:
        assert self.tls_object is not None
        while True:
            for event in self.ws.events_received():
                assert isinstance(event, Response), event
                return event
            data = await asyncio.wait_for(self.reader.read(65536), WAIT)
            assert data, "the bench closed the connection before its response"
            self._in.write(data)
            while True:
                try:
                    plain = self.tls_object.read(65536)
                except ssl.SSLWantReadError:
                    break
                if not plain:  # the bench's close_notify
                    break
                self.ws.receive_data(plain)

    def reset(self) -> None:
        """End the TCP connection with a reset (no FIN, no TLS close_notify)."""
        if self.writer.transport.is_closing():
            return
        sock = self.writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()


class Watch:
    """The journal entries the Central System writes (through its writer's tap)."""

    def __init__(self, central: CentralSystem) -> None:
        self.kinds: list[tuple[str, dict[str, Any]]] = []
        self._changed = asyncio.Event()
        central.writer.tap = self._seen

    def _seen(self, kind: str, fields: dict[str, Any]) -> None:
        self.kinds.append((kind, fields))
        self._changed.set()

    async def reach(self, *kinds: str) -> None:
        """Until each of ``kinds`` has been journaled (as many times as it is named)."""
        async with asyncio.timeout(WAIT):
            while any(self.count(k) < kinds.count(k) for k in kinds):
                self._changed.clear()
                await self._changed.wait()

    def count(self, kind: str) -> int:
        return sum(1 for k, _ in self.kinds if k == kind)

    def refusals(self) -> list[dict[str, Any]]:
        return [f["detail"] for k, f in self.kinds if k == "refuse"]


@pytest.fixture
def endpoint(tmp_path) -> SecureEndpoint:
    return secure_endpoint(None, tmp_path / "pki", datetime.now(UTC), "127.0.0.1")


@pytest.fixture
async def bench(journal: Journal, endpoint: SecureEndpoint):
    settings = ServerSettings(
        port=0, ping_interval=None, passwords={"*": PASSWORD}, secure=endpoint.context
    )
    async with CentralSystem(journal, settings) as central:
        central.run_id = journal.start_run("test")
        yield central, Watch(central)


# -- the ways it fails: each journals what shows it happened where it did --------------------


async def reset_behind_the_request(station: TlsWire, watch: Watch) -> None:
    station.write(station.request())
    station.reset()
    await watch.reach("connect", "close")  # admitted and attached, then lost


async def bad_record_after_the_upgrade(station: TlsWire, watch: Watch) -> None:
    station.write(station.request())
    assert (await station.response()).status_code == 101
    station.write(BAD_RECORD)
    await watch.reach("connect", "refuse", "close")
    assert "TLS record error" in watch.refusals()[-1]["reason"], watch.refusals()


async def bad_version_admitted(station: TlsWire, watch: Watch) -> None:
    station.write(station.request(version="12"))
    assert (await station.response()).status_code == 400
    await watch.reach("refuse")
    assert watch.count("connect") == 0
    (refusal,) = watch.refusals()
    assert refusal["status"] == 400 and "Sec-WebSocket-Version" in refusal["reason"], refusal


async def close_notify_after_the_upgrade(station: TlsWire, watch: Watch) -> None:
    station.write(station.request())
    assert (await station.response()).status_code == 101
    station.write(station.close_notify())  # the end of the stream, the TCP connection kept
    await watch.reach("connect", "close")


async def close_notify_with_the_request(station: TlsWire, watch: Watch) -> None:
    station.write(station.request() + station.close_notify())  # one read: request, then end
    await watch.reach("connect", "close")


async def late_bad_certificate(station: TlsWire, watch: Watch) -> None:
    station.write(station.request())
    await watch.reach("refuse")
    assert watch.count("connect") == 0
    (refusal,) = watch.refusals()
    assert "client certificate did not verify" in refusal["reason"], refusal


Failing = Callable[[TlsWire, Watch], Awaitable[None]]
FAILURES: list[tuple[Failing, bool]] = [  # (how it fails, presents the stranger's certificate)
    (reset_behind_the_request, False),
    (bad_record_after_the_upgrade, False),
    (bad_version_admitted, False),
    (close_notify_after_the_upgrade, False),
    (close_notify_with_the_request, False),
    (late_bad_certificate, True),
]


async def _boots(central: CentralSystem, endpoint: SecureEndpoint) -> None:
    """A good connection of the station: its BootNotification is answered Accepted."""
    async with connect(
        str(central.secure_url(IDENTITY)),
        ssl=ssl.create_default_context(cadata=endpoint.authority.pem),
        subprotocols=["ocpp1.6"],  # type: ignore[list-item]
        additional_headers={"Authorization": _basic()},
        open_timeout=WAIT,
    ) as ws:
        await ws.send(json.dumps([2, "boot-1", "BootNotification", BOOT]))
        answer = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
        assert answer[:2] == [3, "boot-1"] and answer[2]["status"] == "Accepted", answer
        assert central.sessions[IDENTITY].connected


@pytest.mark.parametrize(("fails", "stranger"), FAILURES, ids=[f[0].__name__ for f in FAILURES])
async def test_a_failed_upgrade_leaves_no_session_and_the_next_connection_works(
    bench, endpoint, stranger_cert: Issued, fails: Failing, stranger: bool
):
    central, watch = bench
    context = ssl.create_default_context(cadata=endpoint.authority.pem)
    context.maximum_version = context.minimum_version = ssl.TLSVersion.TLSv1_3
    if stranger:
        context.load_cert_chain(stranger_cert.certificate, stranger_cert.key)
    station = await TlsWire.open(central)
    await station.tls(context)
    await fails(station, watch)
    await central.writer.persisted()

    session = central.sessions.get(IDENTITY)
    assert session is None or not session.connected
    assert central.faults == []
    station.reset()

    await _boots(central, endpoint)
    assert central.faults == []
    assert central.sessions[IDENTITY].connections == watch.count("connect")
