"""Wire rules (OCPP-J 1.6 sections 4.1 and 4.2): each rule fires on a trace that breaks
it and stays silent on one that does not."""

from __future__ import annotations

import json

from chargecheck.conformance import CheckSettings, Severity

from .conftest import good_session
from .journal_trace import TraceWriter


def test_conformant_session_has_no_wire_findings(w: TraceWriter) -> None:
    good_session(w)
    assert [r for r in w.rules() if r.startswith("wire.")] == []


def test_malformed_frame_is_a_violation_naming_the_frame(w: TraceWriter) -> None:
    w.connect()
    bad = w.station_raw('{"not": "an array"}')
    w.station_raw("[2, 'single quotes'")
    w.boot()
    found = w.of("wire.frame")
    assert [f.entries for f in found] == [(bad,), (bad + 1,)]
    assert found[0].severity is Severity.VIOLATION
    assert "non-empty JSON array" in found[0].message


def test_binary_frame_is_a_violation_even_when_it_decodes(w: TraceWriter) -> None:
    w.connect()
    entry = w.station_raw(json.dumps([2, "s1", "Heartbeat", {}]), binary=True)
    assert [(f.rule, f.entries) for f in w.findings()] == [("wire.frame", (entry,))]


def test_call_of_a_central_system_action_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    reset_id, entry = w.station_call("Reset", {"type": "Soft"})
    w.bench_raw([4, reset_id, "NotSupported", "", {}])
    boot_id, _ = w.station_call("Boot", {})
    w.bench_raw([4, boot_id, "NotImplemented", "", {}])
    assert [f.rule for f in w.findings()] == ["wire.action", "wire.action"]
    assert w.of("wire.action")[0].entries == (entry, entry + 1)


def test_call_breaking_the_schema_is_a_violation_even_when_the_run_went_on(
    w: TraceWriter,
) -> None:
    w.connect()
    w.boot()
    unique_id, entry = w.station_call(
        "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Plugged"}
    )
    reply = w.bench_raw([4, unique_id, "PropertyConstraintViolation", "status", {}])
    w.status(1, "Available")
    found = w.of("wire.schema")
    assert [(f.entries, f.severity) for f in found] == [((entry, reply), Severity.VIOLATION)]
    assert "PropertyConstraintViolation" in found[0].message


def test_schema_valid_calls_give_no_schema_finding(w: TraceWriter) -> None:
    w.connect()
    w.boot()
    w.status(1, "Available", info="all fine")
    assert w.of("wire.schema") == []


def test_callresult_breaking_the_response_schema_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    w.command("ChangeAvailability", {"connectorId": 1, "type": "Inoperative"}, {"status": "Ok"})
    w.command("ChangeAvailability", {"connectorId": 1, "type": "Operative"}, {"status": "Accepted"})
    found = w.of("wire.result_schema")
    assert len(found) == 1 and "ChangeAvailability" in found[0].message


def test_reusing_a_unique_id_in_flight_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    _, first = w.station_call("Heartbeat", {}, unique_id="dup")
    _, second = w.station_call("Heartbeat", {}, unique_id="dup")
    w.bench_result("dup", {"currentTime": w.ts()})
    w.bench_result("dup", {"currentTime": w.ts()})
    found = w.of("wire.unique_id_in_flight")
    assert [f.entries for f in found] == [(first, second)]
    assert w.of("wire.unique_id_reused") == []


def test_reusing_an_answered_unique_id_is_a_warning_only(w: TraceWriter) -> None:
    w.connect()
    _, first = w.station_call("Heartbeat", {}, unique_id="same")
    w.bench_result("same", {"currentTime": w.ts()})
    _, second = w.station_call("Heartbeat", {}, unique_id="same")
    w.bench_result("same", {"currentTime": w.ts()})
    assert w.of("wire.unique_id_in_flight") == []
    found = w.of("wire.unique_id_reused")
    assert [(f.entries, f.severity) for f in found] == [((first, second), Severity.WARNING)]


def test_same_unique_id_on_a_new_connection_is_fine(w: TraceWriter) -> None:
    w.connect()
    w.station_call("Heartbeat", {}, unique_id="1")
    w.close()
    w.connect()
    w.station_call("Heartbeat", {}, unique_id="1")
    w.bench_result("1", {"currentTime": w.ts()})
    assert not any(r.startswith("wire.unique_id") for r in w.rules())


def test_second_call_before_the_first_is_answered_is_a_warning(w: TraceWriter) -> None:
    w.connect()
    boot_id, boot = w.station_call(
        "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}
    )
    w.tick(1)
    status_id, status = w.station_call(
        "StatusNotification", {"connectorId": 0, "errorCode": "NoError", "status": "Available"}
    )
    w.bench_result(boot_id, {"status": "Accepted", "currentTime": w.ts(), "interval": 60})
    w.bench_result(status_id, {})
    found = w.of("wire.one_call_at_a_time")
    assert [(f.entries, f.severity) for f in found] == [((boot, status), Severity.WARNING)]
    assert "BootNotification" in found[0].message


def test_next_call_after_the_previous_timed_out_is_fine(w: TraceWriter) -> None:
    w.connect()
    w.station_call("Heartbeat", {})
    w.tick(31)
    w.heartbeat()
    assert w.of("wire.one_call_at_a_time", CheckSettings(call_timeout=30)) == []
    assert len(w.of("wire.one_call_at_a_time", CheckSettings(call_timeout=60))) == 1


def test_bench_call_without_answer_before_close_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    _, call = w.bench_call("Reset", {"type": "Hard"})
    w.tick(2)
    close = w.close()
    found = w.of("wire.unanswered")
    assert [f.entries for f in found] == [(call, close)]
    assert "closed 2.0 s later" in found[0].message


def test_bench_call_without_answer_at_journal_end_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    _, call = w.bench_call("ClearCache", {})
    w.tick(31)
    w.heartbeat()
    found = w.of("wire.unanswered")
    assert [f.entries for f in found] == [(call,)]
    assert "end of the journal" in found[0].message


def test_a_journal_ending_within_the_call_timeout_gave_no_time_to_answer(
    w: TraceWriter,
) -> None:
    w.connect()
    w.bench_call("ClearCache", {})
    w.tick(5)
    w.heartbeat()
    assert w.of("wire.unanswered") == []


def test_answered_bench_calls_give_no_unanswered_finding(w: TraceWriter) -> None:
    w.connect()
    w.command("ClearCache", {}, {"status": "Accepted"})
    unique_id, _ = w.bench_call("ClearCache", {})
    w.station_error(unique_id, "NotSupported")
    w.close()
    assert w.of("wire.unanswered") == []


def test_answer_later_than_the_call_timeout_is_a_warning(w: TraceWriter) -> None:
    # OCPP-J 1.6 sets no answer time: the call timeout is the bench's tolerance.
    w.connect()
    call = w.command("ClearCache", {}, {"status": "Accepted"}, after=12)
    w.command("ClearCache", {}, {"status": "Accepted"}, after=8)
    found = w.of("wire.late_reply", CheckSettings(call_timeout=10))
    assert [(f.entries[0], f.severity) for f in found] == [(call, Severity.WARNING)]
    assert "after 12.0 s" in found[0].message


def test_reply_for_an_unknown_unique_id_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    stray = w.station_result("never-sent", {"status": "Accepted"})
    found = w.of("wire.unknown_reply")
    assert [f.entries for f in found] == [(stray,)]
    assert "no CALL of the bench had that id" in found[0].message


def test_second_reply_to_one_call_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    unique_id, _ = w.bench_call("ClearCache", {})
    w.station_result(unique_id, {"status": "Accepted"})
    again = w.station_result(unique_id, {"status": "Accepted"})
    found = w.of("wire.unknown_reply")
    assert [f.entries for f in found] == [(again,)]
    assert "was answered" in found[0].message


def test_reply_on_a_new_connection_to_a_call_of_the_old_one_is_a_violation(
    w: TraceWriter,
) -> None:
    w.connect()
    unique_id, _ = w.bench_call("ClearCache", {})
    w.close()
    w.connect()
    late = w.station_error(unique_id, "InternalError")
    found = w.of("wire.unknown_reply")
    assert [f.entries for f in found] == [(late,)]
    assert "ended with connection 1" in found[0].message
    assert "CALLERROR" in found[0].message


def test_callerror_from_the_station_is_a_note_naming_action_and_code(w: TraceWriter) -> None:
    w.connect()
    unique_id, call = w.bench_call("GetDiagnostics", {"location": "ftp://127.0.0.1/"})
    error = w.station_error(unique_id, "NotSupported", "no diagnostics")
    w.command("ClearCache", {}, {"status": "Accepted"})
    found = w.of("wire.call_error")
    assert [(f.entries, f.severity) for f in found] == [((call, error), Severity.NOTE)]
    assert found[0].message == "answered GetDiagnostics with CALLERROR NotSupported: no diagnostics"
