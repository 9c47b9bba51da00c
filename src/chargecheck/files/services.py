"""``FileServices``: the FTP and HTTP servers the station uses during one run.

Test 12 of the seed (remote firmware update) hands the station a firmware URL; test 13
(diagnostics) an FTP location to upload to (OCPP 1.6 sections 5.16 UpdateFirmware and
5.9 GetDiagnostics). This object starts both servers for a run, each on its own thread
beside the asyncio loop, in a directory of the run's own, with credentials made for the
run; it reports everything the station does as file events (``events``)::

    async with FileServices(runs_dir, on_event=journal_sink(journal, run_id)) as files:
        station = files.for_station(session)                  # URLs for this station
        location = station.ftp_url                            # GetDiagnostics.req
        firmware = station.firmware_url(files.make_firmware("4.4.1-3200"))
        upload = await files.wait_for_upload(timeout=60, name_glob="*")

The host in a URL is decided when the URL is asked for (``addresses.url_host_for``):
``public_host`` if given, else the local address of the station's connection (the
address it reached the Central System at), else the address the servers bind.

Layout of the run directory: uploads land anywhere the station names (top level unless
it names an existing subdirectory); ``firmware/`` holds what ``add_firmware`` and
``make_firmware`` put there, read-only to the station.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from secrets import token_hex, token_urlsafe
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import quote

from chargecheck.files.addresses import url_host_for
from chargecheck.files.errors import FileServiceError
from chargecheck.files.events import (
    DOWNLOAD_COMPLETE,
    UPLOAD_COMPLETE,
    DownloadedFile,
    EventLog,
    FileEvent,
    OnEvent,
    UploadedFile,
)
from chargecheck.files.ftp_server import FtpContext, FtpServerThread
from chargecheck.files.http_server import HttpServerThread
from chargecheck.files.paths import FIRMWARE_DIR, redact_url
from chargecheck.files.sandbox import Sandbox
from chargecheck.protocol.firmware_image import DEFAULT_SIZE, firmware_file_name, firmware_image

MiB = 1024 * 1024


class StationConnection(Protocol):
    """What names the address a station reached the bench at (a ``csms.Session``)."""

    @property
    def local_address(self) -> tuple[str, int] | None:
        """The local end of its latest WebSocket connection; None before the first."""


class FileServices:
    """The file servers of one run; ``start()`` once, ``stop()`` at the end (or ``with``).

    ``root`` is where run directories are made: ``start()`` creates ``root/<run_name>``
    (default: a UTC time stamp and a random suffix) and refuses one that exists, so no
    run ever sees another's files. ``host`` is what both servers bind, resolved as the
    Central System resolves it (``listeners``: ``0.0.0.0`` every IPv4 interface, ``::``
    every interface, a name each of its addresses). ``public_host``, if given, is the
    host written into every URL; without it a station's URLs name the address it
    reached the bench at (``for_station``). Port 0 picks a free port.
    ``on_event(kind, detail)`` is called from the server threads, see ``EventLog``.
    """

    def __init__(
        self,
        root: Path,
        host: str = "127.0.0.1",
        public_host: str | None = None,
        ftp_port: int = 0,
        http_port: int = 0,
        max_upload_bytes: int | None = 50 * MiB,
        on_event: OnEvent | None = None,
        *,
        run_name: str | None = None,
        idle_timeout: float = 120.0,
        eof_grace: float = 0.25,
        login_fail_delay: float = 0.5,
        mono: Callable[[], float] = time.monotonic,
    ) -> None:
        self.root = Path(root)
        self.host = host
        self.public_host = public_host
        self.max_upload_bytes = max_upload_bytes
        self.run_name = run_name
        self._ports = (ftp_port, http_port)
        self._addresses: tuple[str, ...] = ()
        self._timing = {
            "idle_timeout": idle_timeout,
            "eof_grace": eof_grace,
            "login_fail_delay": login_fail_delay,
        }
        self._mono = mono
        self.user = "cc-" + token_hex(3)
        self._password = token_urlsafe(12)  # only ever written into the station's URLs
        self.log = EventLog(on_event)
        self._sandbox: Sandbox | None = None
        self._ftp: FtpServerThread | None = None
        self._http: HttpServerThread | None = None
        self._stopped = False

    def __repr__(self) -> str:
        return f"<FileServices {self.where if self._sandbox else 'not started'}>"

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> FileServices:
        if self._sandbox is not None or self._stopped:
            raise FileServiceError("FileServices serves one run: make a new one for the next")
        name = self.run_name or (datetime.now(UTC).strftime("files-%Y%m%dT%H%M%SZ-") + token_hex(2))
        run_dir = self.root / name
        run_dir.mkdir(parents=True, exist_ok=False)
        (run_dir / FIRMWARE_DIR).mkdir()
        sandbox = Sandbox(run_dir)
        context = FtpContext(sandbox, self.log, self.max_upload_bytes, self._mono)
        timing = self._timing
        try:
            self._ftp = FtpServerThread(
                context,
                self.host,
                self._ports[0],
                self.user,
                self._password,
                idle_timeout=timing["idle_timeout"],
                eof_grace=timing["eof_grace"],
                login_fail_delay=timing["login_fail_delay"],
            )
            self._http = HttpServerThread(
                sandbox, self.log, self.host, self._ports[1], timing["idle_timeout"]
            )
            self._ftp.start()
            self._http.start()
        except BaseException:
            self._stop_servers()
            raise
        self._ports = (self._ftp.port, self._http.port)  # kept after stop(), for reports
        self._addresses = tuple(self._ftp.addresses)
        self._sandbox = sandbox
        return self

    def stop(self) -> None:
        """Stop both servers: connections closed, threads joined, ports released."""
        self._stopped = True
        self._stop_servers()

    def _stop_servers(self) -> None:
        ftp, http, self._ftp, self._http = self._ftp, self._http, None, None
        try:
            if ftp is not None:
                ftp.stop()
        finally:
            if http is not None:
                http.stop()

    def __enter__(self) -> FileServices:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> FileServices:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self.stop)

    # -- where things are ----------------------------------------------------------

    @property
    def sandbox(self) -> Sandbox:
        if self._sandbox is None:
            raise FileServiceError("FileServices not started: call start() first")
        return self._sandbox

    @property
    def run_dir(self) -> Path:
        return self.sandbox.root

    @property
    def ftp_port(self) -> int:
        self.sandbox  # noqa: B018 - raises unless started
        return self._ports[0]

    @property
    def http_port(self) -> int:
        self.sandbox  # noqa: B018 - raises unless started
        return self._ports[1]

    @property
    def addresses(self) -> list[str]:
        """The addresses both servers listen on (``host`` resolved, see ``listeners``)."""
        self.sandbox  # noqa: B018 - raises unless started
        return list(self._addresses)

    @property
    def where(self) -> str:
        """Where the servers are, for people: URLs with the password masked, or, with no
        host to name, the ports and what each station's URLs will name."""
        host = url_host_for(self.public_host, None, self.host)
        if host is not None:
            return f"{redact_url(self.ftp_url_at(host))} {self.http_url_at(host)}"
        listening = ", ".join(self.addresses)
        return (
            f"ftp port {self.ftp_port}, http port {self.http_port} on {listening} "
            "(each station's URLs name the address it reached the bench at)"
        )

    def for_station(self, station: StationConnection) -> StationFiles:
        """These services as one station sees them: its URLs name the address it
        reached the bench at, decided each time a URL is asked for."""
        return StationFiles(self, station)

    def host_for(self, station: StationConnection | None = None) -> str:
        """The host written into ``station``'s URLs (``addresses.url_host_for``)."""
        local = station.local_address if station is not None else None
        host = url_host_for(self.public_host, local[0] if local else None, self.host)
        if host is None:
            why = "the station never connected" if station is not None else "no station is named"
            raise FileServiceError(
                f"no host to write into the URLs: the servers listen on every interface "
                f"({self.host!r}) and {why}; give public_host, or use for_station(session)"
            )
        return host

    def ftp_url_at(self, host: str) -> str:
        """The upload location at ``host`` (as written in a URL), credentials included."""
        return f"ftp://{self.user}:{self._password}@{host}:{self.ftp_port}/"

    def http_url_at(self, host: str) -> str:
        return f"http://{host}:{self.http_port}/"

    def firmware_url_at(self, host: str, name: str, scheme: str = "http") -> str:
        """Where firmware ``name`` is downloaded from at ``host``, over ``http`` or ``ftp``."""
        if not (self.sandbox.firmware_dir / name).is_file():
            raise FileServiceError(f"no firmware {name!r} in {self.sandbox.firmware_dir}")
        path = f"{FIRMWARE_DIR}/{quote(name)}"
        if scheme == "http":
            return self.http_url_at(host) + path
        if scheme == "ftp":
            return self.ftp_url_at(host) + path
        raise FileServiceError(f"firmware is served over 'http' or 'ftp', not {scheme!r}")

    # With no station named: ``public_host``, else the bound host if it names one.

    @property
    def ftp_url(self) -> str:
        """The upload location to give the station, credentials included."""
        return self.ftp_url_at(self.host_for())

    @property
    def redacted_url(self) -> str:
        """``ftp_url`` with the password masked: for printing and reports."""
        return redact_url(self.ftp_url)

    @property
    def http_url(self) -> str:
        return self.http_url_at(self.host_for())

    def firmware_url(self, name: str, scheme: str = "http") -> str:
        """Where the station downloads firmware ``name`` from, over ``http`` or ``ftp``."""
        return self.firmware_url_at(self.host_for(), name, scheme)

    # -- firmware ------------------------------------------------------------------

    def add_firmware(self, path: Path) -> str:
        """Serve a copy of the file at ``path``; returns its name for ``firmware_url``."""
        source = Path(path)
        target = self.sandbox.firmware_dir / source.name
        if target.exists():
            raise FileServiceError(f"firmware {source.name!r} is already served")
        shutil.copyfile(source, target)
        return source.name

    def make_firmware(self, version: str, size: int = DEFAULT_SIZE) -> str:
        """Serve a generated image naming ``version`` (``firmware.firmware_image``)."""
        name = firmware_file_name(version)
        (self.sandbox.firmware_dir / name).write_bytes(firmware_image(version, size))
        return name

    # -- what the station did ------------------------------------------------------

    @property
    def events(self) -> list[FileEvent]:
        return self.log.snapshot()

    def mark(self) -> int:
        """A starting point for the waits: they see only events from here on."""
        return len(self.log)

    async def wait_for_upload(
        self, timeout: float, name_glob: str = "*", *, since: int = 0
    ) -> UploadedFile:
        """The first complete upload whose name matches ``name_glob``, since ``since``.

        Sees uploads that completed before the call. Raises ``FileWaitTimeout``, which
        lists what did happen (a refused login, a partial upload), after ``timeout`` s.
        """
        event = await self.log.wait_for(
            lambda e: e.kind == UPLOAD_COMPLETE and fnmatchcase(e.detail["name"], name_glob),
            timeout,
            since=since,
            what=f"complete upload matching {name_glob!r}",
        )
        return UploadedFile.from_event(event)

    async def wait_for_download(
        self, timeout: float, name_glob: str = "*", *, since: int = 0
    ) -> DownloadedFile:
        """The first complete download (HTTP or FTP) whose name matches ``name_glob``."""
        event = await self.log.wait_for(
            lambda e: e.kind == DOWNLOAD_COMPLETE and fnmatchcase(e.detail["name"], name_glob),
            timeout,
            since=since,
            what=f"complete download matching {name_glob!r}",
        )
        return DownloadedFile.from_event(event)

    async def wait_for_event(
        self,
        kind: str,
        timeout: float,
        where: Callable[[FileEvent], bool] = lambda event: True,
        *,
        since: int = 0,
    ) -> FileEvent:
        """The first event of ``kind`` (see ``events.KINDS``) that satisfies ``where``."""
        return await self.log.wait_for(
            lambda e: e.kind == kind and where(e), timeout, since=since, what=f"{kind} event"
        )


class StationFiles:
    """``FileServices`` as one station sees them (``FileServices.for_station``).

    The URLs name the address the station reached the bench at, looked up each time
    one is asked for, so a station that reconnects elsewhere is told the new address;
    ``public_host`` overrides it. Everything else (``mark``, the waits, ``events``,
    firmware) is the run's ``FileServices``: one station or many, the same servers.
    """

    def __init__(self, services: FileServices, station: StationConnection) -> None:
        self.services = services
        self.station = station

    def __repr__(self) -> str:
        try:
            return f"<StationFiles {self.redacted_url}>"
        except FileServiceError as exc:
            return f"<StationFiles: {exc}>"

    def __getattr__(self, name: str) -> Any:
        if name in ("services", "station"):  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self.services, name)

    @property
    def url_host(self) -> str:
        """The host this station's URLs name, decided now."""
        return self.services.host_for(self.station)

    @property
    def ftp_url(self) -> str:
        """The upload location for this station, credentials included."""
        return self.services.ftp_url_at(self.url_host)

    @property
    def redacted_url(self) -> str:
        return redact_url(self.ftp_url)

    @property
    def http_url(self) -> str:
        return self.services.http_url_at(self.url_host)

    def firmware_url(self, name: str, scheme: str = "http") -> str:
        """Where this station downloads firmware ``name`` from, over ``http`` or ``ftp``."""
        return self.services.firmware_url_at(self.url_host, name, scheme)
