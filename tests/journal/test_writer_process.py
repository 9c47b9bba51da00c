"""Commits in the journal's writer process: a batch is committed before it is said to
be, synchronous reads wait for the batch in flight, and a writer process that dies or
never starts leaves commits in the Central System's process, losing nothing."""

from __future__ import annotations

import sqlite3

from chargecheck.clock import Clock
from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.journal import Journal, writer_process
from tests.conftest import open_station


def _journal(path) -> Journal:
    clock = Clock()
    return Journal(path, clock.utc_text, clock.mono)


def _append(journal: Journal, rows: int, tag: str = "a") -> None:
    for n in range(rows):
        journal.append("frame_in", run_id=1, station="CP1", raw=f'[2,"{tag}{n}","Heartbeat",{{}}]')


def _count_from_another_connection(path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
    finally:
        db.close()


def test_a_batch_is_committed_by_the_writer_process_before_it_is_settled(tmp_path):
    journal = _journal(tmp_path / "j.sqlite")
    journal.background_writes()
    assert journal.writing_in_background and journal.writer_error is None
    _append(journal, 300)
    outcomes: list[BaseException | None] = []
    assert journal.flush_soon(outcomes.append)
    assert journal.in_flight and not journal.dirty
    journal.take_ack()
    assert outcomes == [None]
    assert _count_from_another_connection(tmp_path / "j.sqlite") == 300
    journal.close()


def test_a_synchronous_read_waits_for_the_batch_in_flight_and_ids_stay_in_order(tmp_path):
    journal = _journal(tmp_path / "j.sqlite")
    journal.background_writes()
    _append(journal, 100, "first")
    outcomes: list[BaseException | None] = []
    assert journal.flush_soon(outcomes.append)
    _append(journal, 50, "then")
    entries = list(journal.entries())
    assert outcomes == [None]
    assert [e.id for e in entries] == list(range(1, 151))
    assert '"then49"' in (entries[-1].raw or "")
    journal.close()


def test_when_the_writer_process_dies_its_batch_fails_and_nothing_is_lost(tmp_path):
    journal = _journal(tmp_path / "j.sqlite")
    journal.background_writes()
    _append(journal, 10, "before")
    outcomes: list[BaseException | None] = []
    assert journal.flush_soon(outcomes.append)
    journal.take_ack()
    journal._writer._process.kill()  # type: ignore[union-attr]  # the process dies
    journal._writer._process.wait()  # type: ignore[union-attr]
    _append(journal, 20, "after")
    if journal.flush_soon(outcomes.append):  # the pipe may still take the batch
        journal.take_ack()
    assert outcomes[0] is None and all(o is not None for o in outcomes[1:])
    assert not journal.writing_in_background and journal.writer_error is not None
    raws = [e.raw for e in journal.entries()]  # the failed rows are committed here
    assert len(raws) == 30 and '"after19"' in (raws[-1] or "")
    journal.close()


def test_a_writer_process_that_cannot_start_leaves_commits_here(tmp_path, monkeypatch):
    monkeypatch.setattr(writer_process, "CHILD", tmp_path / "no-such-writer.py")
    journal = _journal(tmp_path / "j.sqlite")
    journal.background_writes()
    assert not journal.writing_in_background
    assert "did not start" in str(journal.writer_error)
    _append(journal, 5)
    assert not journal.flush_soon(lambda error: None)
    journal.flush()
    assert _count_from_another_connection(tmp_path / "j.sqlite") == 5
    journal.close()


async def test_a_station_is_answered_and_journaled_after_the_writer_process_dies(tmp_path):
    journal = _journal(tmp_path / "j.sqlite")
    settings = ServerSettings(port=0, ping_interval=None, journal_process=True)
    async with CentralSystem(journal, settings) as cs:
        cs.run_id = journal.start_run("writer")
        station = await open_station(cs)
        assert (await station.call("Heartbeat", {}))[0] == 3
        assert journal.writing_in_background
        journal._writer._process.kill()  # type: ignore[union-attr]
        journal._writer._process.wait()  # type: ignore[union-attr]
        # The dead process's pipe refuses the next batch at once: committed here, answered.
        assert (await station.call("Heartbeat", {}))[0] == 3
        await station.ws.close()
    assert journal.writer_error is not None
    frames = [e.kind for e in journal.entries() if e.kind in ("frame_in", "frame_out")]
    assert frames.count("frame_in") >= 2 and frames.count("frame_out") >= 2
    journal.close()
