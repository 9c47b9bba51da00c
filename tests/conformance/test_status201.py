"""status201.after_boot (OCPP 2.0.1 B01.FR.05): after an Accepted boot every connector's
state is reported, by StatusNotification or by NotifyEvent (either is legal); a connection
that ended too soon, or a boot the bench asked for, is not judged."""

from __future__ import annotations

from .journal_trace import TraceWriter

BOOT = {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}}
ACCEPTED = {"currentTime": "2024-05-01T12:00:00.000Z", "interval": 300, "status": "Accepted"}


def _status(w: TraceWriter, evse: int, state: str = "Available") -> None:
    payload = {"timestamp": w.ts(), "connectorStatus": state, "evseId": evse, "connectorId": 1}
    w.exchange("StatusNotification", payload)


def _event(w: TraceWriter, evse: int, state: str = "Available") -> None:
    component = {"name": "Connector", "evse": {"id": evse, "connectorId": 1}}
    event = {
        "eventId": 1,
        "timestamp": w.ts(),
        "trigger": "Delta",
        "actualValue": state,
        "component": component,
        "variable": {"name": "AvailabilityState"},
        "eventNotificationType": "HardWiredNotification",
    }
    w.exchange("NotifyEvent", {"generatedAt": w.ts(), "seqNo": 0, "eventData": [event]})


def _boot(w: TraceWriter) -> None:
    w.connect("ocpp2.0.1")
    w.exchange("BootNotification", BOOT, ACCEPTED)


def _heartbeat_after(w: TraceWriter, seconds: float) -> None:
    w.tick(seconds)
    w.exchange("Heartbeat", {}, {"currentTime": w.ts()})


def test_every_connector_reported_after_the_boot_gives_no_finding(w: TraceWriter) -> None:
    _boot(w)
    _status(w, 1)
    _event(w, 2)  # a NotifyEvent is as good as a StatusNotification (G01.FR.03)
    _heartbeat_after(w, 60)
    assert w.findings() == []


def test_a_connector_not_reported_after_a_later_boot_is_a_violation(w: TraceWriter) -> None:
    _boot(w)
    _status(w, 1)
    _status(w, 2)
    _heartbeat_after(w, 60)
    w.close(1000)
    _boot(w)
    _status(w, 1)  # EVSE 2 forgotten this time
    _heartbeat_after(w, 60)
    (finding,) = w.findings()
    assert finding.rule == "status201.after_boot" and finding.severity.value == "violation"
    assert "EVSE 2 connector 1" in finding.message


def test_a_connection_that_ends_before_the_window_is_not_judged(w: TraceWriter) -> None:
    _boot(w)
    _status(w, 1)
    _status(w, 2)
    w.close(1000)
    _boot(w)  # a reset right after: it went before it could report
    w.tick(2)
    w.close(1000)
    assert w.findings() == []
