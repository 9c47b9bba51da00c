"""The Central System never goes deaf over a journal batch in flight (issue #12).

Each test forces one interleaving with the gated writer process (``gated_writer.py``):
a batch held in flight while a file event's synchronous flush comes in, a writer that
dies before or after committing without answering, a writer that never answers. Every
test runs on asyncio's own loop and on uvloop (what ``chargecheck`` runs on), which
makes the answer pipe non-blocking behind our back: the bug of issue #12 showed only
there. In every case the station's CALL is answered, once, and every frame is in the
journal once, in order."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

from chargecheck.clock import Clock
from chargecheck.csms import CentralSystem
from chargecheck.files.events import EventLog, journal_sink
from chargecheck.journal import Journal
from tests.conftest import UNIT, RawStation, open_station
from tests.journal.conftest import WRITER_PROCESS, until


def _journal(path: Path) -> Journal:
    clock = Clock()
    return Journal(path, clock.utc_text, clock.mono)


def _holds(journal: Journal, unique_id: str) -> bool:
    """The batch in flight carries the frame with ``unique_id``."""
    inflight = journal._inflight
    return inflight is not None and any(row[7] == unique_id for row in inflight[0])


def _settled(journal: Journal) -> bool:
    return not journal.dirty and not journal.in_flight


def _frames(journal: Journal) -> list[tuple[str, str]]:
    return [
        (e.kind, json.loads(e.raw or "[]")[1])
        for e in journal.entries()
        if e.kind in ("frame_in", "frame_out")
    ]


def _assert_each_call_answered_once_in_order(journal: Journal, ids: list[str]) -> None:
    frames = _frames(journal)
    assert len(frames) == len(set(frames)), f"a frame journaled twice: {frames}"
    wanted = [(kind, i) for i in ids for kind in ("frame_in", "frame_out")]
    assert frames == wanted


async def _answered(station: RawStation, unique_id: str) -> None:
    answer = await station.recv()
    assert answer[:2] == [3, unique_id], answer


def test_a_file_event_while_a_batch_is_in_flight_leaves_the_station_answered(
    tmp_path, gated, run_on
):
    hold = tmp_path / "hold"
    gated(hold_file=str(hold))
    journal = _journal(tmp_path / "j.sqlite")

    async def scenario() -> None:
        async with CentralSystem(journal, WRITER_PROCESS) as cs:
            cs.run_id = run_id = journal.start_run("acks")
            events = EventLog(on_event=journal_sink(journal, run_id))
            station = await open_station(cs)
            await station.send_raw('[2,"a","Heartbeat",{}]')
            await _answered(station, "a")
            hold.touch()
            await station.send_raw('[2,"held","Heartbeat",{}]')
            await until(lambda: _holds(journal, "held"), "the frame's batch in flight")
            # The FTP server's thread reports an upload while the batch is in flight; the
            # writer answers a moment later, while the event's flush waits for it.
            threading.Timer(UNIT, hold.unlink).start()
            detail = {"name": "diag.zip", "size": 3}
            await asyncio.to_thread(events.emit, "upload_complete", detail)
            await _answered(station, "held")
            await station.send_raw('[2,"next","Heartbeat",{}]')
            await _answered(station, "next")
            await station.ws.close()
        assert not cs.faults
        assert events.callback_errors == []
        assert journal.writer_error is None  # the process answered late, not never

    run_on(scenario())
    _assert_each_call_answered_once_in_order(journal, ["a", "held", "next"])
    assert [e.kind for e in journal.entries()].count("file_upload_complete") == 1
    journal.close()


def test_the_central_system_stops_cleanly_with_a_batch_in_flight(tmp_path, gated, run_on):
    hold = tmp_path / "hold"
    gated(hold_file=str(hold))
    journal = _journal(tmp_path / "j.sqlite")

    async def scenario() -> None:
        cs = CentralSystem(journal, WRITER_PROCESS)
        await cs.start()
        cs.run_id = journal.start_run("acks")
        station = await open_station(cs)
        await until(lambda: _settled(journal), "the connection event committed")
        hold.touch()
        await station.send_raw('[2,"last","Heartbeat",{}]')
        await until(lambda: _holds(journal, "last"), "the frame's batch in flight")
        threading.Timer(UNIT, hold.unlink).start()
        await cs.stop()
        await _answered(station, "last")  # answered before the bench went

    run_on(scenario())
    _assert_each_call_answered_once_in_order(journal, ["last"])
    journal.end_run(1)
    journal.close()


def _heartbeats_answered_one_by_one(
    journal: Journal, ids: list[str], *, settle_first: bool
) -> Coroutine[Any, Any, None]:
    async def scenario() -> None:
        async with CentralSystem(journal, WRITER_PROCESS) as cs:
            cs.run_id = journal.start_run("acks")
            station = await open_station(cs)
            if settle_first:
                await until(lambda: _settled(journal), "the connection event committed")
            for unique_id in ids:
                await station.send_raw(f'[2,"{unique_id}","Heartbeat",{{}}]')
                await _answered(station, unique_id)
            await station.ws.close()
        assert not cs.faults

    return scenario()


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_writer_that_dies_without_answering_loses_and_repeats_nothing(
    tmp_path, gated, run_on, when
):
    # Batch 1 holds the connection event, batch 2 the first CALL: the process dies
    # with the CALL's batch, before or after committing it.
    gated(die=f"{when}:2", hold_file=str(tmp_path / "hold"))
    journal = _journal(tmp_path / "j.sqlite")
    run_on(_heartbeats_answered_one_by_one(journal, ["dies", "then"], settle_first=True))
    assert "ended" in str(journal.writer_error)
    _assert_each_call_answered_once_in_order(journal, ["dies", "then"])
    journal.close()


def test_a_writer_that_never_answers_is_given_up_and_the_station_still_answered(
    tmp_path, gated, run_on
):
    hold = tmp_path / "hold"
    hold.touch()  # never removed: the process holds its first answer for ever
    gated(hold_file=str(hold))
    journal = _journal(tmp_path / "j.sqlite")
    journal.ack_timeout = 2 * UNIT
    run_on(_heartbeats_answered_one_by_one(journal, ["first", "second"], settle_first=False))
    assert "did not answer in time" in str(journal.writer_error)
    _assert_each_call_answered_once_in_order(journal, ["first", "second"])
    journal.close()


async def test_a_writer_answer_nobody_can_watch_is_waited_for_and_the_station_answered(
    tmp_path, gated
):
    # The loop refuses to watch the answer pipe (asyncio's own loop: its add_reader can be
    # replaced): the batch is settled by waiting for the answer at once, exactly once.
    gated()
    journal = _journal(tmp_path / "j.sqlite")
    loop = asyncio.get_running_loop()

    def refuse(fd: int, callback: Any, *args: Any) -> None:
        raise OSError("cannot watch this fd")

    async with CentralSystem(journal, WRITER_PROCESS) as cs:
        said: list[str] = []
        cs.fault_recorder.say = said.append
        cs.run_id = journal.start_run("acks")
        station = await open_station(cs)
        await until(lambda: _settled(journal), "the connection event committed")
        cs.writer.close()  # stop watching, so the next batch asks the loop again
        loop.add_reader = refuse  # type: ignore[method-assign]
        try:
            for unique_id in ("unwatched", "next"):
                await station.send_raw(f'[2,"{unique_id}","Heartbeat",{{}}]')
                await _answered(station, unique_id)
        finally:
            del loop.add_reader  # type: ignore[method-assign]
        await station.ws.close()
    assert journal.writer_error is None and cs.faults
    assert "cannot watch this fd" in said[0]
    _assert_each_call_answered_once_in_order(journal, ["unwatched", "next"])
    journal.close()
