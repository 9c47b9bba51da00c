"""The journal: buffered appends, one commit per flush, runs and records."""

from __future__ import annotations

import itertools

from chargecheck.journal import Journal


def _journal(path):
    ticks = itertools.count()
    return Journal(path, lambda: "2026-01-01T00:00:00.000Z", lambda: float(next(ticks)))


def test_appended_entries_are_read_back_in_order_with_their_fields(tmp_path):
    db = _journal(tmp_path / "j.sqlite")
    run = db.start_run("bench", station="CP1", settings="demo")
    first = db.append("frame_in", run_id=run, station="CP1", raw='[2,"a","Heartbeat",{}]')
    second = db.append("close", run_id=run, station="CP1", detail={"code": 1006})
    assert second == first + 1
    db.flush()
    entries = list(db.entries(run))
    assert [e.id for e in entries] == [first, second]
    assert entries[0].raw == '[2,"a","Heartbeat",{}]' and entries[0].is_frame
    assert entries[1].detail == {"code": 1006} and not entries[1].is_frame
    assert db.run(run).info == {"settings": "demo"}


def test_ids_continue_after_reopening(tmp_path):
    db = _journal(tmp_path / "j.sqlite")
    db.append("connect")
    db.close()
    again = _journal(tmp_path / "j.sqlite")
    assert again.append("connect") == 2


def test_unflushed_entries_are_not_on_disk_and_flushed_ones_are(tmp_path):
    db = _journal(tmp_path / "j.sqlite")
    db.append("connect")
    reader = _journal(tmp_path / "j.sqlite")
    assert list(reader.entries()) == []
    db.flush()
    assert len(list(reader.entries())) == 1


def test_runs_records_and_update(tmp_path):
    db = _journal(tmp_path / "j.sqlite")
    run = db.start_run("bench")
    db.update_run(run, station="CP9", firmware="1.0")
    db.add_record(run, "verdict", {"row": 1, "outcome": "PASS"})
    db.end_run(run)
    info = db.runs()[0]
    assert info.station == "CP9" and info.info == {"firmware": "1.0"} and info.ended_utc
    assert db.records(run, "verdict") == [{"row": 1, "outcome": "PASS"}]
    assert db.records(run, "finding") == []
