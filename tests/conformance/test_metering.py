"""Metering rules: the energy register and the reading contexts (OCPP 1.6 section 7)."""

from __future__ import annotations

from chargecheck.conformance import Severity

from .conftest import good_session
from .journal_trace import TraceWriter, sample


def test_conformant_session_has_no_metering_findings(w: TraceWriter) -> None:
    good_session(w)
    assert [r for r in w.rules() if r.startswith("meter.")] == []


def test_energy_register_going_back_in_meter_values_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    given = w.start(1, meter_start=1000)
    w.tick(60)
    high = w.meter_values(1, 1800, transaction_id=given)
    w.tick(60)
    low = w.meter_values(1, 1700, transaction_id=given)
    found = w.of("meter.energy_register")
    assert [(f.entries, f.severity) for f in found] == [((high, low), Severity.VIOLATION)]
    assert "from 1800 Wh (MeterValues" in found[0].message


def test_kwh_and_wh_readings_are_compared_in_wh(w: TraceWriter) -> None:
    w.connect()
    given = w.start(1, meter_start=1000)
    w.tick(60)
    w.meter_values(1, 1.5, transaction_id=given, unit="kWh")
    w.tick(60)
    w.meter_values(1, 1600, transaction_id=given)
    w.tick(60)
    w.stop(given, 1700)
    assert w.of("meter.energy_register") == []
    w.tick(60)
    w.meter_values(1, 1.2, unit="kWh", context="Other")
    found = w.of("meter.energy_register")
    assert len(found) == 1 and "from 1700 Wh (meterStop" in found[0].message


def test_integer_meter_stop_below_a_fractional_sample_by_less_than_1_wh_is_rounding(
    w: TraceWriter,
) -> None:
    # meterStop is an integer in Wh (section 6.49): 81.26 Wh sampled, then 81, is rounding.
    w.connect()
    given = w.start(1, meter_start=0)
    w.tick(60)
    w.meter_values(1, 81.26, transaction_id=given)
    w.tick(60)
    w.meter_values(1, 0.08199, transaction_id=given, unit="kWh")
    w.tick(1)
    w.stop(given, 81)
    w.tick(60)
    again = w.start(1, meter_start=82)  # rounded up from 81.5 ...
    w.tick(60)
    w.meter_values(1, 81.7, transaction_id=again)  # ... and the next sample reads 81.7
    assert w.of("meter.energy_register") == []


def test_a_step_of_1_wh_or_more_against_an_integer_field_is_a_step_back(
    w: TraceWriter,
) -> None:
    w.connect()
    given = w.start(1, meter_start=0)
    w.tick(60)
    sampled = w.meter_values(1, 82, transaction_id=given)
    w.tick(60)
    stop = w.stop(given, 81)
    found = w.of("meter.energy_register")
    assert [(f.severity, f.entries) for f in found] == [(Severity.VIOLATION, (sampled, stop))]
    assert "from 82 Wh (MeterValues" in found[0].message and "to 81 Wh (meterStop" in (
        found[0].message
    )


def test_sampled_values_going_back_by_less_than_1_wh_are_a_step_back(w: TraceWriter) -> None:
    w.connect()
    given = w.start(1, meter_start=0)
    w.tick(60)
    w.meter_values(1, 81.26, transaction_id=given)
    w.tick(60)
    w.meter_values(1, 81.2, transaction_id=given)
    assert len(w.of("meter.energy_register")) == 1


def test_meter_start_below_the_previous_meter_stop_is_a_step_back(w: TraceWriter) -> None:
    w.connect()
    first = w.start(1, meter_start=0)
    w.tick(60)
    w.stop(first, 5000)
    w.tick(60)
    w.start(1, meter_start=0)
    w.start(2, meter_start=0)
    found = w.of("meter.energy_register")
    assert len(found) == 1 and "connector 1:" in found[0].message


def test_stop_transaction_data_repeating_earlier_samples_is_not_a_step_back(
    w: TraceWriter,
) -> None:
    w.connect()
    begin = w.ts()
    given = w.start(1, meter_start=1000)
    w.tick(60)
    mid = w.ts()
    w.meter_values(1, 1500, transaction_id=given)
    w.tick(60)
    w.stop(
        given,
        2000,
        transactionData=[
            {"timestamp": begin, "sampledValue": [sample(1000, "Transaction.Begin")]},
            {"timestamp": mid, "sampledValue": [sample(1500)]},
            {"timestamp": w.ts(), "sampledValue": [sample(2000, "Transaction.End")]},
        ],
    )
    assert w.rules() == []


def test_transaction_data_going_back_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    begin = w.ts()
    given = w.start(1, meter_start=1000)
    w.tick(60)
    w.stop(
        given,
        2000,
        transactionData=[
            {"timestamp": begin, "sampledValue": [sample(1000, "Transaction.Begin")]},
            {"timestamp": w.ts(-30), "sampledValue": [sample(900)]},
        ],
    )
    assert w.rules() == ["meter.energy_register"]


def test_clock_aligned_readings_bearing_interval_start_times_are_compared_apart(
    w: TraceWriter,
) -> None:
    w.connect()
    w.tick(7 * 60)  # 12:07
    given = w.start(1, meter_start=1000)
    w.tick(7 * 60)
    w.meter_values(1, 1900, transaction_id=given)
    w.tick(60)  # 12:15: the 12:00 - 12:15 interval, stamped with its start
    w.meter_values(
        1, 2000, transaction_id=given, context="Sample.Clock", timestamp="2024-05-01T12:00:00Z"
    )
    w.tick(60)
    w.stop(given, 2100)
    assert w.rules() == []
    w.meter_values(1, 1950, context="Sample.Clock", timestamp="2024-05-01T12:30:00Z")
    found = w.of("meter.energy_register")
    assert len(found) == 1 and "Sample.Clock energy register went back" in found[0].message


def test_registers_of_other_phases_and_connectors_are_kept_apart(w: TraceWriter) -> None:
    w.connect()
    w.meter_values(0, 5000, context="Sample.Clock")
    w.meter_values(1, 100, context="Sample.Clock")
    w.meter_values(1, None, sampled=[sample(50, "Sample.Clock", phase="L1")])
    assert w.of("meter.energy_register") == []


def test_samples_sent_after_the_stop_but_taken_during_the_transaction_are_its_own(
    w: TraceWriter,
) -> None:
    w.connect()
    given = w.start(1)
    w.tick(60)
    w.meter_values(1, 1500, transaction_id=given)
    w.tick(60)
    taken = w.ts()
    w.stop(given, 2000)
    w.meter_values(1, 2000, context="Transaction.End", timestamp=taken)
    w.meter_values(1, 2000, timestamp=taken)
    assert w.rules() == []
    w.tick(60)
    later = w.meter_values(1, 2000, context="Transaction.End")
    assert [f.entries for f in w.of("meter.context_transaction")] == [(later,)]


def test_transaction_begin_outside_a_transaction_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    stray = w.meter_values(1, 1000, context="Transaction.Begin")
    w.tick(60)
    given = w.start(1)
    w.meter_values(1, 1000, transaction_id=given, context="Transaction.Begin")
    w.tick(60)
    w.meter_values(1, 1500, transaction_id=given, context="Transaction.End")
    w.stop(given, 1500)
    found = w.of("meter.context_transaction")
    assert [(f.entries, f.severity) for f in found] == [((stray,), Severity.VIOLATION)]


def test_periodic_sample_after_transaction_end_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    given = w.start(1)
    w.tick(60)
    end = w.meter_values(1, 1500, transaction_id=given, context="Transaction.End")
    w.tick(60)
    after = w.meter_values(1, 1600, transaction_id=given)
    w.stop(given, 1600)
    found = w.of("meter.context_transaction")
    assert [f.entries for f in found] == [(end, after)]
    assert "a Sample.Periodic sample is after its Transaction.End" in found[0].message


def test_transaction_begin_after_periodic_samples_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    begin = w.ts()
    given = w.start(1)
    w.tick(60)
    periodic = w.meter_values(1, 1500, transaction_id=given)
    w.tick(60)
    late = w.meter_values(1, 1600, transaction_id=given, context="Transaction.Begin")
    w.stop(
        given,
        1600,
        transactionData=[
            {"timestamp": begin, "sampledValue": [sample(1000, "Transaction.Begin")]},
        ],
    )
    found = w.of("meter.context_transaction")
    assert [f.entries for f in found] == [(late, periodic)]


def test_periodic_samples_outside_a_transaction_are_a_warning(w: TraceWriter) -> None:
    w.connect()
    idle = w.meter_values(1, 1000)
    w.meter_values(0, 1000)
    voltage = w.meter_values(1, None, sampled=[{"value": "230", "measurand": "Voltage"}])
    given = w.start(1)
    w.tick(60)
    w.meter_values(1, 1500, transaction_id=given)
    found = w.of("meter.context_periodic")
    assert [(f.entries, f.severity) for f in found] == [
        ((idle,), Severity.WARNING),
        ((voltage,), Severity.WARNING),
    ]


def test_clock_sample_off_the_aligned_grid_is_a_warning(w: TraceWriter) -> None:
    w.connect()
    w.command(
        "ChangeConfiguration",
        {"key": "ClockAlignedDataInterval", "value": "900"},
        {"status": "Accepted"},
    )
    w.meter_values(1, 1000, context="Sample.Clock", timestamp="2024-05-01T12:15:00Z")
    w.meter_values(1, 1000, context="Sample.Clock", timestamp="2024-05-01T12:29:58.500Z")
    off = w.meter_values(1, 1000, context="Sample.Clock", timestamp="2024-05-01T12:37:00Z")
    found = w.of("meter.context_clock")
    assert [(f.entries, f.severity) for f in found] == [((off,), Severity.WARNING)]
    assert "420.0 s past a 900 s boundary" in found[0].message


def test_clock_sample_when_clock_aligned_data_is_off_is_a_warning(w: TraceWriter) -> None:
    w.connect()
    w.meter_values(1, 1000, context="Sample.Clock", timestamp="2024-05-01T12:07:00Z")
    assert w.of("meter.context_clock") == []  # interval unknown: not judged
    w.command(
        "ChangeConfiguration",
        {"key": "ClockAlignedDataInterval", "value": "0"},
        {"status": "Accepted"},
    )
    w.meter_values(1, 1000, context="Sample.Clock", timestamp="2024-05-01T12:15:00Z")
    found = w.of("meter.context_clock")
    assert len(found) == 1 and "ClockAlignedDataInterval is 0" in found[0].message


def test_rejected_interval_change_does_not_count(w: TraceWriter) -> None:
    w.connect()
    w.command(
        "ChangeConfiguration",
        {"key": "ClockAlignedDataInterval", "value": "7"},
        {"status": "Rejected"},
    )
    w.meter_values(1, 1000, context="Sample.Clock", timestamp="2024-05-01T12:15:00Z")
    assert w.of("meter.context_clock") == []


def test_trigger_sample_without_a_trigger_message_is_a_warning(w: TraceWriter) -> None:
    w.connect()
    unasked = w.meter_values(1, 1000, context="Trigger")
    w.command(
        "TriggerMessage",
        {"requestedMessage": "MeterValues", "connectorId": 2},
        {"status": "Accepted"},
    )
    other_connector = w.meter_values(1, 1000, context="Trigger")
    w.meter_values(2, 1000, context="Trigger")
    w.command("TriggerMessage", {"requestedMessage": "MeterValues"}, {"status": "Accepted"})
    w.meter_values(1, 1000, context="Trigger")
    found = w.of("meter.context_trigger")
    assert [f.entries for f in found] == [(unasked,), (other_connector,)]
