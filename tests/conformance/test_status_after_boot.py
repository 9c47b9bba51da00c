"""status.after_boot: a connector the bench had to ask for its status after a boot is a
warning (OCPP 1.6 has no SHALL that a station reports every connector after booting;
sections 4.2 and 4.9), never a violation."""

from __future__ import annotations

from chargecheck.conformance import Severity

from .journal_trace import TraceWriter


def _ask(w: TraceWriter, connector: int | None, answer: str = "Accepted") -> int:
    payload: dict[str, object] = {"requestedMessage": "StatusNotification"}
    if connector is not None:
        payload["connectorId"] = connector
    return w.command("TriggerMessage", payload, {"status": answer})


def test_a_connector_reported_only_when_asked_after_a_boot_is_a_warning(w: TraceWriter) -> None:
    w.connect()
    boot = w.boot()
    w.status(1, "Available")
    asked = _ask(w, 0)
    w.status(0, "Available")
    found = w.of("status.after_boot")
    assert [(f.severity, f.entries) for f in found] == [(Severity.WARNING, (boot, asked))]
    assert found[0].message.startswith("connector 0: no StatusNotification between")


def test_a_connector_that_reported_unasked_gives_no_finding(w: TraceWriter) -> None:
    w.connect()
    w.boot()
    w.status(0, "Available")
    w.status(1, "Available")
    _ask(w, 0)
    w.status(0, "Available")
    _ask(w, 1)
    w.status(1, "Available")
    assert w.of("status.after_boot") == []


def test_each_boot_is_judged_once_per_connector(w: TraceWriter) -> None:
    w.connect()
    first = w.boot()
    asked = _ask(w, 0)
    _ask(w, 0)  # asked again, nothing came: still one finding for this boot
    w.status(0, "Available")
    second = w.boot()
    again = _ask(w, 0)
    w.status(0, "Available")
    found = w.of("status.after_boot")
    assert [f.entries for f in found] == [(first, asked), (second, again)]


def test_refused_or_untargeted_asks_and_asks_before_any_boot_give_no_finding(
    w: TraceWriter,
) -> None:
    w.connect()
    _ask(w, 0)  # no boot seen yet (the journal started mid-life)
    w.boot()
    _ask(w, 1, answer="Rejected")
    _ask(w, None)
    w.command("TriggerMessage", {"requestedMessage": "Heartbeat"}, {"status": "Accepted"})
    assert w.of("status.after_boot") == []
