"""Status rules (OCPP 1.6 section 4.9)."""

from __future__ import annotations

from chargecheck.conformance import Severity

from .conftest import good_session
from .journal_trace import TraceWriter


def test_conformant_session_has_no_status_findings(w: TraceWriter) -> None:
    good_session(w)
    assert [r for r in w.rules() if r.startswith("status.")] == []


def test_transition_outside_the_table_is_a_violation_naming_it(w: TraceWriter) -> None:
    w.connect()
    w.boot()
    w.status(1, "Available")
    charging = w.status(1, "Charging")
    reserved = w.status(1, "Reserved")
    found = w.of("status.transition")
    assert [(f.entries, f.severity) for f in found] == [((charging, reserved), Severity.VIOLATION)]
    assert "connector 1: Charging -> Reserved (C7)" in found[0].message


def test_transitions_are_judged_per_connector(w: TraceWriter) -> None:
    w.connect()
    w.boot()
    w.status(1, "Charging")
    w.status(2, "Reserved")
    w.status(1, "SuspendedEV")
    w.status(2, "Preparing")
    w.status(1, "Charging")
    assert w.of("status.transition") == []


def test_repeating_a_status_is_not_a_transition(w: TraceWriter) -> None:
    w.connect()
    w.boot()
    w.status(1, "Finishing")
    w.status(1, "Finishing")
    assert w.of("status.transition") == []


def test_first_status_after_reconnect_is_not_a_transition(w: TraceWriter) -> None:
    w.connect()
    w.status(1, "Charging")
    w.close()
    w.connect()
    w.status(1, "Reserved")
    assert w.of("status.transition") == []


def test_first_status_after_boot_notification_is_not_a_transition(w: TraceWriter) -> None:
    w.connect()
    w.boot()
    w.status(1, "Charging")
    w.boot()
    w.status(1, "Reserved")
    assert w.of("status.transition") == []


def test_without_reconnect_or_boot_the_same_change_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    w.status(1, "Charging")
    w.heartbeat()
    w.status(1, "Reserved")
    assert len(w.of("status.transition")) == 1


def test_schema_invalid_status_is_left_to_the_schema_rule(w: TraceWriter) -> None:
    w.connect()
    w.status(1, "Charging")
    w.status(1, "Occupied")
    w.status(1, "Charging")
    assert w.rules() == ["wire.schema"]


def test_connector_zero_reporting_a_connector_status_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    w.status(0, "Available")
    w.status(0, "Unavailable")
    w.status(0, "Faulted", "InternalError")
    charging = w.status(0, "Charging")
    found = w.of("status.connector_zero")
    assert [f.entries for f in found] == [(charging,)]
    assert w.of("status.transition") == []


def test_error_code_with_a_status_other_than_faulted_is_a_note(w: TraceWriter) -> None:
    # Section 4.9: "When the 'status' field is not Faulted, the condition should be
    # reported as a warning instead of an error": allowed, so a note, never a warning.
    w.connect()
    w.status(1, "Available")
    noted = w.status(1, "Charging", "HighTemperature")
    w.status(1, "Faulted", "HighTemperature")
    found = w.of("status.error_code")
    assert [(f.entries, f.severity) for f in found] == [((noted,), Severity.NOTE)]
    assert "errorCode HighTemperature with status Charging" in found[0].message


def test_faulted_with_no_error_is_a_warning(w: TraceWriter) -> None:
    w.connect()
    faulted = w.status(2, "Faulted", "NoError")
    w.status(2, "Faulted", "GroundFailure")
    found = w.of("status.faulted_no_error")
    assert [(f.entries, f.severity) for f in found] == [((faulted,), Severity.WARNING)]


def _minimum_status_duration(w: TraceWriter, seconds: str) -> None:
    w.command(
        "ChangeConfiguration",
        {"key": "MinimumStatusDuration", "value": seconds},
        {"status": "Accepted"},
    )


def test_a_status_held_back_by_minimum_status_duration_makes_a_joined_move_a_note(
    w: TraceWriter,
) -> None:
    # Section 9.1: a status shorter than MinimumStatusDuration is not sent, so Finishing ->
    # (Preparing, too short to report) -> Charging shows as Finishing -> Charging.
    w.connect()
    w.boot()
    _minimum_status_duration(w, "5")
    finishing = w.status(1, "Finishing")
    charging = w.status(1, "Charging")
    assert w.of("status.transition") == []
    found = w.of("status.transition_explained")
    assert [(f.severity, f.entries) for f in found] == [(Severity.NOTE, (finishing, charging))]
    assert found[0].message == (
        "connector 1: Finishing -> Charging (F3) is not in the table of section 4.9; with "
        "MinimumStatusDuration 5 s it may be Finishing -> Available or Preparing or Unavailable or "
        "Faulted -> Charging, the status between too short to be reported"
    )


def test_without_minimum_status_duration_a_joined_move_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    w.boot()
    _minimum_status_duration(w, "0")
    w.status(1, "Finishing")
    w.status(1, "Charging")
    assert len(w.of("status.transition")) == 1
    assert w.of("status.transition_explained") == []
