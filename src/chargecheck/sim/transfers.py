"""File transfers of the station, blocking: the shell runs them in a worker thread.

Downloads (UpdateFirmware, OCPP 1.6 section 5.19) go over HTTP(S) with urllib or over FTP
with ftplib; uploads (GetDiagnostics, section 5.9) go over FTP with ftplib, ``location``
being the directory to store the file in (``ftp://user:password@host:port/dir/``).
"""

from __future__ import annotations

import ftplib
import io
import urllib.request
from urllib.parse import unquote, urlsplit

TIMEOUT = 30.0


class TransferError(Exception):
    """A transfer failed; the message says what and where."""


def _ftp(url: str, timeout: float) -> tuple[ftplib.FTP, str]:
    parts = urlsplit(url)
    ftp = ftplib.FTP(timeout=timeout)
    ftp.connect(parts.hostname or "", parts.port or 21)
    ftp.login(unquote(parts.username or "anonymous"), unquote(parts.password or ""))
    return ftp, unquote(parts.path)


def download(url: str, timeout: float = TIMEOUT) -> bytes:
    """The bytes at ``url`` (http, https or ftp)."""
    scheme = urlsplit(url).scheme.lower()
    try:
        if scheme in ("http", "https"):
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return bytes(response.read())
        if scheme == "ftp":
            ftp, path = _ftp(url, timeout)
            with ftp:
                sink = io.BytesIO()
                ftp.retrbinary(f"RETR {path}", sink.write)
                return sink.getvalue()
    except (OSError, ftplib.Error) as exc:
        raise TransferError(f"download of {url} failed: {exc}") from exc
    raise TransferError(f"download of {url}: unsupported scheme {scheme!r}")


def upload(location: str, file_name: str, data: bytes, timeout: float = TIMEOUT) -> None:
    """Store ``data`` as ``file_name`` in the FTP directory ``location``."""
    scheme = urlsplit(location).scheme.lower()
    if scheme != "ftp":
        raise TransferError(f"upload to {location}: unsupported scheme {scheme!r}")
    try:
        ftp, directory = _ftp(location, timeout)
        with ftp:
            if directory.strip("/"):
                ftp.cwd(directory)
            ftp.storbinary(f"STOR {file_name}", io.BytesIO(data))
    except (OSError, ftplib.Error) as exc:
        raise TransferError(f"upload of {file_name} to {location} failed: {exc}") from exc
