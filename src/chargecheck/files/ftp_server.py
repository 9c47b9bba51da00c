"""The embedded FTP server: pyftpdlib in a thread of its own, one station account.

The station logs in with the run's generated credentials and lands in the run
directory (``/``). It may store files anywhere inside except ``firmware/`` and read
anything inside; every path it names is checked first (``paths``, ``sandbox``), and a
refusal is answered ``550`` and reported. Uploads are written under a ``.partial`` name
and renamed only once complete.

FTP stream mode ends a file by closing the data connection (RFC 959 section 3.4.1), and
so does a client that crashes mid-upload. A client that finished waits for the ``226``
reply on its control connection; a crashed one drops that connection too. So the end
of an upload is confirmed only ``eof_grace`` seconds after the data connection closed,
if the control connection is still there; otherwise the file stays ``.partial``.

pyftpdlib's IOLoop is not thread-safe: everything here runs on the server thread,
which ``stop()`` wakes through a socket pair and then joins.
"""

from __future__ import annotations

import contextlib
import errno
import hmac
import logging
import os
import socket
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chargecheck.files.errors import FileServiceError
from chargecheck.files.events import (
    DOWNLOAD_COMPLETE,
    DOWNLOAD_PARTIAL,
    LOGIN_OK,
    LOGIN_REFUSED,
    UPLOAD_COMPLETE,
    UPLOAD_PARTIAL,
    EventLog,
)
from chargecheck.files.listeners import open_listeners
from chargecheck.files.paths import UPLOAD_REFUSED, Refusal, station_path
from chargecheck.files.sandbox import Sandbox, TrackedFile

with warnings.catch_warnings():  # pyftpdlib imports asyncore/asynchat (deprecated in 3.11)
    warnings.simplefilter("ignore", DeprecationWarning)
    from pyftpdlib.authorizers import AuthenticationFailed, DummyAuthorizer
    from pyftpdlib.filesystems import AbstractedFS, FilesystemError
    from pyftpdlib.handlers import DTPHandler, FTPHandler
    from pyftpdlib.ioloop import AsyncChat, IOLoop
    from pyftpdlib.servers import FTPServer

log = logging.getLogger(__name__)

# Commands whose argument names a path, checked before pyftpdlib maps it to the disk.
_PATH_COMMANDS = frozenset(
    {"CWD", "XCWD", "LIST", "NLST", "MLSD", "MLST", "SIZE", "MDTM", "RETR", "STOR", "STAT"}
    | {"DELE", "RMD", "XRMD", "MKD", "XMKD", "RNFR", "RNTO"}
)
_WRITE_COMMANDS = frozenset({"STOR"})
_LISTING_COMMANDS = frozenset({"LIST", "NLST", "STAT"})  # "-la" is an option, not a path
_UNSUPPORTED_UPLOADS = {
    "APPE": "appending (APPE) is not supported; store the whole file with STOR",
    "STOU": "unique names (STOU) are not supported; name the file with STOR",
}
_RESUME_REFUSED = "resuming an upload (REST + STOR) is not supported"


@dataclass(frozen=True, slots=True)
class FtpContext:
    """What every connection of one run shares."""

    sandbox: Sandbox
    events: EventLog
    max_upload_bytes: int | None
    mono: Callable[[], float]


@dataclass(slots=True)
class _Transfer:
    file: TrackedFile
    name: str
    started: float


class StationAuthorizer(DummyAuthorizer):
    """One account; the password is compared in constant time."""

    def validate_authentication(self, username: str, password: str, handler: Any) -> None:
        expected = self.user_table.get(username, {}).get("pwd")
        if expected is None or not hmac.compare_digest(expected.encode(), password.encode()):
            raise AuthenticationFailed("Authentication failed.")


class SandboxFS(AbstractedFS):
    """Files are opened by the connection (to track them); ``chdir`` stays virtual."""

    def open(self, filename: str, mode: str) -> TrackedFile:
        handler: StationFTPHandler = self.cmd_channel
        return handler.open_file(filename, mode)

    def chdir(self, path: str) -> None:
        # pyftpdlib's own chdir calls os.chdir: the whole process would move.
        if not os.path.isdir(path):
            raise NotADirectoryError(errno.ENOTDIR, "Not a directory", path)
        self.cwd = self.fs2ftp(path)

    def mkstemp(self, *args: Any, **kwargs: Any) -> Any:
        raise FilesystemError(_UNSUPPORTED_UPLOADS["STOU"])


class StationDTP(DTPHandler):
    """Data channel that tells a finished upload from a crashed client (module docstring)."""

    eof_grace = 0.25

    def __init__(self, sock: socket.socket, cmd_channel: StationFTPHandler) -> None:
        self._eof_pending = False
        self._reset = False
        super().__init__(sock, cmd_channel)

    def recv(self, buffer_size: int) -> bytes:
        try:
            data: bytes = self.socket.recv(buffer_size)
        except ConnectionError:  # reset or aborted: the stream did not end, it broke
            self._reset = True
            self.handle_close()
            return b""
        except OSError:  # would block, or an error: pyftpdlib's own handling
            return super().recv(buffer_size)
        if not data:
            self.handle_close()
        return data

    def handle_close(self) -> None:
        if self._closed or not self.receive:
            super().handle_close()
        elif self._reset:
            self.cmd_channel.problem = "the client reset the data connection"
            self.transfer_finished = False
            self._resp = ("426 Data connection reset; transfer aborted.", log.info)
            self.close()
        elif self.eof_grace <= 0:
            super().handle_close()
        elif not self._eof_pending:
            self._eof_pending = True
            self.del_channel()
            self.call_later(self.eof_grace, self._confirm_eof)

    def _confirm_eof(self) -> None:
        self._eof_pending = False
        super().handle_close()  # 226 and on_file_received

    def handle_timeout(self) -> None:
        previous = self.cmd_channel.problem
        self.cmd_channel.problem = "the data connection stalled past the idle timeout"
        super().handle_timeout()
        if not self._closed:
            self.cmd_channel.problem = previous

    def handle_error(self) -> None:
        if self.file_obj is not None and getattr(self.file_obj, "overflowed", False):
            cap = self.file_obj.cap
            # RFC 959 552: requested file action aborted, exceeded storage allocation.
            self._resp = (f"552 Upload exceeds the cap of {cap} bytes; transfer aborted.", log.info)
            self.close()
            return
        super().handle_error()

    def close(self) -> None:
        if self._eof_pending:  # the control connection went away before the end was confirmed
            self._eof_pending = False
            self.transfer_finished = False
            self.cmd_channel.problem = "the client dropped the connection before confirming"
        super().close()


class StationFTPHandler(FTPHandler):
    """The control connection of one station: path checks, tracked transfers, events."""

    files: FtpContext  # set on the per-run subclass

    def __init__(self, conn: socket.socket, server: Any, ioloop: Any = None) -> None:
        self._upload: _Transfer | None = None
        self._download: _Transfer | None = None
        self.problem: str | None = None
        super().__init__(conn, server, ioloop=ioloop)

    # -- events ------------------------------------------------------------------

    def _emit(self, kind: str, **detail: Any) -> None:
        remote = f"{self.remote_ip}:{self.remote_port}"
        self.files.events.emit(kind, {"protocol": "ftp", "remote": remote, **detail})

    def on_login(self, username: str) -> None:
        self._emit(LOGIN_OK, user=username)

    def on_login_failed(self, username: str, password: str) -> None:
        self._emit(LOGIN_REFUSED, user=username)  # never the password

    # -- path checks ---------------------------------------------------------------

    def pre_process_command(self, line: str, cmd: str, arg: str) -> None:
        refusal = self._refusal(cmd, arg) if self.authenticated else None
        if refusal is None:
            super().pre_process_command(line, cmd, arg)
            return
        self._emit(
            refusal.kind, user=self.username, command=cmd, attempted=arg, reason=refusal.reason
        )
        self.respond(f"550 {refusal.reason}.")
        self.log_cmd(cmd, arg, 550, refusal.reason)

    def _refusal(self, cmd: str, arg: str) -> Refusal | None:
        if cmd in _UNSUPPORTED_UPLOADS:
            return Refusal(UPLOAD_REFUSED, _UNSUPPORTED_UPLOADS[cmd])
        if cmd not in _PATH_COMMANDS or not arg:
            return None
        if cmd in _LISTING_COMMANDS and arg.startswith("-"):
            return None
        parts = station_path(arg, self.fs.cwd)
        if isinstance(parts, Refusal):
            return parts
        located = self.files.sandbox.locate(parts, write=cmd in _WRITE_COMMANDS)
        return located if isinstance(located, Refusal) else None

    # -- transfers -----------------------------------------------------------------

    def open_file(self, path: str, mode: str) -> TrackedFile:
        """Called by ``SandboxFS.open`` for RETR ("rb") and STOR ("wb"; "r+b" after REST)."""
        sandbox = self.files.sandbox
        target = Path(path)
        self.problem = None
        if mode == "rb":
            self._finish_download(complete=False, reason="superseded by another RETR")
            tracked = sandbox.open_download(target)
            self._download = _Transfer(tracked, sandbox.download_name(target), self.files.mono())
            return tracked
        if mode != "wb":
            self._emit(
                UPLOAD_REFUSED,
                user=self.username,
                command="STOR",
                attempted=sandbox.name_of(target),
                reason=_RESUME_REFUSED,
            )
            raise FilesystemError(_RESUME_REFUSED)
        self._finish_upload(complete=False, reason="superseded by another STOR")
        tracked = sandbox.open_upload(target, self.files.max_upload_bytes)
        self._upload = _Transfer(tracked, sandbox.name_of(target), self.files.mono())
        return tracked

    def on_file_received(self, file: str) -> None:
        self._finish_upload(complete=True)

    def on_incomplete_file_received(self, file: str) -> None:
        self._finish_upload(complete=False)

    def on_file_sent(self, file: str) -> None:
        self._finish_download(complete=True)

    def on_incomplete_file_sent(self, file: str) -> None:
        self._finish_download(complete=False)

    def ftp_ABOR(self, line: str) -> None:
        self.problem = "the client aborted the transfer (ABOR)"
        super().ftp_ABOR(line)

    def close(self) -> None:
        if not self._closed:
            self.problem = self.problem or "the control connection closed during the transfer"
        super().close()  # closes a data channel in use, which reports its transfer
        never = "the control connection closed before the data connection opened"
        self._finish_upload(complete=False, reason=never)
        self._finish_download(complete=False, reason=never)

    def _partial_reason(self, transfer: _Transfer, reason: str | None) -> str:
        if transfer.file.overflowed:
            return f"exceeds the cap of {transfer.file.cap} bytes"
        return reason or self.problem or "the transfer ended before completion"

    def _finish_upload(self, *, complete: bool, reason: str | None = None) -> None:
        upload, self._upload = self._upload, None
        if upload is None:
            return
        file = upload.file
        file.close()
        assert file.partial is not None
        if complete:
            try:
                os.replace(file.partial, file.target)
            except OSError as exc:
                complete, reason = False, f"could not rename the finished upload: {exc.strerror}"
        detail = {
            "user": self.username,
            "name": upload.name,
            "size": file.size,
            "sha256": file.sha256,
            "duration_s": round(self.files.mono() - upload.started, 3),
        }
        if complete:
            self._emit(UPLOAD_COMPLETE, path=str(file.target), **detail)
        else:
            partial_name = self.files.sandbox.name_of(file.partial)
            self._emit(
                UPLOAD_PARTIAL,
                path=str(file.partial),
                partial_name=partial_name,
                reason=self._partial_reason(upload, reason),
                **detail,
            )

    def _finish_download(self, *, complete: bool, reason: str | None = None) -> None:
        download, self._download = self._download, None
        if download is None:
            return
        download.file.close()
        detail = {
            "user": self.username,
            "name": download.name,
            "size": download.file.size,
            "sha256": download.file.sha256,
        }
        if complete:
            self._emit(DOWNLOAD_COMPLETE, **detail)
        else:
            self._emit(DOWNLOAD_PARTIAL, reason=self._partial_reason(download, reason), **detail)


class _RunIOLoop(IOLoop):
    """Its own class: closing it must not reset pyftpdlib's global ``IOLoop.instance()``.

    ``unregister`` also ignores EPERM. pyftpdlib's passive data channel on a dual-stack
    (IPv6) listener closes a socket before it unregisters its fd; the kernel already took
    the closed socket out of the epoll set, but meanwhile another thread (the HTTP
    server, SQLite) may have opened a regular file under the same fd number, and epoll
    answers EPERM for it. Raised, that failed the station's PASV, so its upload (a row 13
    FAIL the station did not earn). ENOENT and EBADF, the same race with a socket or
    nothing behind the number, pyftpdlib ignores already."""

    def unregister(self, fd: int) -> None:
        with contextlib.suppress(PermissionError):
            super().unregister(fd)


class _Waker(AsyncChat):
    """The read end of a socket pair: a byte written to the other end ends a poll."""

    def handle_read(self) -> None:
        with contextlib.suppress(BlockingIOError):
            self.socket.recv(512)


class FtpServerThread:
    """One FTP server for one run, served from a thread of its own."""

    def __init__(
        self,
        context: FtpContext,
        host: str,
        port: int,
        user: str,
        password: str,
        *,
        idle_timeout: float,
        eof_grace: float,
        login_fail_delay: float,
    ) -> None:
        sandbox = context.sandbox
        authorizer = StationAuthorizer()
        authorizer.add_user(user, password, str(sandbox.root), perm="elrw")
        authorizer.override_perm(user, str(sandbox.firmware_dir), "elr", recursive=True)
        dtp = type("RunDTP", (StationDTP,), {"timeout": idle_timeout, "eof_grace": eof_grace})
        handler = type(
            "RunFTPHandler",
            (StationFTPHandler,),
            {
                "files": context,
                "authorizer": authorizer,
                "dtp_handler": dtp,
                "abstracted_fs": SandboxFS,
                "timeout": idle_timeout,
                "auth_failed_timeout": login_fail_delay,
                "use_sendfile": False,  # every byte sent goes through TrackedFile.read
                "banner": "chargecheck file service ready.",
            },
        )
        self._ioloop = _RunIOLoop()
        self._stopping = False
        listeners: list[socket.socket] = []
        try:
            listeners = open_listeners(host, port)
            # One acceptor per address, all on this thread's loop (``listeners``).
            self._servers = [
                FTPServer(listener, handler, ioloop=self._ioloop) for listener in listeners
            ]
            self._wake_in, self._wake_out = socket.socketpair()
            _Waker(self._wake_in, ioloop=self._ioloop)
        except OSError as exc:
            self._ioloop.close()
            for listener in listeners:
                listener.close()
            raise FileServiceError(f"FTP server cannot listen on {host}:{port}: {exc}") from exc
        self._thread = threading.Thread(target=self._run, name=f"chargecheck-ftp-{self.port}")

    @property
    def port(self) -> int:
        return int(self._servers[0].address[1])

    @property
    def addresses(self) -> list[str]:
        """The addresses listened on (``0.0.0.0``, ``::``, ``127.0.0.1`` ...)."""
        return [str(server.address[0]) for server in self._servers]

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        ioloop = self._ioloop
        timeout: float | None = None
        try:
            while not self._stopping:
                ioloop.poll(timeout)  # until I/O, the waker, or the next timer is due
                timeout = ioloop.sched.poll()
        finally:
            ioloop.close()  # closes every connection: transfers in flight end partial

    def stop(self, timeout: float = 5.0) -> None:
        """Close the server and every connection, wait for the thread; idempotent."""
        self._stopping = True
        if self._thread.is_alive():
            with contextlib.suppress(OSError):
                self._wake_out.send(b"x")
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise FileServiceError(f"FTP server thread did not stop within {timeout:g} s")
        elif self._thread.ident is None:  # never started
            self._ioloop.close()
        self._wake_out.close()
