"""The version in the run's reports: the header of every format names the OCPP version
the station connected with ("OCPP 2.0.1", "OCPP 1.6"), read from the journal's connect
entry; a 2.0.1 station's name comes from its ChargingStationType."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from chargecheck.journal.store import Entry
from chargecheck.report import load_run
from chargecheck.report.json_report import report_document
from chargecheck.report.junit import render_junit
from chargecheck.report.markdown import render_markdown
from chargecheck.report.model import decode_entry, ocpp_version
from tests.report.recorded import record_run
from tests.v201.station import connected


def _junit_properties(report) -> dict[str | None, str | None]:
    suite = ET.fromstring(render_junit(report)).find("testsuite")
    assert suite is not None
    return {p.get("name"): p.get("value") for p in suite.iter("property")}


async def test_the_reports_of_a_2_0_1_run_name_the_version_and_the_station(central, journal):
    async with connected(central) as station:
        await station.boot()
    journal.end_run(central.run_id)
    report = load_run(journal, central.run_id)
    assert report.station.ocpp_version == "2.0.1"
    assert (report.station.vendor, report.station.model) == ("Example Vendor", "EX-201")
    assert (report.station.serial_number, report.station.firmware_version) == ("SN201", "1.0")
    assert "Protocol: OCPP 2.0.1  " in render_markdown(report).splitlines()
    assert report_document(report)["station"]["ocpp_version"] == "2.0.1"
    assert _junit_properties(report)["station.ocpp_version"] == "2.0.1"


def test_the_reports_of_a_1_6_run_name_ocpp_1_6(tmp_path):
    journal, rec = record_run(tmp_path / "journal.sqlite")
    try:
        report = load_run(journal, rec.run_id)
    finally:
        journal.close()
    assert report.station.ocpp_version == "1.6"
    assert "Protocol: OCPP 1.6  " in render_markdown(report).splitlines()
    assert report_document(report)["station"]["ocpp_version"] == "1.6"
    assert _junit_properties(report)["station.ocpp_version"] == "1.6"


def _connect(station: str, **detail) -> Entry:
    return Entry(1, None, station, "2026-12-07T05:00:00Z", 0.0, "connect", detail=detail)


def test_the_version_is_the_first_connection_of_the_station_or_empty_if_none():
    first = [_connect("OTHER", subprotocol="ocpp1.6"), _connect("CP1", subprotocol="ocpp2.0.1")]
    later = [_connect("CP1", subprotocol="ocpp1.6")]
    assert ocpp_version("CP1", map(decode_entry, first + later)) == "2.0.1"
    assert ocpp_version("CP1", map(decode_entry, [_connect("CP1", subprotocol="ocpp9")])) == "ocpp9"
    assert ocpp_version("CP1", map(decode_entry, [_connect("OTHER", subprotocol="ocpp1.6")])) == ""
