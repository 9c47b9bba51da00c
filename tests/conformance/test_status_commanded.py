"""status.transition_explained: a move the table of OCPP 1.6 section 4.9 lacks, made because
the bench commanded it (ChangeAvailability, section 5.2; Reset, section 5.14), is a note and
never a status.transition violation; the same move without such a command still is one."""

from __future__ import annotations

from chargecheck.conformance import Severity

from .journal_trace import TraceWriter


def _change_availability(
    w: TraceWriter, connector: int, kind: str, answer: str = "Accepted"
) -> int:
    return w.command(
        "ChangeAvailability", {"connectorId": connector, "type": kind}, {"status": answer}
    )


def _plugged_in(w: TraceWriter) -> int:
    """A connector with a car and no transaction: connector 1 Preparing."""
    w.connect()
    w.boot()
    w.status(1, "Available")
    return w.status(1, "Preparing")


def test_preparing_to_unavailable_after_accepted_inoperative_is_a_note(w: TraceWriter) -> None:
    preparing = _plugged_in(w)
    command = _change_availability(w, 1, "Inoperative")
    unavailable = w.status(1, "Unavailable")
    assert w.of("status.transition") == []
    found = w.of("status.transition_explained")
    assert [(f.severity, f.entries) for f in found] == [
        (Severity.NOTE, (preparing, command, unavailable))
    ]
    assert found[0].message == (
        "connector 1: Preparing -> Unavailable (B8) is not in the table of section 4.9; it "
        "carried out the bench's ChangeAvailability(Inoperative), answered Accepted"
    )


def test_inoperative_for_connector_zero_covers_every_connector(w: TraceWriter) -> None:
    _plugged_in(w)
    _change_availability(w, 0, "Inoperative")
    w.status(0, "Unavailable")
    w.status(1, "Unavailable")
    assert w.of("status.transition") == []
    assert len(w.of("status.transition_explained")) == 1


def test_a_change_scheduled_for_after_the_transaction_explains_the_move(w: TraceWriter) -> None:
    # A station that keeps Preparing after its transaction ended (or started the
    # transaction before the car drew power) applies the Scheduled change from there.
    _plugged_in(w)
    _change_availability(w, 1, "Inoperative", answer="Scheduled")
    w.tick(30)
    w.status(1, "Unavailable")
    assert w.of("status.transition") == []
    assert len(w.of("status.transition_explained")) == 1


def test_leaving_unavailable_to_finishing_after_operative_is_a_note(w: TraceWriter) -> None:
    w.connect()
    w.boot()
    w.status(1, "Finishing")
    _change_availability(w, 1, "Inoperative")
    w.status(1, "Unavailable")  # F8: in the table
    _change_availability(w, 1, "Operative")
    w.status(1, "Finishing")  # H6: the cable is still plugged in
    assert w.of("status.transition") == []
    found = w.of("status.transition_explained")
    assert len(found) == 1 and "Unavailable -> Finishing (H6)" in found[0].message


def test_going_unavailable_after_an_accepted_reset_is_a_note(w: TraceWriter) -> None:
    _plugged_in(w)
    w.command("Reset", {"type": "Soft"}, {"status": "Accepted"})
    w.status(1, "Unavailable")
    assert w.of("status.transition") == []
    found = w.of("status.transition_explained")
    assert len(found) == 1 and "the bench's Reset(Soft), answered Accepted" in found[0].message


def test_preparing_to_unavailable_without_a_command_is_still_a_violation(w: TraceWriter) -> None:
    preparing = _plugged_in(w)
    unavailable = w.status(1, "Unavailable")
    found = w.of("status.transition")
    assert [(f.severity, f.entries) for f in found] == [
        (Severity.VIOLATION, (preparing, unavailable))
    ]
    assert w.of("status.transition_explained") == []


def test_a_refused_or_unrelated_command_explains_nothing(w: TraceWriter) -> None:
    _plugged_in(w)
    _change_availability(w, 1, "Inoperative", answer="Rejected")
    _change_availability(w, 2, "Inoperative")
    w.command("Reset", {"type": "Hard"}, {"status": "Rejected"})
    w.status(1, "Unavailable")
    assert len(w.of("status.transition")) == 1
    assert w.of("status.transition_explained") == []


def test_an_operative_command_in_force_does_not_explain_going_unavailable(
    w: TraceWriter,
) -> None:
    _plugged_in(w)
    _change_availability(w, 1, "Inoperative")
    _change_availability(w, 0, "Operative")
    w.status(1, "Unavailable")
    assert len(w.of("status.transition")) == 1


def test_a_command_explains_only_its_own_move(w: TraceWriter) -> None:
    w.connect()
    w.boot()
    w.status(1, "Charging")
    _change_availability(w, 1, "Inoperative", answer="Scheduled")
    w.status(1, "Reserved")  # C7: no command makes a charging connector Reserved
    found = w.of("status.transition")
    assert len(found) == 1 and "Charging -> Reserved (C7)" in found[0].message
