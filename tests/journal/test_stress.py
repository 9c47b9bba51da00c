"""A busy bench loses and repeats nothing while its journal writer is slow or dies.

The interleavings of ``test_ack_interleavings.py`` forced at random, many at a time: five
stations send bursts of CALLs (several in flight, unique ids) and some of them drop or
replace their connection between bursts, while real FTP uploads and HTTP downloads run
in threads and their file events flush the journal synchronously from the loop
(``journal_sink``, as ``run.py`` wires it), meeting batches in flight (issue #12). The
gated writer process answers each batch after a seeded random delay and, in some runs,
exits at a seeded random batch, before or after committing it. On asyncio's loop and on
uvloop, every CALL gets exactly one CALLRESULT, in order, and the journal holds every
frame, connection event and file event exactly once, in the order it happened.

Bounded: fixed counts, seeded choices, a deadline on every wait and on the whole run.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import urllib.request
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from chargecheck.csms import CentralSystem
from chargecheck.files import FileServices, journal_sink
from chargecheck.files.events import DOWNLOAD_COMPLETE, JOURNAL_PREFIX, UPLOAD_COMPLETE
from chargecheck.journal import Journal
from chargecheck.journal.store import Entry
from tests.conftest import UNIT, RawStation, open_station
from tests.files.conftest import station_login
from tests.journal.conftest import WRITER_PROCESS, until

STATIONS = 5
ROUNDS = 6  # bursts per station
BURST = 16  # CALLs per burst, all sent before the first answer is read
# What each station does between bursts (the rest stay connected throughout).
PLANS = {0: "reconnect", 1: "reconnect", 2: "replace"}
UPLOADS = 8
DOWNLOADS = 8
# Pacing, in the tests' one time unit (0.2 s): the stations' traffic lasts about 3 UNIT.
PAUSE = 0.6 * UNIT  # the longest pause between a station's bursts
SPREAD = 2.5 * UNIT  # each transfer starts at a random moment in this window
JITTER = UNIT / 40  # the longest pause after a CALL sent
SLOW = UNIT / 20  # the longest the writer process waits before each answer
DIE_AT = (2, 40)  # the killed writer exits at a batch in this range (a run makes 60 or more)
STATUSES = ("Available", "Preparing", "Charging", "Finishing", "Unavailable")


@dataclass
class StationLog:
    """What one station sent and received, in order, over all its connections."""

    identity: str
    sent: list[str] = field(default_factory=list)
    received: list[str] = field(default_factory=list)
    connections: int = 0


@dataclass
class Outcome:
    stations: list[StationLog]
    file_events: list[tuple[str, int]]  # (kind, seq) as the file services emitted them
    callback_errors: list[BaseException]
    writer_error: BaseException | None


# -- the stations -----------------------------------------------------------------------


def _call(identity: str, burst: int, n: int, rng: random.Random) -> str:
    unique_id = f"{identity}-{burst}-{n}"
    if rng.random() < 0.5:
        return json.dumps([2, unique_id, "Heartbeat", {}])
    payload = {
        "connectorId": rng.randint(0, 2),
        "errorCode": "NoError",
        "status": rng.choice(STATUSES),
    }
    return json.dumps([2, unique_id, "StatusNotification", payload])


async def _send(station: RawStation, calls: list[str], rng: random.Random, log: StationLog) -> None:
    for text in calls:
        log.sent.append(text)
        await station.send_raw(text)
        if rng.random() < 0.3:  # vary which CALLs share a batch
            await asyncio.sleep(rng.uniform(0, JITTER))


async def _receive(station: RawStation, count: int, log: StationLog) -> None:
    for _ in range(count):
        log.received.append(await asyncio.wait_for(station.ws.recv(), 10 * UNIT))


async def _connect(cs: CentralSystem, log: StationLog) -> RawStation:
    station = await open_station(cs, log.identity, max_queue=None)
    log.connections += 1
    return station


async def _drive_station(cs: CentralSystem, index: int, seed: int) -> StationLog:
    rng = random.Random(seed * 100 + index)
    log = StationLog(f"ST{index}")
    plan = PLANS.get(index)
    station = await _connect(cs, log)
    for burst in range(ROUNDS):
        calls = [_call(log.identity, burst, n, rng) for n in range(BURST)]
        async with asyncio.TaskGroup() as group:
            group.create_task(_send(station, calls, rng, log))
            group.create_task(_receive(station, len(calls), log))
        if burst == ROUNDS - 1:
            break
        await asyncio.sleep(rng.uniform(0, PAUSE))
        if plan == "reconnect":
            await station.ws.close()
            station = await _connect(cs, log)
        elif plan == "replace":  # a new connection while the old one is open
            old, station = station, await _connect(cs, log)
            await asyncio.wait_for(old.ws.wait_closed(), 10 * UNIT)
    await station.ws.close()
    return log


# -- the file transfers -----------------------------------------------------------------


def _upload(files: FileServices, name: str, data: bytes) -> None:
    with station_login(files) as ftp:
        ftp.storbinary(f"STOR {name}", io.BytesIO(data))


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10 * UNIT) as response:
        return response.read()


async def _later(delay: float, work: Callable[..., Any], *args: Any) -> Any:
    await asyncio.sleep(delay)
    return await asyncio.to_thread(work, *args)


async def _transfer_files(files: FileServices, seed: int) -> None:
    rng = random.Random(seed)
    name = files.make_firmware("9.9.9-stress", size=16 * 1024)
    served = (files.sandbox.firmware_dir / name).read_bytes()
    url = files.firmware_url(name)
    uploads = [rng.randbytes(rng.randint(1, 8192)) for _ in range(UPLOADS)]
    async with asyncio.TaskGroup() as group:
        for i, data in enumerate(uploads):
            group.create_task(_later(rng.uniform(0, SPREAD), _upload, files, f"diag-{i}.bin", data))
        downloads = [
            group.create_task(_later(rng.uniform(0, SPREAD), _download, url))
            for _ in range(DOWNLOADS)
        ]
    assert all(d.result() == served for d in downloads)

    def count(kind: str) -> int:
        return sum(e.kind == kind for e in files.events)

    await until(
        lambda: count(UPLOAD_COMPLETE) == UPLOADS and count(DOWNLOAD_COMPLETE) == DOWNLOADS,
        "every transfer reported",
    )


# -- the run ----------------------------------------------------------------------------


def _busy_bench(tmp_path: Path, journal: Journal, seed: int) -> Coroutine[Any, Any, Outcome]:
    async def scenario() -> Outcome:
        run_id = journal.start_run("stress")
        files = FileServices(
            tmp_path / "runs",
            eof_grace=UNIT / 4,
            login_fail_delay=0,
            on_event=journal_sink(journal, run_id),
        )
        async with files:
            async with CentralSystem(journal, WRITER_PROCESS) as cs:
                cs.run_id = run_id
                async with asyncio.TaskGroup() as group:
                    group.create_task(_transfer_files(files, seed))
                    drivers = [
                        group.create_task(_drive_station(cs, i, seed)) for i in range(STATIONS)
                    ]
            writer_error = journal.writer_error
        return Outcome(
            [d.result() for d in drivers],
            [(e.kind, e.seq) for e in files.events],
            list(files.log.callback_errors),
            writer_error,
        )

    return scenario()


def _unique_id(text: str) -> str:
    return json.loads(text)[1]


def _assert_each_call_answered_once_in_order(log: StationLog) -> None:
    answers = [json.loads(text) for text in log.received]
    assert [a[0] for a in answers] == [3] * len(answers), f"{log.identity}: {answers}"
    sent_ids = [_unique_id(text) for text in log.sent]
    assert len(sent_ids) == len(set(sent_ids)) == ROUNDS * BURST
    assert [a[1] for a in answers] == sent_ids, f"{log.identity}: answers missing or repeated"


def _assert_station_journaled_once_in_order(entries: list[Entry], log: StationLog) -> None:
    mine = [e for e in entries if e.station == log.identity]
    assert [e.raw for e in mine if e.kind == "frame_in"] == log.sent
    assert [e.raw for e in mine if e.kind == "frame_out"] == log.received
    kinds = Counter(e.kind for e in mine)
    expected = {
        "frame_in": len(log.sent),
        "frame_out": len(log.received),
        "connect": log.connections,
        "close": log.connections,
    }
    if PLANS.get(int(log.identity.removeprefix("ST"))) == "replace":
        expected["limit"] = log.connections - 1  # duplicate_identity: each replaced an open one
    assert kinds == expected, f"{log.identity}: {kinds}"
    call_at = {_unique_id(e.raw or ""): e.id for e in mine if e.kind == "frame_in"}
    assert all(e.id > call_at[_unique_id(e.raw or "")] for e in mine if e.kind == "frame_out")


def _assert_nothing_lost_or_repeated(journal: Journal, outcome: Outcome) -> None:
    entries = list(journal.entries())
    for log in outcome.stations:
        _assert_each_call_answered_once_in_order(log)
        _assert_station_journaled_once_in_order(entries, log)
    frames = [e for e in entries if e.is_frame]
    assert len(frames) == sum(len(s.sent) + len(s.received) for s in outcome.stations)
    journaled_files = [
        (e.kind.removeprefix(JOURNAL_PREFIX), e.detail["seq"])
        for e in entries
        if e.kind.startswith(JOURNAL_PREFIX)
    ]
    assert journaled_files == outcome.file_events  # each once, in the order emitted
    kinds = Counter(kind for kind, _ in outcome.file_events)
    assert (kinds[UPLOAD_COMPLETE], kinds[DOWNLOAD_COMPLETE]) == (UPLOADS, DOWNLOADS)
    assert outcome.callback_errors == []


# -- the tests --------------------------------------------------------------------------


def test_a_busy_bench_with_a_slow_writer_answers_every_call_once_and_journals_everything_once(
    tmp_path, journal, gated, run_on
):
    seed = 1
    gated(slow=SLOW, seed=seed, die=None)
    outcome = run_on(_busy_bench(tmp_path, journal, seed))
    assert outcome.writer_error is None  # slow, never given up
    _assert_nothing_lost_or_repeated(journal, outcome)


# Seeds picked so the writer dies early and midway: at batches 4, 8, 22 and 30.
@pytest.mark.parametrize(
    ("when", "seed"), [("before", 19), ("after", 14), ("before", 7), ("after", 11)]
)
def test_a_writer_killed_mid_traffic_loses_and_repeats_no_answer_frame_or_file_event(
    tmp_path, journal, gated, run_on, when, seed
):
    die_at = random.Random(seed).randint(*DIE_AT)
    gated(slow=SLOW, seed=seed, die=f"{when}:{die_at}")
    outcome = run_on(_busy_bench(tmp_path, journal, seed))
    assert "ended" in str(outcome.writer_error), outcome.writer_error
    _assert_nothing_lost_or_repeated(journal, outcome)
