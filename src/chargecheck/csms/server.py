"""The Central System's WebSocket server (OCPP-J 1.6 section 3, OCPP 2.0.1 part 4
section 3, transport).

A station connects to ``ws://HOST:PORT/<anything>/<identity>``; the last path segment,
URL-decoded, is its charge box identity. The handshake must offer the subprotocol of an
OCPP version the bench accepts (``ocpp1.6``, ``ocpp2.0.1``: OCPP-J 1.6 section 3.1.2,
2.0.1 part 4 section 3.1.2; ``choose_version`` says which one a station offering several
gets) and, where a password is configured, carry HTTP Basic credentials with the identity
as user (security profile 1). With a TLS
context the bench serves ``wss://`` (profiles 2 and 3, ``csms/tls.py``); a failed TLS
handshake is a refusal too. Every refusal is journaled with its reason and the peer's
address; nothing is refused silently.

With ``secure`` the bench also listens on ``secure_port`` over TLS (the endpoint a station
raised to security profile 2 or 3 connects to, beside a plain one in the same run): client
certificates are asked for and verified when presented; a station that presents one the
context verifies is not asked for Basic Auth (profile 3 authenticates by its certificate).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import ssl
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from chargecheck.clock import Clock
from chargecheck.csms.answers import Answers
from chargecheck.csms.errors import NotConnected
from chargecheck.csms.faults import BenchFault, FaultRecorder
from chargecheck.csms.journal_writer import JournalWriter
from chargecheck.csms.limits import DUPLICATE_IDENTITY_POLICIES, LIMIT, duplicate_identity_detail
from chargecheck.csms.session import Session
from chargecheck.csms.transport import StationLink
from chargecheck.journal.store import Journal
from chargecheck.protocol.tracker import counter_ids
from chargecheck.protocol.versions import BY_SUBPROTOCOL, OcppVersion, version_named


@dataclass
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 9000  # 0: any free port
    # Security profile 1: password per identity, or one for every station ("*").
    passwords: dict[str, str] = field(default_factory=dict)
    # wss:// (security profiles 2 and 3, csms/tls.py): the server context; None: ws://.
    tls: ssl.SSLContext | None = None
    # A second, wss:// listener in the same run (profiles 2 and 3 beside a ws:// port):
    # its context (client certificates optional, verified when given) and port (0: free).
    secure: ssl.SSLContext | None = None
    secure_port: int = 0
    ping_interval: float | None = 20.0  # keepalive WebSocket pings; None: none
    ping_timeout: float = 20.0  # no pong within this: the connection fails (1011)
    open_timeout: float = 10.0  # to complete the opening handshake
    close_timeout: float = 10.0  # for the station to end the closing handshake
    # Limits per station (csms/limits.py: defaults, why, and what a station beyond
    # them gets; each hit is journaled as a "limit" entry).
    max_frame_bytes: int = 1 << 20  # larger: WebSocket close 1009
    max_frames_per_second: float | None = 200.0  # beyond (after a burst): read later
    frame_burst: int = 1000  # frames at once before the rate applies
    max_pending_calls: int = 100  # CALLs unanswered; beyond: CALLERROR GenericError
    duplicate_identity: str = "replace"  # a 2nd connection: "replace" the 1st, or "refuse"
    compression: str | None = "deflate"  # negotiated only if the station offers it
    backlog: int = 1024
    # Commit in a writer process (journal.writer_process) instead of this one. Off by
    # default: measured on 2 cores it bought no calls/s and no p99 (bench/README.md,
    # issue #12); it is for a server with cores to spare.
    journal_process: bool = False
    # The OCPP versions accepted, by name ("1.6", "2.0.1"; ``protocol/versions.py``).
    ocpp_versions: tuple[str, ...] = ("1.6", "2.0.1")
    # The version a station that offers several of them gets (the one the run's script
    # is written for); None: the station's first choice (``choose_version``).
    preferred_version: str | None = None

    def __post_init__(self) -> None:
        if not self.ocpp_versions:
            raise ValueError("ocpp_versions must name at least one OCPP version")
        for name in self.ocpp_versions:
            version_named(name)  # ValueError naming the versions known
        if self.preferred_version is not None and self.preferred_version not in self.ocpp_versions:
            raise ValueError(
                f"preferred_version {self.preferred_version!r} is not one of ocpp_versions"
            )
        if self.duplicate_identity not in DUPLICATE_IDENTITY_POLICIES:
            raise ValueError(
                f"duplicate_identity must be one of {', '.join(DUPLICATE_IDENTITY_POLICIES)}, "
                f"got {self.duplicate_identity!r}"
            )
        if self.max_pending_calls < 1 or self.max_frame_bytes < 1 or self.frame_burst < 1:
            raise ValueError("max_pending_calls, max_frame_bytes and frame_burst must be >= 1")
        if self.max_frames_per_second is not None and self.max_frames_per_second <= 0:
            raise ValueError("max_frames_per_second must be > 0 (None: no limit)")

    @property
    def versions(self) -> tuple[OcppVersion, ...]:
        return tuple(version_named(name) for name in self.ocpp_versions)


def offered_subprotocols(headers: Headers) -> list[str]:
    """The subprotocols a handshake offers, in its order (RFC 6455 section 4.1: one or
    more comma-separated values, over one or more Sec-WebSocket-Protocol headers)."""
    return [
        p.strip()
        for value in headers.get_all("Sec-WebSocket-Protocol")
        for p in value.split(",")
        if p.strip()
    ]


def choose_version(
    offered: Sequence[str],
    accepted: Sequence[OcppVersion],
    preferred: OcppVersion | None = None,
) -> OcppVersion | None:
    """The OCPP version of a connection: ``preferred`` when the station offered it (the
    version the run's script is written for: the CSMS picks, part 4 section 3.1.2), else
    the first subprotocol the station offered that names a version the bench accepts;
    None if it offered none of them.

    The station's order decides: OCPP 2.0.1 part 4 section 3.1.2 has the Charging
    Station list the versions it supports in order of preference, and RFC 6455 section
    4.2.2 has the server answer with one of the offered values; nothing in either
    obliges the server to prefer its own order, so a station that offers
    ``ocpp2.0.1, ocpp1.6`` gets 2.0.1, and one that offers ``ocpp1.6, ocpp2.0.1`` gets
    1.6. Subprotocol names are compared exactly (they are case-sensitive tokens)."""
    if preferred is not None and preferred in accepted and preferred.subprotocol in offered:
        return preferred
    for name in offered:
        version = BY_SUBPROTOCOL.get(name)
        if version is not None and version in accepted:
            return version
    return None


def identity_from_path(path: str) -> str | None:
    """The charge box identity: last non-empty path segment, URL-decoded."""
    segments = [s for s in urlsplit(path).path.split("/") if s]
    return unquote(segments[-1]) if segments else None


def basic_credentials(headers: Headers) -> tuple[str, str] | None:
    value = headers.get("Authorization", "")
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = (
            base64.b64decode(encoded.strip(), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def _certified(link: StationLink) -> bool:
    """The station presented a client certificate the TLS context verified (profile 3)."""
    tls = link.tls_info()
    return tls is not None and tls.get("client_subject") is not None


class CentralSystem:
    """The bench's Central System: ``async with CentralSystem(...) as cs:``."""

    def __init__(
        self,
        journal: Journal,
        settings: ServerSettings | None = None,
        *,
        clock: Clock | None = None,
        answers: Callable[[str], Answers] = lambda identity: Answers(),
    ) -> None:
        self.settings = settings or ServerSettings()
        self.clock = clock or Clock()
        self.writer = JournalWriter(journal)
        self.sessions: dict[str, Session] = {}
        self.run_id: int | None = None
        self._answers = answers
        self._refused_until: dict[str, float] = {}
        # URL path prefix -> how many more connections on it to refuse (None: all)
        self._refused_paths: dict[str, int | None] = {}
        # (identity, HTTP status, reason) of each refused handshake, as journaled
        self.refusals: list[tuple[str | None, int, str]] = []
        self.refusal_entries: list[int] = []  # the journal entry of each, in the same order
        self._server: asyncio.Server | None = None
        self._secure_server: asyncio.Server | None = None
        self._links: set[StationLink] = set()
        self._arrived = asyncio.Event()
        self.fault_recorder = FaultRecorder(self._journal_fault)

    # -- lifecycle ----------------------------------------------------------------

    async def __aenter__(self) -> CentralSystem:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def faults(self) -> list[BenchFault]:
        """Exceptions that escaped a callback while this Central System ran."""
        return self.fault_recorder.faults

    def _journal_fault(self, detail: dict[str, Any]) -> int:
        return self.writer.append("bench_error", run_id=self.run_id, detail=detail)

    async def start(self) -> None:
        s = self.settings
        self.fault_recorder.install(asyncio.get_running_loop())
        self.writer.journal.background_checkpoints()
        if s.journal_process:
            self.writer.journal.background_writes()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._new_link, s.host, s.port, backlog=s.backlog)
        if s.secure is not None:
            secure = s.secure
            self._secure_server = await loop.create_server(
                lambda: self._new_link(secure), s.host, s.secure_port, backlog=s.backlog
            )

    async def stop(self) -> None:
        """Stop listening, answer what the stations already sent (its commits), close
        every connection, then hand commits back to this process. Whatever fails on the
        way, the later steps still run and every journaled entry is committed or
        raised about."""
        try:
            if self._secure_server is not None:
                self._secure_server.close()
            if self._server is not None:
                self._server.close()
                try:
                    await self.writer.persisted()  # CALLs already received get their answer
                finally:
                    links = list(self._links)
                    for link in links:
                        link.start_close(1001, "the Central System is stopping")
                    if links:
                        await asyncio.wait([link.closed for link in links])
                    await self._server.wait_closed()
                    self._server = None
                    if self._secure_server is not None:
                        await self._secure_server.wait_closed()
                        self._secure_server = None
            await self.writer.persisted()
        finally:
            try:
                self.writer.close()
                try:
                    self.writer.journal.foreground_writes()
                finally:
                    self.writer.journal.foreground_checkpoints()
                    self.writer.journal.flush()
            finally:
                self.fault_recorder.uninstall()

    @property
    def port(self) -> int:
        assert self._server is not None, "the server is not started"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def secure_port(self) -> int | None:
        """The port of the second, wss:// listener (None: the run has none)."""
        if self._secure_server is None:
            return None
        return int(self._secure_server.sockets[0].getsockname()[1])

    def url(self, identity: str = "") -> str:
        host = self.settings.host
        host = f"[{host}]" if ":" in host else host
        scheme = "ws" if self.settings.tls is None else "wss"
        return f"{scheme}://{host}:{self.port}/ocpp/{identity}"

    def secure_url(self, identity: str = "") -> str | None:
        """The address of the second, wss:// listener (None: the run has none)."""
        port = self.secure_port
        if port is None:
            return None
        host = self.settings.host
        host = f"[{host}]" if ":" in host else host
        return f"wss://{host}:{port}/ocpp/{identity}"

    # -- what the script uses -----------------------------------------------------

    async def wait_for_station(self, identity: str | None, timeout: float) -> Session:
        """The session of ``identity`` (or of the first station) once it is connected."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for session in self.sessions.values():
                if session.connected and identity in (None, session.identity):
                    return session
            remaining = deadline - loop.time()
            if remaining <= 0:
                who = f"station {identity}" if identity else "no station"
                verb = "did not connect" if identity else "connected"
                raise NotConnected(f"{who} {verb} within {timeout:g} s")
            self._arrived.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    def refuse(self, identity: str, seconds: float) -> None:
        """Refuse connections of ``identity`` for ``seconds`` (a forced outage)."""
        self._refused_until[identity] = self.clock.mono() + seconds

    def refuse_path(self, prefix: str, times: int | None = None) -> None:
        """Refuse the connections whose URL path starts with ``prefix`` (an endpoint the
        station was given that is down): the next ``times`` of them, or every one until
        ``admit_path``. Each refusal's reason names ``prefix``."""
        self._refused_paths[prefix] = times

    def admit_path(self, prefix: str) -> None:
        """Connections on ``prefix`` are no longer refused."""
        self._refused_paths.pop(prefix, None)

    def _path_closed(self, path: str) -> str | None:
        """The refused prefix ``path`` starts with (counting the refusal), or None."""
        for prefix, left in self._refused_paths.items():
            if path.startswith(prefix):
                if left is not None:
                    if left <= 1:
                        del self._refused_paths[prefix]
                    else:
                        self._refused_paths[prefix] = left - 1
                return prefix
        return None

    def session(self, identity: str) -> Session:
        existing = self.sessions.get(identity)
        if existing is None:
            existing = Session(
                identity,
                self.writer,
                self._answers(identity),
                self.clock,
                counter_ids(f"cc{len(self.sessions)}"),
                lambda: self.run_id,
                max_pending_calls=self.settings.max_pending_calls,
            )
            self.sessions[identity] = existing
        return existing

    # -- transport ------------------------------------------------------------------

    def _refusal(self, request: Request, link: StationLink) -> tuple[HTTPStatus, str, str | None]:
        identity = identity_from_path(request.path)
        if identity is None:
            return HTTPStatus.NOT_FOUND, "no charge box identity in the URL", None
        offered = offered_subprotocols(request.headers)
        preferred = self.settings.preferred_version
        version = choose_version(
            offered, self.settings.versions, version_named(preferred) if preferred else None
        )
        if version is None:
            accepted = " or ".join(v.subprotocol for v in self.settings.versions)
            return (
                HTTPStatus.BAD_REQUEST,
                f"subprotocol {accepted} is required (offered: {offered or 'none'})",
                identity,
            )
        # websockets answers with the first of these the station offered: only this one.
        link.ws.available_subprotocols = [Subprotocol(version.subprotocol)]
        password = self.settings.passwords.get(identity, self.settings.passwords.get("*"))
        if password and not _certified(link):  # "" for an identity: none required
            credentials = basic_credentials(request.headers)
            if credentials is None:
                return HTTPStatus.UNAUTHORIZED, "missing HTTP Basic credentials", identity
            user, given = credentials
            if user != identity or not hmac.compare_digest(given.encode(), password.encode()):
                return HTTPStatus.UNAUTHORIZED, f"wrong credentials for {identity}", identity
        if self.settings.duplicate_identity == "refuse" and self._still_open(identity):
            return HTTPStatus.CONFLICT, f"{identity} is already connected", identity
        until = self._refused_until.get(identity)
        if until is not None and self.clock.mono() < until:
            return HTTPStatus.SERVICE_UNAVAILABLE, "refused: forced outage", identity
        closed = self._path_closed(request.path)
        if closed is not None:
            return HTTPStatus.SERVICE_UNAVAILABLE, f"refused: the path {closed} is closed", identity
        return HTTPStatus.OK, "", identity

    def _new_link(self, tls: ssl.SSLContext | None = None) -> StationLink:
        s = self.settings
        link = StationLink(
            self,
            subprotocol=self.settings.versions[0].subprotocol,  # narrowed in _refusal
            max_size=s.max_frame_bytes,
            compression=s.compression,
            open_timeout=s.open_timeout,
            ping_interval=s.ping_interval,
            ping_timeout=s.ping_timeout,
            close_timeout=s.close_timeout,
            tls=tls or s.tls,
            max_frames_per_second=s.max_frames_per_second,
            frame_burst=s.frame_burst,
        )
        self._links.add(link)
        return link

    # LinkOwner: what each station's link reports

    def admit(self, link: StationLink, request: Request) -> Response | None:
        status, reason, identity = self._refusal(request, link)
        if status is HTTPStatus.OK:
            return None
        self._journal_refusal(link, request, identity, int(status), reason)
        if status is HTTPStatus.CONFLICT:
            limit = duplicate_identity_detail("refuse", None, link.remote)
            self.writer.append(LIMIT, run_id=self.run_id, station=identity, detail=limit)
        headers = Headers()
        if status is HTTPStatus.UNAUTHORIZED:
            headers["WWW-Authenticate"] = 'Basic realm="chargecheck", charset="UTF-8"'
        return link.refusal(status, reason + "\n", headers)

    def failed(self, link: StationLink, request: Request, response: Response) -> None:
        reason = str(link.ws.handshake_exc or response.reason_phrase)
        identity = identity_from_path(request.path)
        self._journal_refusal(link, request, identity, response.status_code, reason)

    def opened(self, link: StationLink, request: Request) -> Callable[[str | bytes], None]:
        identity = identity_from_path(request.path)
        assert identity is not None  # admit refused the others
        session = self.session(identity)
        previous = session._connection
        replaced_open = False
        if previous is not None:
            if self._still_open(identity):
                replaced_open = True
                remote = getattr(previous, "remote", None)
                limit = duplicate_identity_detail("replace", remote, link.remote)
                self.writer.append(LIMIT, run_id=self.run_id, station=identity, detail=limit)
            session.detach(previous, None, "replaced by a new connection", replaced=True)
            previous.start_close(1000, "replaced by a new connection")
        detail: dict[str, Any] = {
            "remote": link.remote,
            "path": request.path,
            "subprotocol": link.subprotocol,
        }
        if replaced_open:  # the station opened this one before closing the one it had
            detail["replaced_open_connection"] = True
        tls = link.tls_info()
        if tls is not None:
            detail["tls"] = tls
        credentials = basic_credentials(request.headers)
        if credentials is not None:  # the user, and whether the password is the one required
            password = self.settings.passwords.get(identity, self.settings.passwords.get("*"))
            user, given = credentials
            valid = bool(password) and user == identity
            valid = valid and hmac.compare_digest(given.encode(), str(password).encode())
            detail["basic_auth"] = {"user": user, "valid": valid}
        # The subprotocol websockets answered with is the one _refusal chose.
        session.attach(link, detail, BY_SUBPROTOCOL[str(link.subprotocol)])
        self._arrived.set()
        return session.receive

    def _still_open(self, identity: str) -> bool:
        """True if ``identity`` has a connection whose TCP link is not gone (one that is
        gone may wait for its last commit before its session lets go of it)."""
        session = self.sessions.get(identity)
        connection = session._connection if session is not None else None
        return connection is not None and connection in self._links

    def report(self, link: StationLink, kind: str, detail: dict[str, object]) -> None:
        request = link.request
        identity = identity_from_path(request.path) if request is not None else None
        self.writer.append(kind, run_id=self.run_id, station=identity, detail=detail)

    def lost(self, link: StationLink) -> None:
        self._links.discard(link)
        request = link.request
        identity = identity_from_path(request.path) if request is not None else None
        session = self.sessions.get(identity) if identity is not None else None
        if session is not None:
            # After what the station sent before closing has been acted on.
            self.writer.after_commit(self._detach, session, link)

    def tls_failed(self, link: StationLink, reason: str) -> None:
        """Journaled like a refused handshake: no identity yet, only the peer's address."""
        self.writer.append(
            "refuse",
            run_id=self.run_id,
            station=None,
            detail={"status": None, "reason": reason, "path": None, "remote": link.remote},
        )

    @staticmethod
    def _detach(error: Exception | None, session: Session, link: StationLink) -> None:
        session.detach(link, link.close_code, link.close_reason or "")

    def _journal_refusal(
        self,
        link: StationLink,
        request: Request,
        identity: str | None,
        status: int,
        reason: str,
    ) -> None:
        self.refusals.append((identity, status, reason))
        entry_id = self.writer.append(
            "refuse",
            run_id=self.run_id,
            station=identity,
            detail={
                "status": status,
                "reason": reason,
                "path": request.path,
                "remote": link.remote,
            },
        )
        self.refusal_entries.append(entry_id)
