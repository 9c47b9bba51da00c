"""UpdateFirmware with files that are not chargecheck images (OCPP 1.6 sections 5.19, 4.5,
4.2; issue #14): by default any non-empty file installs and the station boots with a
version derived from the file; ``firmware_check = "manifest"`` in the charger profile keeps
InstallationFailed for such a file; an unreachable location or an empty file is a failed
download, DownloadFailed after ``retries`` tries ``retryInterval`` seconds apart.

Over a real HTTP server on 127.0.0.1 (``http_files``), except the rules themselves
(plain calls) and the spacing of the tries (the station model with its time a number)."""

from __future__ import annotations

import hashlib
import random
import socket
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from chargecheck.clock import utc_iso
from chargecheck.protocol.firmware_image import firmware_image
from chargecheck.sim.configuration import ConfigurationError
from chargecheck.sim.firmware import (
    FirmwareFormatError,
    derived_version,
    firmware_check,
    installed_version,
)

from .conftest import WAIT
from .test_station_model import EPOCH, Pair

RUNNING = "4.4.0-3106"  # the firmwareVersion of the alfen-ng920 profile


def profile_with_check(tmp_path: Path, check: str) -> Path:
    """A copy of the shipped charger profile whose firmware_check is ``check``."""
    shipped = resources.files("chargecheck.sim").joinpath("profiles", "alfen-ng920.toml")
    text = shipped.read_text(encoding="utf-8")
    assert text.count('firmware_check = "any"') == 1
    path = tmp_path / f"alfen-{check}.toml"
    path.write_text(text.replace('firmware_check = "any"', f'firmware_check = "{check}"'))
    return path


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections: bound, never listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def statuses(session, cursor) -> list[str]:
    return [m.payload["status"] for m in session.received("FirmwareStatusNotification", cursor)]


async def update_and_wait_for(sim, session, request: dict, final: str) -> list[str]:
    """Send UpdateFirmware (retrieveDate now) and wait for the FirmwareStatusNotification
    ``final``; every status reported since the call."""
    cursor = session.mark()
    request = {"retrieveDate": utc_iso(sim.clock.utc()), **request}
    assert await session.call("UpdateFirmware", request, WAIT) == {}
    await session.expect("FirmwareStatusNotification", lambda p: p["status"] == final, WAIT, cursor)
    return statuses(session, cursor)


# -- over the network ------------------------------------------------------------------------


async def test_any_file_installs_and_the_station_boots_with_the_running_version_plus_its_digest(
    bench, http_files
):
    data = random.Random(14).randbytes(64 * 1024)
    http_files.files["/vendor/ng9-update.bin"] = data
    expected = f"{RUNNING}+{hashlib.sha256(data).hexdigest()[:8]}"
    sim, session = await bench.start()
    cursor = session.mark()
    request = {"location": http_files.url("/vendor/ng9-update.bin")}
    assert await update_and_wait_for(sim, session, request, "Installed") == [
        "Downloading",
        "Downloaded",
        "Installing",
        "Installed",
    ]
    boot = await session.expect("BootNotification", timeout=WAIT, cursor=cursor)
    assert boot.payload["firmwareVersion"] == expected
    assert http_files.requests == ["/vendor/ng9-update.bin"]
    await sim.wait_booted(WAIT)
    assert sim.firmware_version == expected


async def test_with_firmware_check_manifest_a_file_without_manifest_ends_installation_failed(
    bench, http_files, tmp_path
):
    http_files.files["/junk"] = b"MZ\x90\x00 not an image"
    sim, session = await bench.start(profile=profile_with_check(tmp_path, "manifest"))
    cursor = session.mark()
    request = {"location": http_files.url("/junk")}
    assert await update_and_wait_for(sim, session, request, "InstallationFailed") == [
        "Downloading",
        "Downloaded",
        "Installing",
        "InstallationFailed",
    ]
    assert session.received("BootNotification", cursor) == []
    assert sim.firmware_version == RUNNING


async def test_an_unreachable_location_ends_download_failed_after_retries_tries(bench, closed_port):
    sim, session = await bench.start()
    cursor = session.mark()
    request = {
        "location": f"http://127.0.0.1:{closed_port}/fw.bin",
        "retries": 3,
        "retryInterval": 2,
    }
    assert await update_and_wait_for(sim, session, request, "DownloadFailed") == [
        "Downloading",
        "Downloading",
        "Downloading",
        "DownloadFailed",
    ]
    assert session.received("BootNotification", cursor) == []
    assert sim.firmware_version == RUNNING


async def test_an_empty_file_is_a_failed_download_ending_download_failed_after_retries_tries(
    bench, http_files
):
    http_files.files["/empty.bin"] = b""
    sim, session = await bench.start()
    cursor = session.mark()
    request = {"location": http_files.url("/empty.bin"), "retries": 2, "retryInterval": 2}
    assert await update_and_wait_for(sim, session, request, "DownloadFailed") == [
        "Downloading",
        "Downloading",
        "DownloadFailed",
    ]
    assert http_files.requests == ["/empty.bin", "/empty.bin"]
    assert session.received("BootNotification", cursor) == []
    assert sim.firmware_version == RUNNING


# -- the tries, in station time --------------------------------------------------------------


@pytest.mark.parametrize("interval", [0, 7])
def test_the_tries_come_retry_interval_seconds_apart_and_zero_means_at_once(tmp_path, interval):
    pair = Pair(tmp_path / "s.sqlite")  # every transfer it performs fails
    pair.connect()
    request = {"location": "http://127.0.0.1:9/fw", "retrieveDate": utc_iso(EPOCH)}
    pair.call("UpdateFirmware", {**request, "retries": 3, "retryInterval": interval})

    def reported() -> list[str]:
        return [p["status"] for p in pair.sent("FirmwareStatusNotification")]

    pair.advance(0)
    if interval:
        assert reported() == ["Downloading"]
        pair.advance(interval - 0.5)
        assert reported() == ["Downloading"]
        pair.advance(0.5 + interval)
    assert reported() == ["Downloading"] * 3 + ["DownloadFailed"]


# -- the rules ------------------------------------------------------------------------------


def test_a_firmware_image_installs_the_version_its_manifest_names_under_either_check():
    image = firmware_image("4.5.0-9999")
    assert installed_version(image, RUNNING, "any") == "4.5.0-9999"
    assert installed_version(image, RUNNING, "manifest") == "4.5.0-9999"


def test_a_file_without_manifest_gets_the_running_version_plus_the_digest_unless_manifest():
    data = b"\x7fELF vendor image"
    digest = hashlib.sha256(data).hexdigest()[:8]
    assert installed_version(data, RUNNING, "any") == f"{RUNNING}+{digest}"
    with pytest.raises(FirmwareFormatError, match='firmware_check = "manifest"'):
        installed_version(data, RUNNING, "manifest")


def test_a_second_file_replaces_the_build_suffix_and_the_same_file_gives_the_same_version():
    first, second = b"update one", b"update two"
    once = derived_version(RUNNING, first)
    twice = derived_version(once, second)
    assert twice == derived_version(RUNNING, second)
    assert twice.partition("+")[0] == RUNNING
    assert derived_version(twice, first) == once


def test_the_derived_version_fits_cistring50_and_needs_no_running_version():
    digest = hashlib.sha256(b"x").hexdigest()[:8]
    assert derived_version("v" * 50, b"x") == "v" * 41 + "+" + digest
    assert derived_version("", b"x") == digest


def test_the_shipped_profile_installs_any_file_and_an_unknown_check_is_refused_in_one_line(
    tmp_path,
):
    assert firmware_check("alfen-ng920") == "any"
    assert firmware_check(profile_with_check(tmp_path, "manifest")) == "manifest"
    strict = profile_with_check(tmp_path, "strict")
    with pytest.raises(ConfigurationError) as refused:
        firmware_check(strict)
    message = str(refused.value)
    assert "\n" not in message
    assert str(strict) in message and "'strict'" in message
    assert '"any"' in message and '"manifest"' in message


def test_a_station_whose_profile_names_an_unknown_check_fails_at_power_on(tmp_path):
    with pytest.raises(ConfigurationError, match="firmware_check"):
        Pair(tmp_path / "s.sqlite", profile=profile_with_check(tmp_path, "strict"))
