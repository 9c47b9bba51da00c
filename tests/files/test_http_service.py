"""The HTTP firmware server over real sockets on 127.0.0.1: downloads and refusals."""

from __future__ import annotations

import asyncio
import http.client
import urllib.request
from urllib.parse import urlsplit

import pytest

from chargecheck.files import FileServiceError, firmware_version
from tests.conftest import UNIT
from tests.files.conftest import sha256


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10 * UNIT) as response:
        return response.read()


def raw_request(services, method: str, target: str) -> tuple[int, dict[str, str], bytes]:
    """Send ``target`` exactly as written (urllib would normalise it)."""
    url = urlsplit(services.http_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10 * UNIT)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


async def test_http_download_gives_the_exact_bytes_and_a_download_event(services):
    name = services.make_firmware("4.4.1-3200", size=300_000)
    served = (services.run_dir / "firmware" / name).read_bytes()
    received = await asyncio.to_thread(fetch, services.firmware_url(name))
    assert received == served and firmware_version(received) == "4.4.1-3200"
    download = await services.wait_for_download(10 * UNIT, name)
    assert (download.name, download.size, download.sha256) == (name, len(served), sha256(served))
    assert download.protocol == "http"


async def test_a_user_given_firmware_file_is_served_as_a_copy(services, tmp_path):
    vendor = tmp_path / "NG920-4.4.1.bin"
    vendor.write_bytes(bytes(range(256)) * 100)
    name = services.add_firmware(vendor)
    vendor.write_bytes(b"changed after add_firmware")
    received = await asyncio.to_thread(fetch, services.firmware_url(name))
    assert received == bytes(range(256)) * 100
    assert (await services.wait_for_download(10 * UNIT, name)).sha256 == sha256(received)


async def test_head_answers_the_size_without_a_download(services):
    name = services.make_firmware("1.0", size=1234)
    status, headers, body = await asyncio.to_thread(
        raw_request, services, "HEAD", f"/firmware/{name}"
    )
    assert (status, headers["Content-Length"], body) == (200, "1234", b"")
    assert services.events == []


@pytest.mark.parametrize(
    "target",
    ["/firmware/../../outside.txt", "/firmware/%2e%2e/%2e%2e/outside.txt", "/../outside.txt"],
)
async def test_a_request_that_climbs_out_is_refused_and_reported(services, target):
    (services.run_dir.parent / "outside.txt").write_text("not for the station")
    status, _, body = await asyncio.to_thread(raw_request, services, "GET", target)
    assert status == 403 and b"not for the station" not in body
    [event] = services.events
    assert event.kind == "path_refused" and event.detail["attempted"] == target
    assert event.detail["protocol"] == "http"


async def test_a_firmware_symlink_out_of_the_run_directory_is_refused(services, tmp_path):
    (tmp_path / "secret.bin").write_bytes(b"secret")
    (services.run_dir / "firmware" / "link.bin").symlink_to(tmp_path / "secret.bin")
    status, _, body = await asyncio.to_thread(raw_request, services, "GET", "/firmware/link.bin")
    assert status == 403 and b"secret" not in body
    assert [e.kind for e in services.events] == ["path_refused"]


@pytest.mark.parametrize("target", ["/firmware/missing.bin", "/", "/diag.zip"])
async def test_anything_but_an_existing_firmware_file_is_not_found(services, target):
    (services.run_dir / "diag.zip").write_bytes(b"an upload, not firmware")
    status, _, _ = await asyncio.to_thread(raw_request, services, "GET", target)
    assert status == 404 and services.events == []


def test_a_url_for_firmware_that_is_not_served_is_the_benchs_error(services):
    with pytest.raises(FileServiceError, match=r"no firmware 'missing\.bin'"):
        services.firmware_url("missing.bin")
    name = services.make_firmware("1.0")
    with pytest.raises(FileServiceError, match="'gopher'"):
        services.firmware_url(name, scheme="gopher")


def test_adding_a_second_firmware_of_the_same_name_is_refused(services, tmp_path):
    vendor = tmp_path / "fw.bin"
    vendor.write_bytes(b"1")
    services.add_firmware(vendor)
    with pytest.raises(FileServiceError, match="already served"):
        services.add_firmware(vendor)
