"""Decoding and pairing the journal into per-station traces."""

from __future__ import annotations

from chargecheck.conformance.trace import build_traces

from .journal_trace import TraceWriter


def test_replies_pair_with_calls_by_unique_id_not_by_order(w: TraceWriter) -> None:
    w.connect()
    first_id, first = w.bench_call("ClearCache", {})
    second_id, second = w.bench_call("GetLocalListVersion", {})
    second_reply = w.station_result(second_id, {"listVersion": 3})
    first_reply = w.station_result(first_id, {"status": "Accepted"})
    (trace,) = build_traces(w.entries())
    assert [(e.call.id, e.reply_id) for e in trace.bench_calls] == [
        (first, first_reply),
        (second, second_reply),
    ]
    assert trace.bench_calls[1].result == {"listVersion": 3}


def test_close_ends_every_exchange_in_flight(w: TraceWriter) -> None:
    w.connect()
    w.station_call("Heartbeat", {})
    w.bench_call("ClearCache", {})
    close = w.close()
    (trace,) = build_traces(w.entries())
    assert trace.station_calls[0].ended_by is not None
    assert trace.station_calls[0].ended_by.id == close
    assert trace.bench_calls[0].ended_by is not None and trace.bench_calls[0].reply is None
    assert not trace.bench_calls[0].pending_at(close + 1)


def test_items_carry_their_connection_number(w: TraceWriter) -> None:
    w.station_raw("[]")
    w.connect()
    w.heartbeat()
    w.close()
    w.connect()
    w.heartbeat()
    (trace,) = build_traces(w.entries())
    assert [item.connection for item in trace.items] == [0, 1, 1, 2, 2]
    assert trace.items[0].error is not None and trace.items[0].frame is None


def test_schema_violations_are_recorded_on_the_exchange(w: TraceWriter) -> None:
    w.connect()
    w.exchange("Heartbeat", {"extra": 1})
    w.exchange("Heartbeat", {})
    (trace,) = build_traces(w.entries())
    assert [e.valid for e in trace.station_calls] == [False, True]
    assert trace.calls("Heartbeat") == [trace.station_calls[1]]
    assert len(trace.calls("Heartbeat", valid=False)) == 2
