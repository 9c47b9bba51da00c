"""FileServices as a whole: one directory and one password per run, URLs, waits, stop."""

from __future__ import annotations

import asyncio
import ftplib
import io
import socket
import threading
from urllib.parse import urlsplit

import pytest

from chargecheck.files import FileServiceError, FileServices, FileWaitTimeout, journal_sink
from tests.conftest import UNIT
from tests.files.conftest import sha256, station_login


def our_threads() -> list[str]:
    return [
        t.name
        for t in threading.enumerate()
        if t.name.startswith("chargecheck-") or "process_request" in t.name
    ]


def assert_released(port: int) -> None:
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=10 * UNIT).close()
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))  # raises EADDRINUSE while anything still listens
        probe.listen()


def test_stop_closes_every_connection_releases_both_ports_and_ends_every_thread(tmp_path):
    services = FileServices(tmp_path, login_fail_delay=0).start()
    ftp_port, http_port = services.ftp_port, services.http_port
    ftp = station_login(services)  # a station still connected when the run ends
    http = socket.create_connection(("127.0.0.1", http_port))  # and an idle HTTP client
    http.sendall(b"GET /firmware/")  # half a request: its thread waits for the rest
    assert len(our_threads()) >= 2
    services.stop()
    assert our_threads() == []
    assert ftp.sock.recv(100) == b""  # the server hung up on the station
    ftp.close()
    http.close()
    assert_released(ftp_port)
    assert_released(http_port)
    services.stop()  # a second stop is harmless


async def test_the_async_context_manager_starts_and_stops(tmp_path):
    async with FileServices(tmp_path) as services:
        ftp_port = services.ftp_port
        assert our_threads()
    assert our_threads() == []
    assert_released(ftp_port)


@pytest.mark.parametrize("server", ["ftp", "http"])
def test_a_busy_port_is_the_benchs_error_and_leaves_nothing_running(tmp_path, server):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        services = FileServices(tmp_path, **{f"{server}_port": port})
        with pytest.raises(FileServiceError, match=f"cannot listen on 127.0.0.1:{port}"):
            services.start()
    assert our_threads() == []


def test_each_run_gets_its_own_directory_and_its_own_credentials(tmp_path):
    with FileServices(tmp_path) as first, FileServices(tmp_path) as second:
        assert first.run_dir != second.run_dir
        assert first.run_dir.parent == second.run_dir.parent == tmp_path.resolve()
        one, two = urlsplit(first.ftp_url), urlsplit(second.ftp_url)
        assert one.password != two.password and len(one.password or "") >= 16
        assert one.username != two.username


def test_a_run_directory_is_never_reused(tmp_path):
    (tmp_path / "run-7").mkdir()
    with pytest.raises(FileExistsError):
        FileServices(tmp_path, run_name="run-7").start()
    services = FileServices(tmp_path, run_name="run-8")
    with services:
        assert services.run_dir.name == "run-8"
    with pytest.raises(FileServiceError, match="one run"):
        services.start()


def test_the_station_url_carries_the_credentials_and_the_redacted_url_hides_them(services):
    url = urlsplit(services.ftp_url)
    assert (url.scheme, url.hostname, url.port, url.path) == (
        "ftp",
        "127.0.0.1",
        services.ftp_port,
        "/",
    )
    assert url.username == services.user and url.password
    assert services.redacted_url == f"ftp://{services.user}:***@127.0.0.1:{services.ftp_port}/"
    assert url.password not in services.redacted_url and url.password not in repr(services)
    assert services.http_url == f"http://127.0.0.1:{services.http_port}/"


def test_public_host_is_written_into_every_url(tmp_path):
    with FileServices(tmp_path, public_host="bench.example") as services:
        name = services.make_firmware("1.0")
        for url in (services.ftp_url, services.http_url, services.firmware_url(name, "ftp")):
            assert urlsplit(url).hostname == "bench.example"
        assert services.firmware_url(name) == (
            f"http://bench.example:{services.http_port}/firmware/{name}"
        )


def test_every_interface_needs_no_public_host_and_names_no_url_host_by_itself(tmp_path):
    with FileServices(tmp_path, host="0.0.0.0") as services:
        assert services.addresses == ["0.0.0.0"]
        with pytest.raises(FileServiceError, match="every interface"):
            _ = services.http_url  # a station's connection names it (test_station_urls)
        assert f"ftp port {services.ftp_port}" in repr(services)


def test_nothing_is_available_before_start(tmp_path):
    services = FileServices(tmp_path)
    with pytest.raises(FileServiceError, match="start"):
        _ = services.ftp_url
    with pytest.raises(FileServiceError, match="start"):
        services.make_firmware("1.0")
    assert "not started" in repr(services)


async def test_wait_for_upload_sees_an_upload_that_completed_before_the_call(services):
    with station_login(services) as ftp:
        ftp.storbinary("STOR early.zip", io.BytesIO(b"early"))
        ftp.storbinary("STOR other.txt", io.BytesIO(b"other"))
    assert (await services.wait_for_upload(UNIT, "*.txt")).name == "other.txt"
    assert (await services.wait_for_upload(UNIT, "*.zip")).sha256 == sha256(b"early")


async def test_wait_for_upload_waits_for_an_upload_that_comes_later(services):
    waiting = asyncio.create_task(services.wait_for_upload(10 * UNIT, "late.zip"))
    await asyncio.sleep(0)

    def upload() -> None:
        with station_login(services) as ftp:
            ftp.storbinary("STOR late.zip", io.BytesIO(b"late"))

    await asyncio.to_thread(upload)
    assert (await waiting).size == 4


async def test_wait_for_upload_times_out_with_a_clear_error(services):
    with pytest.raises(ftplib.error_perm):
        station_login(services, password="wrong")
    await services.wait_for_event("login_refused", 10 * UNIT)
    with pytest.raises(FileWaitTimeout) as caught:
        await services.wait_for_upload(UNIT / 4, "*.zip")
    message = str(caught.value)
    assert message.startswith("no complete upload matching '*.zip' within 0.05 s")
    assert f"login_refused {services.user}" in message


async def test_a_mark_hides_earlier_uploads_from_a_wait(services):
    with station_login(services) as ftp:
        ftp.storbinary("STOR diag.zip", io.BytesIO(b"before"))
        await services.wait_for_upload(10 * UNIT)
        since = services.mark()
        with pytest.raises(FileWaitTimeout):
            await services.wait_for_upload(UNIT / 4, since=since)
        ftp.storbinary("STOR diag.zip", io.BytesIO(b"after"))
    assert (await services.wait_for_upload(10 * UNIT, since=since)).sha256 == sha256(b"after")


async def test_file_events_reach_the_journal_of_the_run(tmp_path, journal):
    run_id = journal.start_run("test")
    sink = journal_sink(journal, run_id)
    async with FileServices(tmp_path, on_event=sink, login_fail_delay=0) as services:
        name = services.make_firmware("2.0")

        def station() -> None:
            with station_login(services) as ftp:
                ftp.storbinary("STOR diag.zip", io.BytesIO(b"diagnostics"))
                ftp.retrbinary(f"RETR firmware/{name}", lambda chunk: None)

        await asyncio.to_thread(station)
        await services.wait_for_download(10 * UNIT, name)
    kinds = [e.kind for e in journal.entries(run_id)]
    assert kinds == ["file_login_ok", "file_upload_complete", "file_download_complete"]
    upload = next(e for e in journal.entries(run_id) if e.kind == "file_upload_complete")
    assert upload.detail["sha256"] == sha256(b"diagnostics") and upload.detail["seq"] == 1
    password = urlsplit(services.ftp_url).password or "?"
    assert all(password not in str(e.detail) for e in journal.entries(run_id))
