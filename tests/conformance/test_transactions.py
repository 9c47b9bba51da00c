"""Transaction rules (OCPP 1.6 sections 4.7, 4.8, 4.10, 6.31, 6.45, 6.49)."""

from __future__ import annotations

from chargecheck.conformance import Severity

from .conftest import good_session
from .journal_trace import TraceWriter, sample


def test_conformant_session_has_no_transaction_findings(w: TraceWriter) -> None:
    good_session(w)
    assert [r for r in w.rules() if r.startswith("transaction.")] == []


def test_start_on_connector_zero_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    w.start(1)
    w.start(0)
    found = w.of("transaction.start_fields")
    assert len(found) == 1
    assert "connectorId 0 is not a connector > 0" in found[0].message


def test_start_without_meter_start_is_a_violation_beside_the_schema_one(w: TraceWriter) -> None:
    w.connect()
    entry = w.exchange(
        "StartTransaction", {"connectorId": 1, "idTag": "T", "timestamp": w.ts()}, {}
    )
    assert sorted(w.rules()) == ["transaction.start_fields", "wire.schema"]
    found = w.of("transaction.start_fields")
    assert found[0].entries == (entry,) and "meterStart is missing" in found[0].message


def test_stop_with_an_id_the_bench_never_gave_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    given = w.start(1)
    w.stop(given, 2000)
    stray = w.stop(given + 7, 2000)
    found = w.of("transaction.stop_id")
    assert [(f.entries, f.severity) for f in found] == [((stray,), Severity.VIOLATION)]
    assert f"transactionId {given + 7}" in found[0].message


def test_stop_sent_after_reconnect_for_a_transaction_given_before_is_fine(
    w: TraceWriter,
) -> None:
    w.connect()
    given = w.start(1)
    w.close()
    w.connect()
    w.stop(given, 2000, reason="PowerLoss")
    assert w.of("transaction.stop_id") == []


def test_a_queued_stop_of_a_transaction_from_before_the_run_is_not_judged(
    w: TraceWriter,
) -> None:
    w.connect()
    w.boot()
    w.tick(5)
    w.stop(77, 2000, timestamp=w.ts(-3600), reason="PowerLoss")  # stopped an hour ago
    begun = w.ts(-5400)
    w.stop(
        78,
        2000,
        transactionData=[{"timestamp": begun, "sampledValue": [sample(1000, "Transaction.Begin")]}],
    )
    assert w.of("transaction.stop_id") == []


def test_a_stop_during_the_run_for_an_id_never_given_is_still_a_violation(
    w: TraceWriter,
) -> None:
    w.connect()
    w.boot()
    w.tick(60)
    stray = w.stop(77, 2000, timestamp=w.ts(-5))
    assert [f.entries for f in w.of("transaction.stop_id")] == [(stray,)]


def test_meter_stop_below_meter_start_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    first = w.start(1, meter_start=5000)
    w.stop(first, 4999)
    second = w.start(2, meter_start=5000)
    w.stop(second, 5000)
    found = w.of("transaction.meter_stop")
    assert len(found) == 1
    assert f"transaction {first} on connector 1: meterStop 4999 Wh" in found[0].message


def test_meter_values_during_a_transaction_without_its_id_is_a_warning(w: TraceWriter) -> None:
    w.connect()
    given = w.start(1)
    w.tick(60)
    missing = w.meter_values(1, 1500)
    w.meter_values(2, 0, context="Sample.Clock")
    w.tick(60)
    w.meter_values(1, 2000, transaction_id=given)
    w.stop(given, 2100)
    w.meter_values(1, 2100, context="Sample.Clock")
    found = w.of("transaction.meter_values_id")
    assert [(f.entries[-1], f.severity) for f in found] == [(missing, Severity.WARNING)]


def test_meter_values_with_another_transactions_id_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    on_one = w.start(1)
    on_two = w.start(2)
    w.tick(60)
    wrong = w.meter_values(1, 1500, transaction_id=on_two)
    w.meter_values(2, 1500, transaction_id=on_two)
    w.stop(on_one, 1600)
    w.stop(on_two, 1600)
    found = w.of("transaction.meter_values_wrong_id")
    assert [f.entries[-1] for f in found] == [wrong]
    assert f"carry transactionId {on_two}" in found[0].message


def test_a_new_start_on_the_connector_supersedes_an_unstopped_transaction(
    w: TraceWriter,
) -> None:
    w.connect()
    w.start(1)
    w.close()
    w.connect()
    second = w.start(1)
    w.tick(60)
    w.meter_values(1, 1500, transaction_id=second)
    assert w.of("transaction.meter_values_wrong_id") == []
