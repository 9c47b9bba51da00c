"""Firmware updates fetched for real over HTTP and diagnostics uploaded for real to an FTP
server (pyftpdlib), both on 127.0.0.1 (OCPP 1.6 sections 4.4, 4.5, 5.9, 5.19)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

from chargecheck.clock import utc_iso
from chargecheck.protocol.firmware_image import firmware_image

from .conftest import WAIT


@pytest.fixture
def ftp_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real FTP server (user diag / secret) whose root is a temporary directory."""
    root = tmp_path / "ftp"
    (root / "uploads").mkdir(parents=True)
    authorizer = DummyAuthorizer()
    authorizer.add_user("diag", "secret", str(root), perm="elradfmwMT")
    handler = type(
        "Handler", (FTPHandler,), {"authorizer": authorizer, "auth_failed_timeout": 0.01}
    )
    server = FTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"timeout": 0.05, "handle_exit": False}, daemon=True
    )
    thread.start()
    port = server.socket.getsockname()[1]
    yield f"ftp://diag:secret@127.0.0.1:{port}/uploads/", root / "uploads"
    server.close_all()
    thread.join(5)


def firmware_statuses(session, cursor) -> list[str]:
    return [m.payload["status"] for m in session.received("FirmwareStatusNotification", cursor)]


async def test_update_firmware_downloads_over_http_installs_and_boots_with_the_new_version(
    bench, http_files
):
    http_files.files["/ng9/4.5.0-9999.bin"] = firmware_image("4.5.0-9999", 4096)
    sim, session = await bench.start()
    cursor = session.mark()
    request = {
        "location": http_files.url("/ng9/4.5.0-9999.bin"),
        "retrieveDate": utc_iso(sim.clock.utc()),
    }
    assert await session.call("UpdateFirmware", request, WAIT) == {}
    boot = await session.expect("BootNotification", timeout=WAIT, cursor=cursor)
    assert boot.payload["firmwareVersion"] == "4.5.0-9999"
    assert firmware_statuses(session, cursor) == [
        "Downloading",
        "Downloaded",
        "Installing",
        "Installed",
    ]
    assert http_files.requests == ["/ng9/4.5.0-9999.bin"]
    await sim.wait_booted(WAIT)
    assert sim.firmware_version == "4.5.0-9999"


async def test_update_firmware_waits_for_the_retrieve_date_and_for_the_transaction_to_end(
    bench, http_files
):
    http_files.files["/fw"] = firmware_image("5.0.0")
    sim, session = await bench.start()
    await sim.plug(1)
    await sim.present_id_tag(1, "TAG1")
    await session.expect("StartTransaction", timeout=WAIT)
    cursor = session.mark()
    later = utc_iso(sim.clock.utc() + timedelta(seconds=20))
    await session.call(
        "UpdateFirmware", {"location": http_files.url("/fw"), "retrieveDate": later}, WAIT
    )
    assert http_files.requests == []  # not before retrieveDate
    await session.expect(
        "FirmwareStatusNotification", lambda p: p["status"] == "Installed", WAIT, cursor
    )
    assert http_files.requests == ["/fw"]
    assert session.received("BootNotification", cursor) == []  # a transaction runs
    await sim.unplug(1)
    await session.expect("StopTransaction", timeout=WAIT, cursor=cursor)
    boot = await session.expect("BootNotification", timeout=WAIT, cursor=cursor)
    assert boot.payload["firmwareVersion"] == "5.0.0"


async def test_a_firmware_download_that_keeps_failing_ends_in_download_failed(bench, http_files):
    sim, session = await bench.start()
    cursor = session.mark()
    request = {
        "location": http_files.url("/missing"),
        "retrieveDate": utc_iso(sim.clock.utc()),
        "retries": 2,
        "retryInterval": 5,
    }
    await session.call("UpdateFirmware", request, WAIT)
    await session.expect(
        "FirmwareStatusNotification", lambda p: p["status"] == "DownloadFailed", WAIT, cursor
    )
    assert http_files.requests == ["/missing", "/missing"]
    assert firmware_statuses(session, cursor) == ["Downloading", "Downloading", "DownloadFailed"]
    assert sim.firmware_version == "4.4.0-3106"


async def test_get_diagnostics_uploads_the_log_of_the_window_to_the_ftp_server(bench, ftp_root):
    location, uploads = ftp_root
    sim, session = await bench.start()
    start = sim.clock.utc()
    await sim.plug(2)
    cursor = session.mark()
    request = {"location": location, "startTime": utc_iso(start)}
    answer = await session.call("GetDiagnostics", request, WAIT)
    name = answer["fileName"]
    assert name.startswith("CP1-diagnostics-")
    await session.expect(
        "DiagnosticsStatusNotification", lambda p: p["status"] == "Uploaded", WAIT, cursor
    )
    statuses = [
        m.payload["status"] for m in session.received("DiagnosticsStatusNotification", cursor)
    ]
    assert statuses == ["Uploading", "Uploaded"]
    text = (uploads / name).read_text()
    assert "cable plugged into connector 2" in text
    assert "power on" not in text  # before the window
    assert "Alfen BV" in text


async def test_get_diagnostics_to_an_unreachable_server_ends_in_upload_failed(bench, ftp_root):
    location, _ = ftp_root
    _, session = await bench.start()
    cursor = session.mark()
    wrong = location.replace("diag:secret", "diag:wrong")
    await session.call(
        "GetDiagnostics", {"location": wrong, "retries": 2, "retryInterval": 2}, WAIT
    )
    await session.expect(
        "DiagnosticsStatusNotification", lambda p: p["status"] == "UploadFailed", WAIT, cursor
    )
    statuses = [
        m.payload["status"] for m in session.received("DiagnosticsStatusNotification", cursor)
    ]
    assert statuses == ["Uploading", "Uploading", "UploadFailed"]
