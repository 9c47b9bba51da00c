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


# -- a triggered BootNotification is no boot (section 5.17) -----------------------------


def _trigger_boot(w: TraceWriter, answer: str = "Accepted") -> int:
    return w.command("TriggerMessage", {"requestedMessage": "BootNotification"}, {"status": answer})


def _booted_and_reported(w: TraceWriter) -> int:
    w.connect()
    boot = w.boot()
    for connector in (0, 1, 2):
        w.status(connector, "Available")
    w.tick(60)
    return boot


def test_a_triggered_boot_notification_is_not_a_boot(w: TraceWriter) -> None:
    _booted_and_reported(w)
    _trigger_boot(w)
    w.boot()
    for connector in (0, 1, 2):
        _ask(w, connector)
        w.status(connector, "Available")
    assert w.of("status.after_boot") == []


def test_a_boot_on_a_new_connection_after_a_trigger_is_a_reboot(w: TraceWriter) -> None:
    _booted_and_reported(w)
    _trigger_boot(w)
    w.close()
    w.connect()
    reboot = w.boot()
    asked = _ask(w, 1)
    found = w.of("status.after_boot")
    assert [f.entries for f in found] == [(reboot, asked)]


def test_a_boot_notification_long_after_the_trigger_was_answered_is_a_boot(
    w: TraceWriter,
) -> None:
    _booted_and_reported(w)
    _trigger_boot(w)
    w.boot()  # the triggered one
    w.tick(3600)
    unasked = w.boot()  # of the station's own accord, on the same connection
    asked = _ask(w, 1)
    assert [f.entries for f in w.of("status.after_boot")] == [(unasked, asked)]


def test_a_refused_trigger_makes_the_next_boot_notification_a_boot(w: TraceWriter) -> None:
    _booted_and_reported(w)
    _trigger_boot(w, answer="Rejected")
    boot = w.boot()
    asked = _ask(w, 2)
    assert [f.entries for f in w.of("status.after_boot")] == [(boot, asked)]


def test_transitions_are_judged_across_a_triggered_boot_notification(w: TraceWriter) -> None:
    w.connect()
    w.boot()
    w.status(1, "Charging")
    _trigger_boot(w)
    w.boot()
    w.status(1, "Reserved")
    assert len(w.of("status.transition")) == 1


def test_a_boot_answered_pending_leaves_nothing_due(w: TraceWriter) -> None:
    # Section 4.2: while Pending the station "SHALL NOT send request messages" unasked.
    w.connect()
    w.exchange(
        "BootNotification",
        {"chargePointVendor": "Alfen BV", "chargePointModel": "NG920-61002"},
        {"status": "Pending", "currentTime": w.ts(), "interval": 60},
    )
    _ask(w, 0)
    w.status(0, "Available")
    assert w.of("status.after_boot") == []


# -- only the connectors the station has ---------------------------------------------


def _number_of_connectors(w: TraceWriter, count: str) -> None:
    w.command(
        "GetConfiguration",
        {"key": ["NumberOfConnectors"]},
        {"configurationKey": [{"key": "NumberOfConnectors", "readonly": True, "value": count}]},
    )


def test_a_connector_past_number_of_connectors_is_not_judged(w: TraceWriter) -> None:
    w.connect()
    w.boot()
    w.status(0, "Available")
    w.status(1, "Available")
    _number_of_connectors(w, "1")
    _ask(w, 2)  # the bench testing an unknown connector; the station Accepted, sent nothing
    assert w.of("status.after_boot") == []


def test_without_number_of_connectors_the_reported_connectors_count(w: TraceWriter) -> None:
    w.connect()
    w.boot()
    w.status(0, "Available")
    w.status(1, "Available")
    _ask(w, 2)
    assert w.of("status.after_boot") == []


def test_a_silent_connector_the_station_has_is_still_a_warning(w: TraceWriter) -> None:
    w.connect()
    boot = w.boot()
    w.status(0, "Available")
    w.status(1, "Available")
    _number_of_connectors(w, "2")
    asked = _ask(w, 2)
    w.status(2, "Available")
    found = w.of("status.after_boot")
    assert [(f.severity, f.entries) for f in found] == [(Severity.WARNING, (boot, asked))]
    assert found[0].message.startswith("connector 2:")
