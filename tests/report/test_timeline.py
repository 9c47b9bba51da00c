"""The connector status timeline (OCPP 1.6 section 4.9), computed without I/O."""

from __future__ import annotations

from chargecheck.protocol.status_table import ChargePointStatus
from chargecheck.report.model import LogEntry
from chargecheck.report.timeline import STATUS_COLOURS, layout, status_timeline


def _status(
    entry_id: int, second: int, connector, status: str, error="NoError", direction="in", minute=0
) -> LogEntry:
    return LogEntry(
        id=entry_id,
        utc=f"2020-02-18T14:{minute:02d}:{second:02d}.000Z",
        kind="frame_in" if direction == "in" else "frame_out",
        direction=direction,
        message_type="CALL",
        action="StatusNotification",
        payload={"connectorId": connector, "errorCode": error, "status": status},
    )


def _event(entry_id: int, second: int, kind: str) -> LogEntry:
    return LogEntry(id=entry_id, utc=f"2020-02-18T14:00:{second:02d}.000Z", kind=kind)


def test_each_status_holds_until_the_next_one_of_the_same_connector_or_the_end():
    entries = [
        _status(1, 0, 1, "Available"),
        _status(2, 5, 2, "Available"),
        _status(3, 10, 1, "Charging"),
        _status(4, 20, 1, "Finishing"),
    ]
    timeline = status_timeline(entries, end_utc="2020-02-18T14:00:40.000Z")
    assert timeline.span_s == 40
    lanes = {lane.connector_id: lane.segments for lane in timeline.lanes}
    assert [(s.status, s.start_s, s.end_s, s.entry_id) for s in lanes[1]] == [
        ("Available", 0, 10, 1),
        ("Charging", 10, 20, 3),
        ("Finishing", 20, 40, 4),
    ]
    assert [(s.status, s.start_s, s.end_s) for s in lanes[2]] == [("Available", 5, 40)]


def test_lanes_are_ordered_by_connector_and_ignore_other_frames_and_bad_connector_ids():
    entries = [
        _status(1, 0, 2, "Available"),
        _status(2, 1, 0, "Available"),
        _status(3, 2, "1", "Available"),  # not an integer: not drawn
        _status(4, 3, True, "Available"),
        _status(5, 4, 1, "Charging", direction="out"),  # the bench's own frame: not a status
    ]
    assert [lane.connector_id for lane in status_timeline(entries).lanes] == [0, 2]


def test_a_close_until_the_next_connect_is_an_offline_period():
    entries = [
        _status(1, 0, 1, "Available"),
        _event(2, 10, "close"),
        _event(3, 25, "connect"),
        _event(4, 30, "close"),
    ]
    timeline = status_timeline(entries, end_utc="2020-02-18T14:00:50.000Z")
    assert timeline.offline == ((10, 25), (30, 50))


def test_layout_scales_segments_into_the_chart_and_labels_only_boxes_that_fit():
    entries = [
        _status(1, 0, 1, "Available"),
        _status(2, 1, 1, "SuspendedEVSE", "OtherError"),
        _status(3, 2, 1, "Available"),
    ]
    timeline = status_timeline(entries, end_utc="2020-02-18T14:01:00.000Z")
    drawn = layout(timeline, width=1000, left=100)
    (lane,) = drawn.lanes
    assert lane.label == "Connector 1"
    first, short, last = lane.boxes
    assert first.x == 100 and last.x + last.width == 990
    assert first.label == "" and last.label == "Available"  # 1 s of 60 is too narrow to name
    assert "OtherError" in short.title and short.fill == STATUS_COLOURS["SuspendedEVSE"][0]
    assert [t.label for t in drawn.ticks][:2] == ["14:00:00", "14:00:10"]


def test_ticks_fall_on_round_wall_clock_times():
    entries = [
        LogEntry(1, "2020-02-18T14:28:27.123Z", "connect"),
        _status(2, 28, 1, "Available", minute=28),
    ]
    timeline = status_timeline(entries, end_utc="2020-02-18T14:30:31.000Z")
    labels = [t.label for t in layout(timeline).ticks]
    assert labels[0] == "14:28:30" and all(label.endswith(("0", "5")) for label in labels)


def test_every_status_of_the_state_table_has_a_colour():
    assert set(STATUS_COLOURS) == set(ChargePointStatus)


def test_no_entries_give_an_empty_timeline():
    assert status_timeline([]).lanes == ()
