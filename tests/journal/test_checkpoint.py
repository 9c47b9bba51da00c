"""WAL checkpoints in a thread of their own: the database file fills while commits only
append to the WAL, and the journal falls back to SQLite's own checkpoints."""

from __future__ import annotations

import time

from chargecheck.clock import Clock
from chargecheck.journal import Journal
from chargecheck.journal.checkpoint import Checkpointer
from tests.conftest import UNIT

FRAME = '[2,"1","Heartbeat",{}]' + " " * 400


def _journal(path) -> Journal:
    clock = Clock()
    return Journal(path, clock.utc_text, clock.mono)


def _write(journal: Journal, rows: int) -> None:
    for n in range(rows):
        journal.append("frame_in", run_id=1, station="CP1", raw=FRAME)
        if n % 100 == 99:
            journal.flush()
    journal.flush()


def _autocheckpoint(journal: Journal) -> int:
    return int(journal._db.execute("PRAGMA wal_autocheckpoint").fetchone()[0])


def test_background_checkpoints_fill_the_database_file_and_commits_do_not(tmp_path):
    busy, idle = _journal(tmp_path / "busy.sqlite"), _journal(tmp_path / "idle.sqlite")
    busy.background_checkpoints(interval=UNIT / 20)
    idle._db.execute("PRAGMA wal_autocheckpoint=0")  # nobody checkpoints this one
    start = (tmp_path / "busy.sqlite").stat().st_size
    _write(busy, 3000)
    _write(idle, 3000)
    deadline = time.monotonic() + 20 * UNIT
    while (tmp_path / "busy.sqlite").stat().st_size <= start and time.monotonic() < deadline:
        time.sleep(UNIT / 20)
    assert (tmp_path / "busy.sqlite").stat().st_size > start
    assert (tmp_path / "idle.sqlite").stat().st_size == start
    assert _autocheckpoint(busy) == 0
    busy.foreground_checkpoints()
    assert _autocheckpoint(busy) == 1000
    assert len(list(busy.entries(1))) == 3000
    busy.close()
    idle.close()


def test_a_failed_checkpoint_thread_hands_checkpoints_back_to_sqlite(tmp_path):
    journal = _journal(tmp_path / "journal.sqlite")
    journal._db.execute("PRAGMA wal_autocheckpoint=0")
    broken = Checkpointer(str(tmp_path), interval=UNIT / 20)  # a directory: cannot open
    journal._checkpointer = broken
    broken.start()
    broken._thread.join(10 * UNIT)
    assert not broken.alive
    _write(journal, 1)
    assert _autocheckpoint(journal) == 1000
    assert journal.checkpoint_error is not None
    journal.close()


def test_an_in_memory_journal_has_no_checkpoint_thread():
    journal = _journal(":memory:")
    journal.background_checkpoints()
    assert journal._checkpointer is None
    journal.close()
