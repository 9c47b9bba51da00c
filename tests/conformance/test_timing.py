"""Timing rules: heartbeats (OCPP 1.6 section 4.6), sampled intervals, timestamps, clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chargecheck.conformance import CheckSettings, Severity

from .conftest import good_session
from .journal_trace import TraceWriter, sample


def connected_sampling_every(w: TraceWriter, seconds: int) -> None:
    """A connection on which the bench set MeterValueSampleInterval, Accepted."""
    w.connect()
    w.command(
        "ChangeConfiguration",
        {"key": "MeterValueSampleInterval", "value": str(seconds)},
        {"status": "Accepted"},
    )


def test_conformant_session_has_no_timing_findings(w: TraceWriter) -> None:
    good_session(w)
    assert [r for r in w.rules() if r.startswith("timing.")] == []


# -- heartbeat_late ---------------------------------------------------------------


def test_silence_longer_than_the_heartbeat_interval_is_a_warning(w: TraceWriter) -> None:
    w.connect()
    w.boot(interval=60)
    w.tick(60)
    w.heartbeat()
    w.tick(90)
    late = w.heartbeat()
    w.tick(100)
    w.heartbeat()
    found = w.of("timing.heartbeat_late")
    assert [(f.severity, f.entries) for f in found] == [(Severity.WARNING, (late, late + 2))]
    assert "2 silence(s) longer than HeartbeatInterval 60 s (+25%), worst 100.0 s" in (
        found[0].message
    )


def test_any_station_message_counts_as_alive(w: TraceWriter) -> None:
    w.connect()
    w.boot(interval=60)
    for _ in range(5):
        w.tick(55)
        w.status(1, "Available")
    w.tick(30)
    w.command("ClearCache", {}, {"status": "Accepted"}, after=40)
    w.tick(70)
    w.close()
    assert w.of("timing.heartbeat_late") == []


def test_bench_traffic_alone_does_not_count_as_alive(w: TraceWriter) -> None:
    w.connect()
    w.boot(interval=60)
    for _ in range(3):
        w.tick(40)
        w.bench_call("ClearCache", {})
    assert len(w.of("timing.heartbeat_late")) == 1


def test_silence_until_close_counts(w: TraceWriter) -> None:
    w.connect()
    w.boot(interval=60)
    w.tick(200)
    w.close()
    w.connect()
    w.tick(500)
    w.boot(interval=60)
    found = w.of("timing.heartbeat_late")
    assert len(found) == 1 and found[0].message.startswith("connection 1:")


def test_heartbeat_interval_changed_by_change_configuration_is_followed(w: TraceWriter) -> None:
    w.connect()
    w.boot(interval=60)
    w.tick(30)
    w.command(
        "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "600"}, {"status": "Accepted"}
    )
    w.tick(590)
    w.heartbeat()
    assert w.of("timing.heartbeat_late") == []
    w.command(
        "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "30"}, {"status": "Accepted"}
    )
    w.tick(60)
    w.heartbeat()
    assert len(w.of("timing.heartbeat_late")) == 1


def _boot_answered(w: TraceWriter, status: str, interval: int) -> int:
    return w.exchange(
        "BootNotification",
        {"chargePointVendor": "Alfen BV", "chargePointModel": "NG920-61002"},
        {"status": status, "currentTime": w.ts(), "interval": interval},
    )


@pytest.mark.parametrize("status", ["Pending", "Rejected"])
def test_silence_while_the_boot_is_not_accepted_is_not_late(w: TraceWriter, status: str) -> None:
    # Section 4.2: Pending, "SHALL NOT send request messages" unasked; Rejected, no message
    # "until the retry interval expires". Silence is what the bench asked for.
    w.connect()
    w.boot(interval=60)
    w.close()
    w.connect()
    _boot_answered(w, status, 300)
    w.tick(300)
    w.boot(interval=60)
    assert w.of("timing.heartbeat_late") == []
    w.tick(300)
    late = w.heartbeat()
    found = w.of("timing.heartbeat_late")
    assert len(found) == 1 and found[0].entries == (late - 2, late)


def test_no_interval_known_means_no_heartbeat_judgement(w: TraceWriter) -> None:
    w.connect()
    w.heartbeat()
    w.tick(5000)
    w.heartbeat()
    assert w.of("timing.heartbeat_late") == []


def test_heartbeat_tolerance_is_a_setting(w: TraceWriter) -> None:
    w.connect()
    w.boot(interval=100)
    w.tick(120)
    w.heartbeat()
    assert w.of("timing.heartbeat_late") == []
    assert len(w.of("timing.heartbeat_late", CheckSettings(heartbeat_tolerance=0.1))) == 1


# -- heartbeat_early --------------------------------------------------------------


def test_heartbeats_much_more_often_than_the_interval_are_a_note(w: TraceWriter) -> None:
    w.connect()
    w.boot(interval=300)
    first = w.heartbeat()
    w.tick(60)
    second = w.heartbeat()
    w.tick(300)
    w.heartbeat()
    found = w.of("timing.heartbeat_early")
    assert [(f.severity, f.entries) for f in found] == [(Severity.NOTE, (first, second))]
    assert "shortest 60.0 s, mean of all Heartbeat intervals 180.0 s" in found[0].message


def test_triggered_heartbeat_is_not_early(w: TraceWriter) -> None:
    w.connect()
    w.boot(interval=300)
    w.heartbeat()
    w.tick(10)
    w.command("TriggerMessage", {"requestedMessage": "Heartbeat"}, {"status": "Accepted"})
    w.heartbeat()
    w.tick(300)
    w.heartbeat()
    assert w.of("timing.heartbeat_early") == []


# -- meter_interval ---------------------------------------------------------------


def _charge(w: TraceWriter, gaps: list[float], interval: str | None = "60") -> int:
    w.connect()
    if interval is not None:
        w.command(
            "ChangeConfiguration",
            {"key": "MeterValueSampleInterval", "value": interval},
            {"status": "Accepted"},
        )
    given = w.start(1)
    wh = 1000
    for gap in gaps:
        w.tick(gap)
        wh += 100
        w.meter_values(1, wh, transaction_id=given)
    w.tick(10)
    w.stop(given, wh)
    return given


def test_sampled_intervals_within_tolerance_are_fine(w: TraceWriter) -> None:
    _charge(w, [60, 62, 58, 70, 60])
    assert w.rules() == []


def test_sampled_interval_beyond_tolerance_is_a_warning_with_jitter_and_worst(
    w: TraceWriter,
) -> None:
    given = _charge(w, [60, 60, 60, 120, 60])
    found = w.of("timing.meter_interval")
    assert [f.severity for f in found] == [Severity.WARNING]
    assert f"transaction {given} on connector 1: 4 Sample.Periodic intervals" in found[0].message
    assert "mean 75.0 s, jitter 26.0 s, worst 120.0 s" in found[0].message


def test_sampled_intervals_are_measured_on_sample_timestamps(w: TraceWriter) -> None:
    connected_sampling_every(w, 60)
    given = w.start(1)
    w.tick(600)  # offline: the samples arrive in one batch
    for n in range(1, 4):
        w.meter_values(1, 1000 + n, transaction_id=given, timestamp=w.ts(-600 + 60 * n))
    assert w.of("timing.meter_interval") == []


def test_periodic_samples_while_the_interval_is_zero_are_a_warning(w: TraceWriter) -> None:
    _charge(w, [60, 60], interval="0")
    found = w.of("timing.meter_interval")
    assert len(found) == 1 and "MeterValueSampleInterval is 0" in found[0].message


def test_long_transaction_without_periodic_samples_is_a_warning(w: TraceWriter) -> None:
    _charge(w, [], interval="60")
    assert w.of("timing.meter_interval") == []  # 10 s: nothing due yet
    w.connect()
    given = w.start(2)
    w.tick(600)
    w.stop(given, 1000)
    found = w.of("timing.meter_interval")
    assert len(found) == 1 and "no Sample.Periodic MeterValues in 600 s" in found[0].message


def test_a_stop_queued_offline_is_measured_by_its_own_timestamp(w: TraceWriter) -> None:
    connected_sampling_every(w, 60)
    started = w.clock.now
    given = w.start(1)
    w.tick(1)
    w.close()  # offline: the station stops the transaction 23 ms after its start
    w.tick(600)
    w.connect()
    stopped = (started + timedelta(milliseconds=23)).isoformat().replace("+00:00", "Z")
    w.stop(given, 1000, timestamp=stopped)
    assert w.of("timing.meter_interval") == []


def test_a_queued_stop_of_a_long_transaction_without_samples_is_still_a_warning(
    w: TraceWriter,
) -> None:
    connected_sampling_every(w, 60)
    given = w.start(1)
    w.close()
    w.tick(900)
    w.connect()
    w.stop(given, 1000, timestamp=w.ts(-300))  # stopped 600 s after the start
    found = w.of("timing.meter_interval")
    assert len(found) == 1 and "no Sample.Periodic MeterValues in 600 s" in found[0].message


def _sample_interval(w: TraceWriter, value: str) -> None:
    w.command(
        "ChangeConfiguration",
        {"key": "MeterValueSampleInterval", "value": value},
        {"status": "Accepted"},
    )


def _samples_every(w: TraceWriter, given: int, gaps: list[float]) -> None:
    for gap in gaps:
        w.tick(gap)
        w.meter_values(1, 1000, transaction_id=given)


def test_an_interval_the_bench_changed_during_the_transaction_is_followed(
    w: TraceWriter,
) -> None:
    w.connect()
    _sample_interval(w, "60")
    given = w.start(1)
    _samples_every(w, given, [60, 60])
    _sample_interval(w, "10")
    _samples_every(w, given, [35, 10, 10, 10])  # 35 s: the gap that spans the change
    w.stop(given, 1000)
    assert w.of("timing.meter_interval") == []


def test_a_gap_off_every_interval_in_force_is_still_a_warning(w: TraceWriter) -> None:
    w.connect()
    _sample_interval(w, "60")
    given = w.start(1)
    _samples_every(w, given, [60, 60])
    _sample_interval(w, "10")
    _samples_every(w, given, [10, 200, 10])
    w.stop(given, 1000)
    found = w.of("timing.meter_interval")
    assert len(found) == 1 and "MeterValueSampleInterval 10 s / 60 s" in found[0].message
    assert "worst 200.0 s" in found[0].message


def test_unknown_sample_interval_is_not_judged(w: TraceWriter) -> None:
    _charge(w, [10, 300, 5], interval=None)
    assert w.of("timing.meter_interval") == []


def test_interval_reported_by_get_configuration_is_used(w: TraceWriter) -> None:
    w.connect()
    w.command(
        "GetConfiguration",
        {"key": ["MeterValueSampleInterval"]},
        {
            "configurationKey": [
                {"key": "MeterValueSampleInterval", "readonly": False, "value": "30"}
            ]
        },
    )
    given = w.start(1)
    for n in range(1, 4):
        w.tick(60)
        w.meter_values(1, 1000 + n, transaction_id=given)
    assert len(w.of("timing.meter_interval")) == 1


# -- timestamps and clock ---------------------------------------------------------


def test_timestamp_with_a_non_utc_offset_is_a_warning(w: TraceWriter) -> None:
    w.connect()
    w.status(1, "Available", timestamp="2024-05-01T12:00:00Z")
    w.status(1, "Available", timestamp="2024-05-01T12:00:00+00:00")
    local = w.status(1, "Available", timestamp="2024-05-01T14:00:00+02:00")
    found = w.of("timing.timestamp_utc")
    assert [(f.severity, f.entries) for f in found] == [(Severity.WARNING, (local,))]
    assert "StatusNotification timestamp = 2024-05-01T14:00:00+02:00" in found[0].message


def test_nested_timestamps_are_checked(w: TraceWriter) -> None:
    w.connect()
    given = w.start(1)
    w.tick(60)
    entry = w.meter_values(1, 1500, transaction_id=given, timestamp="2024-05-01T13:01:00+01:00")
    found = w.of("timing.timestamp_utc")
    assert [f.entries for f in found] == [(entry,)]
    assert "meterValue[0].timestamp" in found[0].message


def test_timestamp_ahead_of_the_bench_clock_is_a_warning(w: TraceWriter) -> None:
    w.connect()
    w.status(1, "Available", timestamp=w.ts(9))
    ahead = w.status(1, "Available", timestamp=w.ts(3600))
    given = w.start(1)
    queued = w.meter_values(1, 1500, transaction_id=given, timestamp=w.ts(60))
    found = w.of("timing.clock_future", CheckSettings(clock_tolerance_s=10))
    assert [f.severity for f in found] == [Severity.WARNING]
    assert set(found[0].entries) == {ahead, queued}
    assert "2 message(s)" in found[0].message and "StatusNotification by 3600.0 s" in (
        found[0].message
    )


def test_statuses_reporting_an_earlier_moment_are_not_a_clock_fault(w: TraceWriter) -> None:
    # StatusNotification.timestamp is "the time for which the status is reported": a status
    # that took effect while offline is sent after the reconnect with its own, earlier time.
    w.connect()
    w.status(1, "Charging")
    w.close()
    w.tick(600)
    w.connect()
    w.boot()
    w.status(1, "SuspendedEV", timestamp=w.ts(-590))
    w.status(1, "Available", timestamp=w.ts(-300))
    given = w.start(1, timestamp=w.ts(-3600))  # queued while offline
    w.meter_values(1, 1500, transaction_id=given, timestamp=w.ts(-1800))
    assert w.of("timing.clock_behind") == []


def _trigger_meter_values(w: TraceWriter, connector: int = 1) -> int:
    return w.command(
        "TriggerMessage",
        {"requestedMessage": "MeterValues", "connectorId": connector},
        {"status": "Accepted"},
    )


def test_trigger_sample_stamped_before_the_request_for_it_is_a_warning(w: TraceWriter) -> None:
    # Section 7: Trigger is a "value taken in response to a TriggerMessage.req", so it
    # cannot have been taken before the bench sent that request.
    w.connect()
    w.tick(5)
    _trigger_meter_values(w)
    w.meter_values(1, 1000, context="Trigger", timestamp=w.ts(-3))  # within the tolerance
    w.tick(60)
    asked = _trigger_meter_values(w)
    behind = w.meter_values(1, 1000, context="Trigger", timestamp=w.ts(-120))
    found = w.of("timing.clock_behind")
    assert [(f.severity, f.entries) for f in found] == [(Severity.WARNING, (asked, behind))]
    assert "worst by 119.9 s" in found[0].message


def test_a_trigger_sample_is_bounded_by_the_earliest_request_it_may_answer(
    w: TraceWriter,
) -> None:
    w.connect()
    w.tick(5)
    _trigger_meter_values(w)
    w.tick(30)
    _trigger_meter_values(w)  # asked again before the first answer came
    w.meter_values(1, 1000, context="Trigger", timestamp=w.ts(-29))
    w.meter_values(1, 1000, context="Trigger")
    assert w.of("timing.clock_behind") == []


def test_clock_tolerance_is_a_setting(w: TraceWriter) -> None:
    w.connect()
    w.tick(5)
    _trigger_meter_values(w)
    w.meter_values(1, 1000, context="Trigger", timestamp=w.ts(-8))
    assert w.of("timing.clock_behind") == []
    assert len(w.of("timing.clock_behind", CheckSettings(clock_tolerance_s=5))) == 1


def test_transaction_data_timestamps_count_for_the_clock(w: TraceWriter) -> None:
    w.connect()
    given = w.start(1)
    w.tick(60)
    entry = w.stop(
        given,
        1500,
        transactionData=[
            {"timestamp": w.ts(900), "sampledValue": [sample(1500, "Transaction.End")]},
        ],
    )
    assert [f.entries for f in w.of("timing.clock_future")] == [(entry,)]
