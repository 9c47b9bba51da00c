"""Loading a run from the journal: frames decoded and paired, identity, findings."""

from __future__ import annotations

import pytest

from chargecheck.report import ReportError, finding_from_record, load_run
from chargecheck.script.verdict import Outcome, Verdict
from tests.report.recorded import BOOT, STATION, Recorder, StepClock


def test_loaded_run_carries_info_verdicts_in_row_order_and_findings(report):
    assert report.kind == "bench" and report.settings == "bench"
    assert report.central_system == "chargecheck 0.1.0" and report.bench_version == "0.1.0"
    assert [v.row for v in report.verdicts] == [1, 2, 3, 4, 6, 10, 17, 18]
    assert all(isinstance(v, Verdict) for v in report.verdicts)
    assert report.counts() == {
        Outcome.PASS: 5,
        Outcome.FAIL: 1,
        Outcome.NOT_TESTED: 1,
        Outcome.ERROR: 1,
    }
    assert report.outcome is Outcome.FAIL
    assert [f.severity for f in report.findings] == ["warning", "violation", "note"]
    assert report.ended_utc is not None


def test_station_identity_comes_from_row_one_request(report):
    station = report.station
    assert station.identity == STATION
    assert (station.vendor, station.model, station.serial_number, station.firmware_version) == (
        "Alfen BV",
        "NG920-61002",
        "ace0001593",
        "4.4.0-3106",
    )
    assert station.boot == BOOT


def test_station_frames_are_decoded_from_raw_text_though_their_columns_are_empty(recorded, report):
    _, rec = recorded
    boot = report.entry(rec.ids["boot"])
    assert boot is not None
    assert (boot.direction, boot.message_type, boot.action, boot.unique_id) == (
        "in",
        "CALL",
        "BootNotification",
        "st-1",
    )
    assert boot.payload == BOOT


def test_a_reply_is_paired_with_the_call_of_the_same_id_sent_the_other_way(recorded, report):
    _, rec = recorded
    call, result = report.entry(rec.ids["getconfig"]), report.entry(rec.ids["getconfig.result"])
    assert call is not None and result is not None
    assert result.message_type == "CALLRESULT" and result.direction == "in"
    assert result.action == "GetConfiguration"
    assert (call.partner, result.partner) == (result.id, call.id)


def test_a_call_without_reply_has_no_partner_and_a_bad_frame_keeps_its_text(recorded, report):
    _, rec = recorded
    clear = report.entry(rec.ids["clearcache"])
    assert clear is not None and clear.partner is None and clear.action == "ClearCache"
    bad = report.entry(rec.ids["bad"])
    assert bad is not None and bad.message_type is None
    assert bad.decode_error and "JSON" in bad.decode_error
    assert bad.raw == '[2, "st-x", "Heartbeat" | not json'


def test_events_are_entries_without_direction(report):
    kinds = [e.kind for e in report.entries if not e.is_frame]
    assert kinds == ["connect", "close", "connect", "bad_frame"]


def test_evidence_frames_include_the_partner_of_each_frame(recorded, report):
    _, rec = recorded
    frames = report.evidence_frames([rec.ids["remotestart"]])
    assert [f.id for f in frames] == [rec.ids["remotestart"], rec.ids["remotestart.result"]]
    assert report.evidence_frames([999_999]) == []


def _bare_run(tmp_path, **info):
    from chargecheck.journal import Journal

    clock = StepClock()
    journal = Journal(tmp_path / "bare.sqlite", clock.utc_text, clock.mono)
    run_id = journal.start_run("demo", None, **info)
    return journal, Recorder(journal, clock, run_id, station="CP7")


def test_identity_falls_back_to_run_info_boot_then_to_the_first_boot_frame(tmp_path):
    journal, rec = _bare_run(tmp_path, boot={"chargePointModel": "FromInfo"})
    rec.station_call("BootNotification", {"chargePointModel": "FromFrame"}, {"status": "x"})
    assert load_run(journal, rec.run_id).station.model == "FromInfo"
    other = journal.start_run("demo", None)
    rec.run_id = other
    rec.station_call(
        "BootNotification",
        {"chargePointVendor": "V", "chargePointModel": "FromFrame", "firmwareVersion": "9"},
        {"status": "Accepted"},
    )
    loaded = load_run(journal, other)
    assert (loaded.station.model, loaded.station.firmware_version) == ("FromFrame", "9")
    assert loaded.station.identity == "CP7"  # the run has no station: the frames name it
    assert loaded.central_system.startswith("chargecheck ")
    journal.close()


def test_a_run_without_verdicts_is_an_error_not_a_pass(tmp_path):
    journal, rec = _bare_run(tmp_path)
    assert load_run(journal, rec.run_id).outcome is Outcome.ERROR
    journal.close()


def test_unknown_run_and_unreadable_verdict_raise_report_error(tmp_path):
    journal, rec = _bare_run(tmp_path)
    with pytest.raises(ReportError, match="no run 99"):
        load_run(journal, 99)
    journal.add_record(rec.run_id, "verdict", {"schema_version": 7, "row": 3})
    with pytest.raises(ReportError, match="unreadable verdict record \\(row 3\\)"):
        load_run(journal, rec.run_id)
    journal.close()


def test_finding_records_map_from_the_conformance_names_and_other_spellings():
    conformance = finding_from_record(
        {
            "schema": 1,
            "severity": "violation",
            "rule": "status.transition",
            "section": "OCPP 1.6 section 4.9",
            "text": "StatusNotification transitions follow the table",
            "message": "Charging -> Reserved",
            "station": None,
            "entries": [4, "5"],
            "connector_id": 1,
        }
    )
    assert (conformance.severity, conformance.rule, conformance.message) == (
        "violation",
        "status.transition",
        "Charging -> Reserved",
    )
    assert conformance.title == (
        "StatusNotification transitions follow the table (OCPP 1.6 section 4.9)"
    )
    assert conformance.evidence == (4, 5) and conformance.station == ""
    assert conformance.extra == {"connector_id": 1}
    other = finding_from_record(
        {"level": "Warning", "rule_id": "x.y", "title": "T", "detail": "D", "evidence": 9}
    )
    assert (other.severity, other.rule, other.title, other.message, other.evidence) == (
        "warning",
        "x.y",
        "T",
        "D",
        (9,),
    )
    assert finding_from_record({"section": "OCPP-J 4"}).title == "OCPP-J 4"
    assert finding_from_record({}).severity == "note"


def test_passwords_in_urls_never_reach_a_report():
    from chargecheck.journal.store import Entry
    from chargecheck.report.model import decode_entry, redact_credentials

    raw = '[2,"a","GetDiagnostics",{"location":"ftp://cc-ab12:S3cr3tPw@127.0.0.1:2121/"}]'
    shown = decode_entry(Entry(1, 1, "CP1", "t", 0.0, "frame_out", raw=raw))
    assert "S3cr3tPw" not in (shown.raw or "") and "S3cr3tPw" not in str(shown.payload)
    assert shown.payload == {"location": "ftp://cc-ab12:***@127.0.0.1:2121/"}
    assert redact_credentials("http://host/x@y") == "http://host/x@y"
