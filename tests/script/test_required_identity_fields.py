"""Row 1's required identity fields are a setting (issue #13): by default the seed's list
(iccid included); an operator whose chargers have no modem leaves iccid out. The result
says which fields were required and which were missing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chargecheck.clock import Clock
from chargecheck.script.cases import row01_boot_notification
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import NonInteractiveOperator
from chargecheck.script.runner import run_case
from chargecheck.script.settings import Settings, SettingsError, load
from chargecheck.script.verdict import Outcome, Verdict
from tests.conftest import UNIT
from tests.script.handmade_station import BOOT, HandmadeStation

SEED_LIST = ("chargePointSerialNumber", "iccid", "chargePointVendor", "firmwareVersion")


async def _row1(central, settings: Settings) -> Verdict:
    assert "iccid" not in BOOT  # a charger without a modem
    async with HandmadeStation(central):
        session = await central.wait_for_station("CP1", 10 * UNIT)
        ctx = CaseContext(session, settings, NonInteractiveOperator(), central)
        return await run_case(row01_boot_notification.CASE, ctx, Clock())


async def test_a_station_without_iccid_passes_row1_when_iccid_is_not_required(central):
    fields = ("chargePointSerialNumber", "firmwareVersion")
    verdict = await _row1(central, replace(load("demo"), required_identity_fields=fields))
    assert verdict.outcome is Outcome.PASS, verdict.result
    required = "chargePointVendor, chargePointModel, chargePointSerialNumber, firmwareVersion"
    assert verdict.result == f"OK, required fields all present: {required}"
    assert verdict.values["required_fields"] == required.split(", ")
    assert verdict.values["missing_fields"] == []
    assert verdict.values["request"]["iccid"] == "unset"


async def test_a_station_without_iccid_fails_row1_naming_iccid_when_it_is_required(central):
    verdict = await _row1(central, load("demo"))
    assert verdict.outcome is Outcome.FAIL
    assert verdict.result == (
        "FAIL: contains the required identity fields: iccid is missing (required: "
        "chargePointVendor, chargePointModel, chargePointSerialNumber, iccid, firmwareVersion)"
    )
    assert verdict.values["missing_fields"] == ["iccid"]


def test_the_default_is_the_seeds_list_iccid_included():
    for settings in (Settings(), load("bench"), load("demo")):
        assert set(settings.required_identity_fields) == {*SEED_LIST, "chargePointModel"}
        assert settings.required_identity_fields[:2] == ("chargePointSerialNumber", "iccid")


def test_a_settings_file_sets_the_required_identity_fields(tmp_path):
    path = tmp_path / "lab.toml"
    path.write_text('required_identity_fields = ["chargePointSerialNumber", "imsi"]\n')
    assert load(path).required_identity_fields == ("chargePointSerialNumber", "imsi")
    path.write_text("required_identity_fields = []\n")
    assert load(path).required_identity_fields == ()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"iccid"', "must be a list of BootNotification field names, got 'iccid'"),
        ("[1, 2]", "must be a list of BootNotification field names, got \\[1, 2\\]"),
        ('["iccid", "simCard"]', "unknown BootNotification field 'simCard' \\(the fields are"),
        ('["iccid", "iccid"]', "names iccid more than once"),
    ],
    ids=["not-a-list", "not-names", "unknown-field", "repeated"],
)
def test_a_bad_required_identity_fields_value_is_a_settings_error(tmp_path, value, message):
    path = tmp_path / "bad.toml"
    path.write_text(f"required_identity_fields = {value}\n")
    with pytest.raises(SettingsError, match="setting 'required_identity_fields'.*" + message):
        load(path)
