"""EventLog: events emitted from server threads, awaited on an asyncio loop, journaled."""

from __future__ import annotations

import asyncio
import threading

import pytest

from chargecheck.files import EventLog, FileWaitTimeout, journal_sink
from chargecheck.files.events import LOGIN_REFUSED, UPLOAD_COMPLETE, UPLOAD_PARTIAL
from tests.conftest import UNIT


def emit_from_thread(log: EventLog, kind: str, detail: dict) -> None:
    thread = threading.Thread(target=log.emit, args=(kind, detail))
    thread.start()
    thread.join()


def is_upload(event) -> bool:
    return event.kind == UPLOAD_COMPLETE


async def test_a_wait_sees_an_event_emitted_before_it_started():
    log = EventLog()
    emit_from_thread(log, UPLOAD_COMPLETE, {"name": "a"})
    event = await log.wait_for(is_upload, UNIT, what="upload")
    assert event.seq == 0 and event.detail["name"] == "a"


async def test_a_wait_is_woken_by_an_event_from_another_thread():
    log = EventLog()
    loop = asyncio.get_running_loop()
    waiting = asyncio.create_task(log.wait_for(is_upload, 10 * UNIT, what="upload"))
    await asyncio.sleep(0)
    await loop.run_in_executor(None, log.emit, UPLOAD_COMPLETE, {"name": "b"})
    assert (await waiting).detail["name"] == "b"


async def test_a_wait_from_a_mark_ignores_earlier_events():
    log = EventLog()
    log.emit(UPLOAD_COMPLETE, {"name": "old"})
    since = len(log)
    log.emit(UPLOAD_COMPLETE, {"name": "new"})
    assert (await log.wait_for(is_upload, UNIT, since=since, what="upload")).detail["name"] == "new"


async def test_a_timed_out_wait_names_what_it_waited_for_and_what_happened_instead():
    log = EventLog()
    log.emit(LOGIN_REFUSED, {"user": "cc-1"})
    log.emit(UPLOAD_PARTIAL, {"name": "d.zip", "reason": "exceeds the cap of 10 bytes"})
    with pytest.raises(FileWaitTimeout) as caught:
        await log.wait_for(is_upload, UNIT / 4, what="complete upload matching '*'")
    message = str(caught.value)
    assert "no complete upload matching '*' within" in message
    assert "login_refused cc-1" in message
    assert "upload_partial d.zip (exceeds the cap of 10 bytes)" in message
    assert [e.kind for e in caught.value.events] == [LOGIN_REFUSED, UPLOAD_PARTIAL]
    assert isinstance(caught.value, TimeoutError)


async def test_a_timed_out_wait_leaves_no_waiter_behind():
    log = EventLog()
    with pytest.raises(FileWaitTimeout):
        await log.wait_for(is_upload, UNIT / 4, what="upload")
    assert log._waiters == []


def test_events_from_many_threads_get_distinct_consecutive_seqs():
    log = EventLog()
    threads = [
        threading.Thread(target=log.emit, args=(UPLOAD_COMPLETE, {"n": n})) for n in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [e.seq for e in log.snapshot()] == list(range(20))
    assert sorted(e.detail["n"] for e in log.snapshot()) == list(range(20))


def test_on_event_gets_each_event_with_its_seq():
    seen: list[tuple[str, dict]] = []
    log = EventLog(lambda kind, detail: seen.append((kind, detail)))
    log.emit(LOGIN_REFUSED, {"user": "u"})
    assert seen == [(LOGIN_REFUSED, {"user": "u", "seq": 0})]


def test_a_failing_on_event_is_kept_and_the_event_still_recorded():
    def broken(kind: str, detail: dict) -> None:
        raise ValueError("sink is broken")

    log = EventLog(broken)
    log.emit(LOGIN_REFUSED, {"user": "u"})
    assert len(log) == 1
    assert [str(e) for e in log.callback_errors] == ["sink is broken"]


async def test_journal_sink_writes_events_from_a_thread_on_the_loop_thread(journal):
    run_id = journal.start_run("test")
    loop_thread = threading.get_ident()
    appended_on: list[int] = []
    real_append = journal.append

    def spying_append(*args, **kwargs):
        appended_on.append(threading.get_ident())
        return real_append(*args, **kwargs)

    journal.append = spying_append
    log = EventLog(journal_sink(journal, run_id))
    waiting = asyncio.create_task(log.wait_for(is_upload, 10 * UNIT, what="upload"))
    await asyncio.sleep(0)
    emit_from_thread(log, UPLOAD_COMPLETE, {"name": "diag.zip", "size": 3})
    await waiting
    # on_event runs before the waiter wakes: the entry is already written.
    entries = [e for e in journal.entries(run_id) if e.kind.startswith("file_")]
    assert [(e.kind, e.detail) for e in entries] == [
        ("file_upload_complete", {"name": "diag.zip", "size": 3, "seq": 0})
    ]
    assert appended_on == [loop_thread]
