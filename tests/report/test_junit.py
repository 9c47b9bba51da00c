"""The JUnit XML report, read back with a JUnit reader."""

from __future__ import annotations

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from chargecheck.report import render_junit
from tests.report.recorded import STATION


@pytest.fixture
def suite(report, tmp_path):
    path = tmp_path / "report.junit.xml"
    path.write_text(render_junit(report), encoding="utf-8")
    (suite,) = list(JUnitXml.fromfile(str(path)))
    return suite


def test_one_suite_with_one_case_per_row_and_the_right_totals(suite):
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (8, 1, 1, 1)
    assert [case.name for case in suite] == [
        "row01_boot_notification",
        "row02_heartbeat",
        "row03_change_availability",
        "row04_get_configuration",
        "row06_start_charge_transaction",
        "row10_any_hardware_related_notifications_or_error_conditions",
        "row17_clear_cache",
        "row18_trigger_message",
    ]


def test_outcomes_map_to_failure_error_and_skipped_with_the_reason(suite):
    cases = {case.name: case for case in suite}
    (failure,) = cases["row06_start_charge_transaction"].result
    assert isinstance(failure, Failure) and failure.type == "FAIL"
    # The element and its type say FAIL: the message does not say it again.
    assert failure.message == "local start: no Authorize before StartTransaction"
    assert "[FAIL] local start (connector 1)" in failure.text
    (error,) = cases["row17_clear_cache"].result
    assert isinstance(error, Error) and "KeyError" in error.message
    (skipped,) = cases["row10_any_hardware_related_notifications_or_error_conditions"].result
    assert isinstance(skipped, Skipped) and skipped.message.startswith("physical step")
    assert cases["row01_boot_notification"].is_passed
    assert cases["row06_start_charge_transaction"].time == 12.5


def test_system_out_lists_the_criteria(suite):
    cases = {case.name: case for case in suite}
    out = cases["row03_change_availability"].system_out
    assert out.count("[PASS] StatusNotification received (connector") == 3


def test_properties_name_the_station(suite):
    properties = {p.name: p.value for p in suite.properties()}
    assert properties["station.identity"] == STATION
    assert properties["station.model"] == "NG920-61002"
    assert properties["station.firmware_version"] == "4.4.0-3106"
    assert properties["station.vendor"] == "Alfen BV"


def test_control_characters_from_the_station_do_not_break_the_xml(report, tmp_path):
    from dataclasses import replace

    bad = replace(report.verdicts[0], result="OK\x00\x1b[31m")
    path = tmp_path / "bad.xml"
    path.write_text(render_junit(replace(report, verdicts=(bad,))), encoding="utf-8")
    (suite,) = list(JUnitXml.fromfile(str(path)))
    assert "\ufffd" in next(iter(suite)).system_out
