"""The FTP server over real sockets on 127.0.0.1: uploads, refusals, partial files, RETR."""

from __future__ import annotations

import asyncio
import ftplib
import io
import json
import os
import socket
import struct
import urllib.request
from urllib.parse import urlsplit

import pytest

from chargecheck.files import FileServices, firmware_version
from tests.conftest import UNIT
from tests.files.conftest import CAP, sha256, station_login


def files_in(directory) -> set[str]:
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}


def until_server_received(ftp: ftplib.FTP, count: int) -> None:
    """Ask the server (STAT, RFC 959) until its data channel has ``count`` bytes in."""
    for _ in range(10_000):
        if f"Total bytes received: {count}" in ftp.sendcmd("STAT"):
            return
    raise AssertionError(f"the server never received {count} bytes")


# -- uploads ----------------------------------------------------------------------------


async def test_an_upload_arrives_with_its_size_and_sha256(services):
    data = os.urandom(CAP - 1)
    with station_login(services) as ftp:
        ftp.storbinary("STOR diagnostics.zip", io.BytesIO(data))
    upload = await services.wait_for_upload(10 * UNIT, "*.zip")
    assert (upload.name, upload.size, upload.sha256) == ("diagnostics.zip", len(data), sha256(data))
    assert upload.path == services.run_dir / "diagnostics.zip"
    assert upload.path.read_bytes() == data
    assert upload.duration_s >= 0
    assert files_in(services.run_dir) == {"diagnostics.zip"}


async def test_an_upload_to_an_absolute_path_inside_the_run_directory_is_accepted(services):
    with station_login(services) as ftp:
        ftp.storbinary("STOR /diag.log", io.BytesIO(b"log line\n"))
    upload = await services.wait_for_upload(10 * UNIT)
    assert upload.name == "diag.log" and upload.path.read_bytes() == b"log line\n"


async def test_a_login_is_reported_with_user_and_remote_address(services):
    with station_login(services) as ftp:
        local = ftp.sock.getsockname()
    event = await services.wait_for_event("login_ok", 10 * UNIT)
    assert event.detail["user"] == services.user
    assert event.detail["remote"] == f"{local[0]}:{local[1]}"


async def test_a_wrong_password_is_refused_and_reported_without_any_password(services):
    with pytest.raises(ftplib.error_perm, match="530"):
        station_login(services, password="not-the-password")
    event = await services.wait_for_event("login_refused", 10 * UNIT)
    assert event.detail["user"] == services.user and event.detail["protocol"] == "ftp"
    with station_login(services) as ftp:
        ftp.storbinary("STOR after.txt", io.BytesIO(b"ok"))
    await services.wait_for_upload(10 * UNIT)
    recorded = json.dumps([e.detail for e in services.events])
    password = urlsplit(services.ftp_url).password
    assert password and password not in recorded and "not-the-password" not in recorded


# -- paths out of the run directory -----------------------------------------------------


@pytest.mark.parametrize("target", ["../escape.bin", "sub/../../escape.bin", "..\\escape.bin"])
async def test_a_write_that_climbs_out_is_refused_and_reported(services, target):
    with station_login(services) as ftp, pytest.raises(ftplib.error_perm, match="550"):
        ftp.storbinary(f"STOR {target}", io.BytesIO(b"payload"))
    event = await services.wait_for_event("path_refused", 10 * UNIT)
    assert event.detail["attempted"] == target and event.detail["command"] == "STOR"
    assert not (services.run_dir.parent / "escape.bin").exists()
    assert files_in(services.run_dir.parent) == set()


async def test_a_write_to_an_absolute_path_outside_is_refused_and_reported(services, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    attempts = [f"{outside}/planted.bin", "/etc/chargecheck-planted"]
    with station_login(services) as ftp:
        for target in attempts:
            with pytest.raises(ftplib.error_perm, match="550"):
                ftp.storbinary(f"STOR {target}", io.BytesIO(b"payload"))
    refused = [e for e in services.events if e.kind == "path_refused"]
    assert [e.detail["attempted"] for e in refused] == attempts
    assert all("is not in the run directory" in e.detail["reason"] for e in refused)
    assert not (outside / "planted.bin").exists()
    assert files_in(services.run_dir.parent) == set()


async def test_a_symbolic_link_out_of_the_run_directory_is_refused(services, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    (services.run_dir / "out").symlink_to(outside, target_is_directory=True)
    (services.run_dir / "secret-link").symlink_to(outside / "secret.txt")
    with station_login(services) as ftp:
        with pytest.raises(ftplib.error_perm, match="550"):
            ftp.storbinary("STOR out/planted.bin", io.BytesIO(b"payload"))
        with pytest.raises(ftplib.error_perm, match="550"):
            ftp.retrbinary("RETR secret-link", lambda chunk: None)
        with pytest.raises(ftplib.error_perm, match="550"):
            ftp.cwd("out")
    refused = [e.detail for e in services.events if e.kind == "path_refused"]
    assert [(d["command"], d["attempted"]) for d in refused] == [
        ("STOR", "out/planted.bin"),
        ("RETR", "secret-link"),
        ("CWD", "out"),
    ]
    assert all("symbolic link" in d["reason"] for d in refused)
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


async def test_the_firmware_directory_is_read_only_to_the_station(services):
    name = services.make_firmware("9.9")
    with station_login(services) as ftp, pytest.raises(ftplib.error_perm, match="550"):
        ftp.storbinary(f"STOR firmware/{name}", io.BytesIO(b"overwritten"))
    event = await services.wait_for_event("upload_refused", 10 * UNIT)
    assert "read-only" in event.detail["reason"]
    assert firmware_version((services.run_dir / "firmware" / name).read_bytes()) == "9.9"


@pytest.mark.parametrize("command", ["APPE diag.zip", "STOU"])
async def test_append_and_unique_name_uploads_are_refused_and_reported(services, command):
    with station_login(services) as ftp, pytest.raises(ftplib.error_perm, match="550"):
        ftp.storbinary(command, io.BytesIO(b"payload"))
    event = await services.wait_for_event("upload_refused", 10 * UNIT)
    assert event.detail["command"] == command.split()[0] and "STOR" in event.detail["reason"]
    assert files_in(services.run_dir) == set()


# -- uploads that do not complete -------------------------------------------------------


async def test_an_upload_over_the_cap_is_cut_and_marked_partial(services):
    data = os.urandom(4 * CAP)
    # The server cuts the data connection at the cap and answers 552: the client sees one
    # or the other first, and the 552 may wait for the QUIT of the session's close.
    with pytest.raises((ftplib.error_perm, ConnectionError)), station_login(services) as ftp:
        ftp.storbinary("STOR huge.zip", io.BytesIO(data))
    event = await services.wait_for_event("upload_partial", 10 * UNIT)
    assert event.detail["reason"] == f"exceeds the cap of {CAP} bytes"
    assert event.detail["size"] == CAP and event.detail["partial_name"] == "huge.zip.partial"
    assert (services.run_dir / "huge.zip.partial").read_bytes() == data[:CAP]
    assert files_in(services.run_dir) == {"huge.zip.partial"}
    with pytest.raises(TimeoutError):
        await services.wait_for_upload(UNIT / 4)


async def test_an_upload_whose_client_vanishes_is_marked_partial(services):
    ftp = station_login(services)
    data_connection = ftp.transfercmd("STOR crash.zip")
    data_connection.sendall(b"x" * 10_000)
    until_server_received(ftp, 10_000)
    # The client dies: both connections close, no one waits for the 226.
    data_connection.close()
    ftp.close()
    event = await services.wait_for_event("upload_partial", 10 * UNIT)
    detail = event.detail
    assert detail["name"] == "crash.zip" and detail["size"] == 10_000
    assert "dropped the connection" in detail["reason"] or "control connection" in detail["reason"]
    partial = services.run_dir / "crash.zip.partial"
    assert partial.read_bytes() == b"x" * 10_000
    assert sha256(partial.read_bytes()) == detail["sha256"]
    assert files_in(services.run_dir) == {"crash.zip.partial"}


async def test_an_upload_whose_data_connection_is_reset_is_marked_partial(services):
    with station_login(services) as ftp:
        data_connection = ftp.transfercmd("STOR reset.zip")
        data_connection.sendall(b"y" * 5_000)
        until_server_received(ftp, 5_000)
        data_connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        data_connection.close()  # RST instead of FIN
        with pytest.raises(ftplib.error_temp, match="426"):
            ftp.voidresp()
    event = await services.wait_for_event("upload_partial", 10 * UNIT)
    assert event.detail["reason"] == "the client reset the data connection"
    assert files_in(services.run_dir) == {"reset.zip.partial"}


async def test_stopping_the_services_marks_an_upload_in_flight_partial(services):
    ftp = station_login(services)
    data_connection = ftp.transfercmd("STOR inflight.zip")
    data_connection.sendall(b"z" * 1_000)
    until_server_received(ftp, 1_000)
    await asyncio.to_thread(services.stop)
    data_connection.close()
    ftp.close()
    partial = [e for e in services.events if e.kind == "upload_partial"]
    assert [e.detail["name"] for e in partial] == ["inflight.zip"]
    assert (services.run_dir / "inflight.zip.partial").read_bytes() == b"z" * 1_000
    assert files_in(services.run_dir) == {"inflight.zip.partial"}


async def test_a_second_upload_of_a_name_replaces_the_first_and_leaves_no_partial(services):
    with station_login(services) as ftp:
        ftp.storbinary("STOR diag.zip", io.BytesIO(b"first"))
        ftp.storbinary("STOR diag.zip", io.BytesIO(b"second"))
    uploads = [e.detail for e in services.events if e.kind == "upload_complete"]
    assert [u["sha256"] for u in uploads] == [sha256(b"first"), sha256(b"second")]
    assert (services.run_dir / "diag.zip").read_bytes() == b"second"
    assert files_in(services.run_dir) == {"diag.zip"}


# -- firmware over FTP ------------------------------------------------------------------


async def test_ftp_retr_of_firmware_gives_the_exact_bytes_and_a_download_event(services):
    name = services.make_firmware("4.4.1-3200", size=200_000)
    served = (services.run_dir / "firmware" / name).read_bytes()
    received = bytearray()
    with station_login(services) as ftp:
        ftp.retrbinary(f"RETR firmware/{name}", received.extend)
    assert bytes(received) == served and firmware_version(received) == "4.4.1-3200"
    download = await services.wait_for_download(10 * UNIT, name)
    assert (download.name, download.size, download.sha256) == (name, len(served), sha256(served))
    assert download.protocol == "ftp"


async def test_the_ftp_firmware_url_works_with_urllib_as_a_simulator_uses_it(services):
    name = services.make_firmware("5.0")
    url = services.firmware_url(name, scheme="ftp")

    def fetch() -> bytes:
        with urllib.request.urlopen(url, timeout=10 * UNIT) as response:
            return response.read()

    assert firmware_version(await asyncio.to_thread(fetch)) == "5.0"
    assert (await services.wait_for_download(10 * UNIT, name)).protocol == "ftp"


async def test_an_upload_that_stalls_past_the_idle_timeout_is_marked_partial(tmp_path):
    # A station that loses power sends neither data nor a FIN: only the idle timeout ends it.
    async with FileServices(tmp_path, idle_timeout=UNIT / 4, login_fail_delay=0) as services:
        ftp = station_login(services)
        data_connection = ftp.transfercmd("STOR stalled.zip")
        data_connection.sendall(b"s" * 2_000)
        event = await services.wait_for_event("upload_partial", 20 * UNIT)
        data_connection.close()
        ftp.close()
    assert event.detail["reason"] == "the data connection stalled past the idle timeout"
    assert files_in(services.run_dir) == {"stalled.zip.partial"}


def test_unregistering_a_closed_socket_whose_fd_now_names_a_file_is_harmless(tmp_path):
    # The race of pyftpdlib's dual-stack passive channel, forced: its socket is closed
    # before its fd is unregistered, and another thread opens a file under that number.
    from chargecheck.files.ftp_server import _RunIOLoop

    loop = _RunIOLoop()
    sock = socket.socket()
    fd = sock.fileno()
    loop.register(fd, object(), loop.READ)
    sock.close()
    reused = os.open(tmp_path / "journal.sqlite", os.O_CREAT | os.O_RDWR)
    try:
        assert reused == fd  # the lowest free number: the one just closed
        loop.unregister(fd)  # epoll answers EPERM for a regular file
        assert fd not in loop.socket_map
    finally:
        os.close(reused)
        loop.close()
