"""File jobs of the peer station: UpdateFirmware (OCPP 1.6 sections 5.19, 4.5) and
GetDiagnostics (5.9, 4.4), with blocking ftplib / urllib transfers run in a thread.

Firmware: wait for retrieveDate (capped), download with the retries asked for
(Downloading, DownloadFailed, Downloaded), wait until no transaction runs, Installing,
then either report Installed and reboot at once, or (``reboot_after_installed`` false)
reboot and report Installed after the new BootNotification. The version installed is
the file's manifest version where it has one, else the first version + 8 hex digits of
its sha256. Diagnostics: upload a log to the FTP location (Uploading, Uploaded or
UploadFailed).
"""

from __future__ import annotations

import asyncio
import ftplib
import io
import logging
import urllib.request
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from bench.peer.station import PeerStation

log = logging.getLogger("peer")

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_RETRIES = 3  # of a download or an upload, whatever the Central System asks
MAX_RETRY_WAIT = 10.0  # seconds between two tries
MAX_RETRIEVE_WAIT = 60.0  # an UpdateFirmware retrieveDate further ahead is cut to this
FAILURES = (OSError, ftplib.Error, ValueError, EOFError)


def _ftp(location: str, timeout: float) -> tuple[ftplib.FTP, str]:
    parts = urlsplit(location)
    ftp = ftplib.FTP(timeout=timeout)
    ftp.connect(parts.hostname or "127.0.0.1", parts.port or 21)
    ftp.login(unquote(parts.username or "anonymous"), unquote(parts.password or ""))
    return ftp, unquote(parts.path).lstrip("/")


def download(location: str, timeout: float) -> bytes:
    scheme = urlsplit(location).scheme
    if scheme in ("http", "https"):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(location, timeout=timeout) as response:
            data: bytes = response.read(MAX_FILE_BYTES + 1)
    elif scheme == "ftp":
        ftp, path = _ftp(location, timeout)
        buffer = io.BytesIO()
        with ftp:
            ftp.retrbinary(f"RETR {path}", buffer.write)
        data = buffer.getvalue()
    else:
        raise ValueError(f"unsupported scheme {scheme!r}")
    if not data or len(data) > MAX_FILE_BYTES:
        raise ValueError(f"firmware of {len(data)} bytes")
    return data


def upload(location: str, name: str, data: bytes, timeout: float) -> None:
    if urlsplit(location).scheme != "ftp":
        raise ValueError(f"cannot upload to {location.split(':')[0]}")
    ftp, path = _ftp(location, timeout)
    with ftp:
        if path.strip("/"):
            ftp.cwd(path.strip("/"))
        ftp.storbinary(f"STOR {name}", io.BytesIO(data))


async def _pause(attempt: int, retry_interval: int | None) -> None:
    if attempt:
        await asyncio.sleep(min(float(retry_interval or 1), MAX_RETRY_WAIT))


async def update_firmware(
    station: PeerStation, location: str, retrieve_date: str, retries: int, interval: int | None
) -> None:
    sessions, state = station.sessions, station.state
    try:
        when = datetime.fromisoformat(retrieve_date.replace("Z", "+00:00"))
        wait = (when - datetime.now(UTC)).total_seconds()
        await asyncio.sleep(min(max(wait, 0.0), MAX_RETRIEVE_WAIT))
    except ValueError:
        log.warning("retrieveDate %r unreadable: downloading now", retrieve_date)
    image = None
    for attempt in range(1 + min(retries, MAX_RETRIES)):
        await _pause(attempt, interval)
        sessions.firmware_status("Downloading")
        try:
            image = await asyncio.to_thread(download, location, station.call_timeout)
            break
        except FAILURES as exc:
            log.warning("download of %s failed: %s", location, exc)
            sessions.firmware_status("DownloadFailed")
    if image is None:
        return
    sessions.firmware_status("Downloaded")
    version = state.version_of(image)
    await sessions.when_idle()
    installing = sessions.firmware_status("Installing")
    await asyncio.sleep(state.install_seconds)
    await installing
    state.firmware_version = version
    if state.reboot_after_installed:
        await sessions.firmware_status("Installed")
        station.reboot(f"firmware {version} installed")
    else:
        state.installed_after_boot = True
        station.reboot(f"installing firmware {version}")


async def upload_diagnostics(
    station: PeerStation, location: str, name: str, retries: int, interval: int | None
) -> None:
    sessions, state = station.sessions, station.state
    lines = [f"{state.identity} firmware {state.firmware_version}"]
    lines += [f"{k}={v}" for k, (v, _) in sorted(state.config.keys.items())]
    lines += list(state.recent_log)
    data = ("\n".join(lines) + "\n").encode()
    sessions.diagnostics_status("Uploading")
    for attempt in range(1 + min(retries, MAX_RETRIES)):
        await _pause(attempt, interval)
        try:
            await asyncio.to_thread(upload, location, name, data, station.call_timeout)
        except FAILURES as exc:
            log.warning("upload to %s failed: %s", location, exc)
            continue
        sessions.diagnostics_status("Uploaded")
        return
    sessions.diagnostics_status("UploadFailed")
