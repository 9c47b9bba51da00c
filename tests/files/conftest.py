"""Real file services on 127.0.0.1 (ports 0) in a temporary root, a station's FTP login,
and ``needs_ipv6`` for the tests that need ::1."""

from __future__ import annotations

import ftplib
import hashlib
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from chargecheck.files import FileServices
from tests.conftest import UNIT

CAP = 64 * 1024


def _has_ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


needs_ipv6 = pytest.mark.skipif(
    not _has_ipv6_loopback(), reason="this machine has no IPv6 loopback (::1 cannot be bound)"
)


@pytest.fixture
def services(tmp_path) -> Iterator[FileServices]:
    with FileServices(
        tmp_path / "runs", max_upload_bytes=CAP, eof_grace=UNIT / 4, login_fail_delay=0
    ) as started:
        yield started


def station_login(services: FileServices, password: str | None = None) -> ftplib.FTP:
    """Log in as the station does: host, port and credentials from the URL it was given."""
    url = urlsplit(services.ftp_url)
    ftp = ftplib.FTP(timeout=10 * UNIT)
    ftp.connect(url.hostname or "", url.port or 21)
    ftp.login(url.username or "", url.password if password is None else password)
    return ftp


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
