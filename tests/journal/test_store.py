"""The journal: buffered appends, one commit per flush, runs and records."""

from __future__ import annotations

import itertools
import sqlite3

import pytest

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


def test_a_flush_of_more_rows_than_one_insert_holds_writes_every_row_in_order(tmp_path):
    db = _journal(tmp_path / "j.sqlite")
    ids = [
        db.append("frame_in", station=f"CP{n}", message_type=2, unique_id=str(n), raw=f"[{n}]")
        for n in range(150)  # 64 + 64 + 22 rows: three INSERT statements, one commit
    ]
    db.flush()
    entries = list(_journal(tmp_path / "j.sqlite").entries())
    assert [e.id for e in entries] == ids
    assert [(e.station, e.unique_id, e.raw) for e in entries] == [
        (f"CP{n}", str(n), f"[{n}]") for n in range(150)
    ]
    assert [e.mono for e in entries] == [float(n) for n in range(150)]


def test_a_failed_flush_rolls_back_every_chunk_and_keeps_the_rows_buffered(tmp_path):
    db = _journal(tmp_path / "j.sqlite")
    for n in range(100):
        db.append("frame_in", raw=f"[{n}]")
    db._buffer[80] = db._buffer[80][:-1]  # a row of 10 values: the second INSERT fails
    with pytest.raises(sqlite3.ProgrammingError):
        db.flush()
    assert list(_journal(tmp_path / "j.sqlite").entries()) == []
    assert db.dirty and len(db._buffer) == 100
