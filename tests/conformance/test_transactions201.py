"""OCPP 2.0.1 traces: the frames judged by the 2.0.1 schemas and station actions (the
version the connect event names), the wire rules under their 2.0.1 ids, and the
TransactionEvent rules (seqNo, Started first, Ended last). Every defect gives its finding;
every legal variant gives none."""

from __future__ import annotations

from typing import Any

import pytest

from .journal_trace import TraceWriter

BOOT = {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}}
BOOT_ANSWER = {"currentTime": "2024-05-01T12:00:00.000Z", "interval": 300, "status": "Accepted"}


def _connected(w: TraceWriter) -> None:
    w.connect("ocpp2.0.1")
    w.exchange("BootNotification", BOOT, BOOT_ANSWER)


def _payload(w: TraceWriter, kind: str, seq: int, tid: str = "T1", **more: Any) -> dict[str, Any]:
    """A TransactionEvent of ``kind`` stamped now, triggered as such an event usually is."""
    return {
        "eventType": kind,
        "timestamp": w.ts(),
        "triggerReason": {"Started": "Authorized", "Ended": "StopAuthorized"}.get(
            kind, "MeterValuePeriodic"
        ),
        "seqNo": seq,
        "transactionInfo": {"transactionId": tid},
        **more,
    }


def _event(w: TraceWriter, kind: str, seq: int, tid: str = "T1", **more: Any) -> int:
    payload = _payload(w, kind, seq, tid, **more)
    w.tick(1)
    return w.exchange("TransactionEvent", payload, {})


def _rules(w: TraceWriter) -> list[str]:
    return [f.rule for f in w.findings()]


def test_a_good_2_0_1_session_gives_no_finding(w: TraceWriter) -> None:
    _connected(w)
    w.exchange(
        "StatusNotification",
        {"timestamp": w.ts(), "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
    )
    w.exchange("Heartbeat", {}, {"currentTime": w.ts()})
    for seq, kind in enumerate(["Started", "Updated", "Updated", "Ended"]):
        _event(w, kind, seq)
    w.command(
        "GetVariables",
        {
            "getVariableData": [
                {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "OfflineThreshold"}}
            ]
        },
        {
            "getVariableResult": [
                {
                    "attributeStatus": "Accepted",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "OfflineThreshold"},
                    "attributeValue": "60",
                }
            ]
        },
    )
    assert w.findings() == []


def test_a_1_6_boot_on_a_2_0_1_connection_breaks_the_2_0_1_schema(w: TraceWriter) -> None:
    w.connect("ocpp2.0.1")
    w.exchange("BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}, BOOT_ANSWER)
    w.exchange("StartTransaction", {"connectorId": 1})
    found = {f.rule: f for f in w.findings()}
    assert set(found) == {"wire201.schema", "wire201.action"}
    assert "breaks the 2.0.1 schema" in found["wire201.schema"].message
    assert found["wire201.schema"].section.startswith("OCPP 2.0.1")


def test_a_2_0_1_result_is_judged_by_the_2_0_1_response_schema(w: TraceWriter) -> None:
    _connected(w)
    w.command(
        "GetVariables",
        {"getVariableData": [{"component": {"name": "X"}, "variable": {"name": "Y"}}]},
        {"getVariableResult": [{}]},
    )
    assert _rules(w) == ["wire201.result_schema"]


def test_two_calls_at_once_break_2_0_1s_shall_not_where_1_6_has_a_should_not(
    w: TraceWriter,
) -> None:
    _connected(w)
    first, _ = w.station_call("Heartbeat", {})
    second, _ = w.station_call("Heartbeat", {})
    w.bench_result(first, {"currentTime": w.ts()})
    w.bench_result(second, {"currentTime": w.ts()})
    (finding,) = w.findings()
    assert (finding.rule, finding.severity.value) == ("wire201.one_call_at_a_time", "violation")


def test_a_call_the_bench_chose_not_to_answer_holds_no_later_call_back(w: TraceWriter) -> None:
    # E13: the bench withholds the answer, the station resends after its own message timeout
    # (which the journal does not hold) and goes on; a CALL the bench owes still counts.
    _connected(w)
    _, withheld = w.station_call("TransactionEvent", _started())
    w.withhold(withheld, "TransactionEvent")
    w.tick(5)
    again, _ = w.station_call("TransactionEvent", _started())
    w.bench_result(again, {})
    owed, heartbeat = w.station_call("Heartbeat", {})
    _, second = w.station_call("Heartbeat", {})
    w.bench_result(owed, {"currentTime": w.ts()})
    assert [(f.rule, f.entries) for f in w.findings()] == [
        ("wire201.one_call_at_a_time", (heartbeat, second))
    ]


def _started() -> dict[str, Any]:
    return {
        "eventType": "Started",
        "timestamp": "2026-01-01T00:00:00Z",
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "T1"},
    }


@pytest.mark.parametrize(
    ("kinds", "message"),
    [
        (["Updated", "Started", "Ended"], "seqNo 0 (Updated) comes before Started"),
        (["Started", "Ended", "Updated"], "seqNo 2 (Updated) comes after Ended"),
        (["Started", "Started", "Ended"], "2 Started events"),
        (["Started", "Updated", "Ended", "Ended"], "2 Ended events"),
    ],
)
def test_a_transaction_starts_with_started_and_ends_with_ended(
    w: TraceWriter, kinds, message
) -> None:
    _connected(w)
    for seq, kind in enumerate(kinds):
        _event(w, kind, seq)
    found = [f for f in w.findings() if f.rule == "tx201.first_and_last"]
    assert len(found) == 1 and message in found[0].message, w.findings()


def test_a_missing_seq_no_is_a_gap(w: TraceWriter) -> None:
    _connected(w)
    for seq, kind in ((0, "Started"), (1, "Updated"), (3, "Ended")):
        _event(w, kind, seq)
    (finding,) = w.findings()
    assert finding.rule == "tx201.seq_no_gap" and "missing 2" in finding.message


def test_a_gap_in_a_transaction_sent_offline_is_only_a_warning(w: TraceWriter) -> None:
    # E11.FR.04: offline, a station MAY drop intermediate Updated events for memory.
    _connected(w)
    for seq, kind in ((0, "Started"), (2, "Updated"), (4, "Ended")):
        _event(w, kind, seq, offline=True)
    (finding,) = w.findings()
    assert (finding.rule, finding.severity.value) == ("tx201.seq_no_gap_offline", "warning")


def test_legal_variants_give_no_finding(w: TraceWriter) -> None:
    _connected(w)
    # seqNo need not restart at 0 per transaction (a SHOULD): T2 goes on from T1's counter
    for seq, kind in ((0, "Started"), (1, "Ended")):
        _event(w, kind, seq, tid="T1")
    # events arrive out of order after an outage: the seqNo orders them
    for seq, kind in ((4, "Ended"), (2, "Started"), (3, "Updated")):
        _event(w, kind, seq, tid="T2", offline=True)
    # a transaction still running: nothing is missing yet
    _event(w, "Started", 10, tid="T3")
    _event(w, "Updated", 12, tid="T3")
    assert w.findings() == []


def test_a_resent_event_is_the_same_event_but_a_second_event_on_a_taken_seq_no_is_reuse(
    w: TraceWriter,
) -> None:
    _connected(w)
    _event(w, "Started", 0)
    payload = _payload(w, "Updated", 1)
    w.station_call("TransactionEvent", payload)  # no answer: resent (E13)
    w.tick(30)
    w.exchange("TransactionEvent", {**payload, "timestamp": w.ts()})
    assert [f.rule for f in w.findings() if f.rule.startswith("tx201")] == []
    w.exchange("TransactionEvent", {**payload, "triggerReason": "ChargingStateChanged"})
    reused = [f for f in w.findings() if f.rule == "tx201.seq_no_reused"]
    assert len(reused) == 1 and "seqNo 1 on two different events" in reused[0].message
    assert [f.rule for f in w.findings() if f.rule == "tx201.resent_after_answer"] == []


def test_an_answered_event_sent_again_is_only_a_warning(w: TraceWriter) -> None:
    _connected(w)
    _event(w, "Started", 0)
    payload = _payload(w, "Updated", 1)
    w.exchange("TransactionEvent", payload)  # answered
    w.exchange("TransactionEvent", {**payload, "timestamp": w.ts(1)})  # and sent again
    (finding,) = w.findings()
    assert (finding.rule, finding.severity.value) == ("tx201.resent_after_answer", "warning")


def test_the_1_6_rules_do_not_judge_a_2_0_1_trace_and_back(w: TraceWriter) -> None:
    _connected(w)
    _event(w, "Started", 0)  # no StartTransaction: 1.6's transaction rules have nothing to say
    assert w.findings() == []
