"""The simulated station's Local Authorization List without the profile and with its
storage broken (OCPP 1.6 sections 5.10, 5.15, 3.3), the damaged firmware image it will
not install (5.19, 4.5; ``chargecheck.sim.firmware``), and the control request and hook
step that break and repair the list's storage. The station model is driven by plain
calls (``Pair``), the control interface over 127.0.0.1."""

from __future__ import annotations

import json
import random
from importlib import resources
from pathlib import Path

import pytest

from chargecheck.protocol.firmware_image import FORMAT, firmware_image
from chargecheck.script.catalogue.transfer_failures import not_an_image
from chargecheck.script.operator import StepKind
from chargecheck.sim.console import Request, parse_line
from chargecheck.sim.control import ControlServer
from chargecheck.sim.firmware import FirmwareFormatError, damaged_image, installed_version
from chargecheck.sim.step import STEPS, requests_for

from .conftest import WAIT
from .test_command import http
from .test_firmware_any_file import update_and_wait_for
from .test_station_model import Pair

RUNNING = "4.4.0-3106"
SHIPPED = resources.files("chargecheck.sim").joinpath("profiles", "alfen-ng920.toml")
CLAIMED = "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger"


def without_local_lists(tmp_path: Path) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert text.count(CLAIMED) == 1
    path = tmp_path / "no-lists.toml"
    path.write_text(text.replace(CLAIMED, "Core,FirmwareManagement"), encoding="utf-8")
    return path


def full(version: int, *tags: str) -> dict:
    entries = [{"idTag": t, "idTagInfo": {"status": "Accepted"}} for t in tags]
    return {"listVersion": version, "updateType": "Full", "localAuthorizationList": entries}


def booted(pair: Pair) -> Pair:
    pair.connect()
    return pair


# -- the list without the profile (5.10, 5.15) --------------------------------------------------


def test_a_station_without_the_profile_answers_minus_one_and_not_supported(tmp_path):
    pair = booted(Pair(tmp_path / "s.sqlite", profile=without_local_lists(tmp_path)))
    assert pair.call("SendLocalList", full(3, "A1")) == {"status": "NotSupported"}
    assert pair.call("GetLocalListVersion", {}) == {"listVersion": -1}


def test_the_defect_answers_with_a_list_although_the_profile_is_not_claimed(tmp_path):
    pair = booted(
        Pair(
            tmp_path / "s.sqlite",
            profile=without_local_lists(tmp_path),
            defects={"local_list_without_profile"},
        )
    )
    assert pair.call("SendLocalList", full(3, "A1")) == {"status": "Accepted"}
    assert pair.call("GetLocalListVersion", {}) == {"listVersion": 3}


def test_the_shipped_station_claims_the_profile_and_keeps_its_list(tmp_path):
    pair = booted(Pair(tmp_path / "s.sqlite"))
    assert pair.call("SendLocalList", full(2, "A1")) == {"status": "Accepted"}
    assert pair.call("GetLocalListVersion", {}) == {"listVersion": 2}


# -- a list the station cannot store (5.15, 7.47) ------------------------------------------------


def test_with_its_storage_broken_an_update_fails_and_the_list_stays_until_repaired(tmp_path):
    pair = booted(Pair(tmp_path / "s.sqlite"))
    assert pair.call("SendLocalList", full(1, "A1")) == {"status": "Accepted"}
    pair.step(pair.station.set_local_list_failure, True)
    assert pair.call("SendLocalList", full(2, "B2")) == {"status": "Failed"}
    assert pair.call("GetLocalListVersion", {}) == {"listVersion": 1}
    assert set(pair.station.local_list_tags) == {"A1"}
    pair.step(pair.station.set_local_list_failure, False)
    assert pair.call("SendLocalList", full(2, "B2")) == {"status": "Accepted"}
    assert set(pair.station.local_list_tags) == {"B2"}


def test_the_defect_says_accepted_while_nothing_is_stored(tmp_path):
    pair = booted(Pair(tmp_path / "s.sqlite", defects={"local_list_failure_accepted"}))
    pair.step(pair.station.set_local_list_failure, True)
    assert pair.call("SendLocalList", full(5, "C3")) == {"status": "Accepted"}
    assert pair.call("GetLocalListVersion", {}) == {"listVersion": 0}


# -- the control request and the hook's step ----------------------------------------------------


def test_the_hook_steps_break_and_repair_the_storage_of_the_station_itself():
    assert {StepKind.LOCAL_LIST_FAILURE.value, StepKind.CLEAR_LOCAL_LIST_FAILURE.value} <= set(
        STEPS
    )
    assert requests_for("local_list_failure", 0, None) == [("/local_list_failure", {})]
    assert requests_for("clear_local_list_failure", 0, None) == [("/clear_local_list_failure", {})]
    assert parse_line("listfail") == Request("POST", "/local_list_failure", {})
    assert parse_line("listok") == Request("POST", "/clear_local_list_failure", {})


async def test_the_control_requests_break_and_repair_the_storage_of_the_list(bench):
    sim, session = await bench.start()
    async with ControlServer({"CP1": sim}) as control:
        status, _ = await http(control.port, "POST", "/local_list_failure", {})
        assert status == 200 and sim.station.local_list_broken
        request = {"listVersion": 7, "updateType": "Full", "localAuthorizationList": []}
        assert await session.call("SendLocalList", request, WAIT) == {"status": "Failed"}
        status, _ = await http(control.port, "POST", "/clear_local_list_failure", {})
        assert status == 200 and not sim.station.local_list_broken
        assert await session.call("SendLocalList", request, WAIT) == {"status": "Accepted"}


# -- the damaged firmware image (5.19, 4.5) -----------------------------------------------------


@pytest.mark.parametrize("check", ["any", "manifest"])
def test_a_damaged_chargecheck_image_installs_under_neither_check(check):
    with pytest.raises(FirmwareFormatError, match="damaged"):
        installed_version(not_an_image(), RUNNING, check)
    broken = json.dumps({"format": FORMAT, "firmwareVersion": ""}).encode() + b"\npadding"
    with pytest.raises(FirmwareFormatError, match="damaged"):
        installed_version(broken, RUNNING, check)


def test_only_a_manifest_of_the_format_without_a_version_is_damaged():
    assert damaged_image(not_an_image())
    assert not damaged_image(firmware_image("4.5.0-1"))
    assert not damaged_image(random.Random(7).randbytes(4096))  # any other file: "any" installs
    assert not damaged_image(b'{"format":"vendor/2"}\nrest')
    assert not damaged_image(json.dumps({"format": FORMAT}).encode())  # no line: not a manifest
    assert installed_version(b'{"format":"vendor/2"}\nrest', RUNNING, "any").startswith(
        RUNNING + "+"
    )


@pytest.mark.parametrize(
    ("defects", "final"),
    [((), "InstallationFailed"), (("firmware_installs_damaged_image",), "Installed")],
)
async def test_the_bench_s_damaged_image_downloads_then_fails_to_install_unless_the_defect(
    bench, http_files, defects, final
):
    http_files.files["/not-an-image.bin"] = not_an_image()
    sim, session = await bench.start(defects=set(defects))
    request = {"location": http_files.url("/not-an-image.bin")}
    seen = await update_and_wait_for(sim, session, request, final)
    assert seen == ["Downloading", "Downloaded", "Installing", final]
    assert sim.firmware_version == RUNNING  # nothing was installed either way
