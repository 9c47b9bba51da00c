"""The embedded HTTP server: firmware downloads (``GET``/``HEAD /firmware/<name>``).

OCPP 1.6 section 5.16 leaves the scheme of ``UpdateFirmware.req.location`` open; many
stations fetch firmware over HTTP. Standard library ``ThreadingHTTPServer`` in a thread
of its own, one thread per request, HTTP/1.0 (one request per connection, so ``stop``
never waits for an idle keep-alive). ``stop`` shuts the open connections down so no
request thread outlives it.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from chargecheck.files.errors import FileServiceError
from chargecheck.files.events import DOWNLOAD_COMPLETE, DOWNLOAD_PARTIAL, EventLog
from chargecheck.files.listeners import open_listeners
from chargecheck.files.paths import PATH_REFUSED, Refusal, firmware_request
from chargecheck.files.sandbox import Sandbox, TrackedFile, inside

_CHUNK = 64 * 1024

log = logging.getLogger(__name__)


class FirmwareHTTPServer(ThreadingHTTPServer):
    """Serves the run's firmware directory; knows its open connections to cut them."""

    daemon_threads = False  # only non-daemon request threads are joined by server_close
    block_on_close = True

    def __init__(
        self, listener: socket.socket, sandbox: Sandbox, events: EventLog, idle_timeout: float
    ) -> None:
        self.address_family = listener.family
        self.sandbox = sandbox
        self.events = events
        self.idle_timeout = idle_timeout
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        # The socket is bound already (``listeners``): the one TCPServer makes is dropped.
        super().__init__(listener.getsockname(), FirmwareRequestHandler, bind_and_activate=False)
        self.socket.close()
        self.socket = listener
        self.server_address = listener.getsockname()
        host, port = self.server_address[:2]
        # Not HTTPServer.server_bind, which resolves the host's FQDN: a DNS query.
        self.server_name, self.server_port = str(host), int(port)
        self.server_activate()

    def get_request(self) -> tuple[Any, Any]:
        request, address = super().get_request()
        with self._open_lock:
            self._open.add(request)
        return request, address

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints the traceback to stderr; a client gone is no error of ours.
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("HTTP client %s went away", client_address)
        else:
            log.exception("HTTP request from %s failed", client_address)

    def cut_connections(self) -> None:
        with self._open_lock:
            requests = list(self._open)
        for request in requests:
            with contextlib.suppress(OSError):
                request.shutdown(socket.SHUT_RDWR)


class FirmwareRequestHandler(BaseHTTPRequestHandler):
    server: FirmwareHTTPServer
    server_version = "chargecheck"
    sys_version = ""

    def setup(self) -> None:
        self.connection = self.request
        self.connection.settimeout(self.server.idle_timeout)  # a silent client is let go
        super().setup()

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        pass  # every request that matters is a file event

    def _remote(self) -> str:
        return f"{self.client_address[0]}:{self.client_address[1]}"

    def _serve(self, *, body: bool) -> None:
        sandbox = self.server.sandbox
        name = firmware_request(self.path)
        if isinstance(name, Refusal):
            self._refuse(name.reason)
            return
        target = sandbox.firmware_dir / name if name else None
        if target is None or not target.is_file():
            self.send_error(HTTPStatus.NOT_FOUND, "no such firmware file")
            return
        if not inside(target.resolve(), sandbox.firmware_dir):
            self._refuse("a symbolic link leads out of the firmware directory")
            return
        self._send(target, body=body)

    def _refuse(self, reason: str) -> None:
        self.server.events.emit(
            PATH_REFUSED,
            {
                "protocol": "http",
                "remote": self._remote(),
                "command": self.command,
                "attempted": self.path,
                "reason": reason,
            },
        )
        self.send_error(HTTPStatus.FORBIDDEN, reason)

    def _send(self, target: Path, *, body: bool) -> None:
        size = target.stat().st_size
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if not body:
            return
        tracked = self.server.sandbox.open_download(target)
        detail = {"protocol": "http", "remote": self._remote(), "name": target.name}
        try:
            with tracked:
                while chunk := tracked.read(_CHUNK):
                    self.wfile.write(chunk)
                self.wfile.flush()
        except OSError as exc:  # the client went away, or stop() cut the connection
            self._emit_download(DOWNLOAD_PARTIAL, tracked, detail, reason=_why(exc))
            self.close_connection = True
            return
        self._emit_download(DOWNLOAD_COMPLETE, tracked, detail)

    def _emit_download(
        self, kind: str, tracked: TrackedFile, detail: dict[str, Any], **extra: Any
    ) -> None:
        self.server.events.emit(
            kind, {**detail, "size": tracked.size, "sha256": tracked.sha256, **extra}
        )


def _why(exc: OSError) -> str:
    return f"the connection broke: {exc.strerror or type(exc).__name__}"


class HttpServerThread:
    """One HTTP server for one run: a ``FirmwareHTTPServer`` and its thread per address
    the run listens on (``listeners``), all on one port."""

    def __init__(
        self, sandbox: Sandbox, events: EventLog, host: str, port: int, idle_timeout: float
    ) -> None:
        try:
            listeners = open_listeners(host, port)
        except OSError as exc:
            raise FileServiceError(f"HTTP server cannot listen on {host}:{port}: {exc}") from exc
        self._servers: list[FirmwareHTTPServer] = []
        try:
            for listener in listeners:
                self._servers.append(FirmwareHTTPServer(listener, sandbox, events, idle_timeout))
        except OSError as exc:
            for listener in listeners:
                listener.close()
            raise FileServiceError(f"HTTP server cannot listen on {host}:{port}: {exc}") from exc
        self._threads = [
            threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"chargecheck-http-{self.port}-{n}",
            )
            for n, server in enumerate(self._servers)
        ]

    @property
    def port(self) -> int:
        return int(self._servers[0].server_address[1])

    @property
    def addresses(self) -> list[str]:
        """The addresses listened on (``0.0.0.0``, ``::``, ``127.0.0.1`` ...)."""
        return [str(server.server_address[0]) for server in self._servers]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving, cut open connections, join every thread; idempotent."""
        stuck = []
        for server, thread in zip(self._servers, self._threads, strict=True):
            if thread.is_alive():
                server.shutdown()
                thread.join(timeout)
            if thread.is_alive():
                stuck.append(thread.name)
                continue  # its socket stays open while its thread may still serve
            server.cut_connections()
            server.server_close()
        if stuck:
            raise FileServiceError(f"HTTP server thread did not stop within {timeout:g} s")
