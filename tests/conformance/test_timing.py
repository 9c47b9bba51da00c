"""Timing rules: heartbeats (OCPP 1.6 section 4.6), sampled intervals, timestamps, clock."""

from __future__ import annotations

from chargecheck.conformance import CheckSettings, Severity

from .conftest import good_session
from .journal_trace import TraceWriter, sample


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
    w.connect()
    w.command(
        "ChangeConfiguration",
        {"key": "MeterValueSampleInterval", "value": "60"},
        {"status": "Accepted"},
    )
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


def test_status_stamped_behind_the_bench_clock_is_a_warning(w: TraceWriter) -> None:
    w.connect()
    w.status(1, "Available", timestamp=w.ts(-5))
    behind = w.status(1, "Available", timestamp=w.ts(-120))
    given = w.start(1, timestamp=w.ts(-3600))  # queued while offline: allowed
    w.meter_values(1, 1500, transaction_id=given, timestamp=w.ts(-1800))
    found = w.of("timing.clock_behind")
    assert [(f.severity, f.entries) for f in found] == [(Severity.WARNING, (behind,))]


def test_clock_tolerance_is_a_setting(w: TraceWriter) -> None:
    w.connect()
    w.status(1, "Available", timestamp=w.ts(-8))
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
