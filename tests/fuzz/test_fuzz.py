"""Fuzz the Central System: 10,000+ frames from the OCPP 1.6 schemas, mutated (oracle.py),
from several stations at once over 127.0.0.1, against the real CentralSystem with its
default limits and a real SQLite journal.

Every answer must be the one the oracle works out from the mutation alone; nothing may
crash (no bench fault, no bench_error entry, the server answers a Heartbeat at the end);
the connection is kept except where RFC 6455 fails it (text that is not UTF-8); and
every frame sent is in the journal, byte for byte, every answer received is a frame_out.
Seeded: a failure names its seed, station and mutation, and replays exactly.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from websockets.frames import Close, Opcode

from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.journal import Journal
from tests.conftest import UNIT
from tests.fuzz.oracle import KINDS, Case, Fuzzer
from tests.wire_station import WireStation

SEED = 20261203
STATIONS = 8  # in parallel: each stays within the default frame budget's burst
FRAMES = 10_000
# Frames written at once, without waiting: as many CALLs as the default
# max_pending_calls lets a station have unanswered.
BATCH = 10


@dataclass
class Tally:
    kinds: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    mismatches: list[str] = field(default_factory=list)
    sent: list[Case] = field(default_factory=list)
    answered: int = 0  # answers expected (and received)
    reconnects: int = 0


def answer_key(message: list[Any]) -> tuple[int, str, str | None]:
    return (message[0], message[1], message[2] if message[0] == 4 else None)


def expect_key(case: Case) -> tuple[int, str, str | None]:
    e = case.expect
    assert e.type_id is not None and e.unique_id is not None
    return (e.type_id, e.unique_id, e.code)


async def run_batch(station: WireStation, batch: list[Case], tally: Tally, where: str) -> None:
    station.writer.write(
        b"".join(
            station.frame_bytes(c.data, Opcode.BINARY if c.binary else Opcode.TEXT) for c in batch
        )
    )
    expected = [c for c in batch if c.expect.answered]
    received = await station.messages(len(expected))
    want = Counter(expect_key(c) for c in expected)
    got = Counter(answer_key(m) for m in received)
    for m in received:
        tally.answers["CALLRESULT" if m[0] == 3 else m[2]] += 1
    tally.answered += len(expected)
    if want != got:
        by_key = {expect_key(c): c for c in expected}
        for key in want - got:
            case = by_key[key]
            tally.mismatches.append(
                f"{where} {case.kind}: expected {key}, frame {case.data[:300]!r}"
            )
        tally.mismatches.append(f"{where} received instead: {sorted(got - want)}")


async def drive(cs: CentralSystem, identity: str, seed: int, count: int, tally: Tally) -> None:
    rng = random.Random(seed)
    fuzzer = Fuzzer(seed, f"{identity}-")
    kinds, weights = list(KINDS), list(KINDS.values())
    station = await WireStation.open(cs, identity)
    batch: list[Case] = []

    async def flush() -> None:
        if batch:
            await run_batch(station, batch, tally, f"seed {seed} {identity}")
            fuzzer.used.extend(c.call_id for c in batch if c.call_id is not None)
            del fuzzer.used[:-500]  # well inside the server's window of recent ids
            batch.clear()

    for _ in range(count):
        case = fuzzer.case(rng.choices(kinds, weights)[0])
        tally.kinds[case.kind] += 1
        tally.sent.append(case)
        if case.expect.close is None:
            batch.append(case)
            if len(batch) == BATCH:
                await flush()
            continue
        await flush()  # alone: the connection fails, answers still owed would be lost
        station.write(case.data)
        close = await station.message()
        if not (isinstance(close, Close) and close.code == case.expect.close):
            tally.mismatches.append(f"{identity} {case.kind}: expected close 1007, got {close}")
        await station.close()
        await cs.sessions[identity].wait_disconnected(25 * UNIT)
        station = await WireStation.open(cs, identity)
        fuzzer.new_connection()
        tally.reconnects += 1
    await flush()
    assert (await station.call(f"{identity}-end"))[:2] == [3, f"{identity}-end"]
    await station.close()


def journaled(journal: Journal, run_id: int) -> tuple[Counter[str], Counter[str], int]:
    """Frames received (raw text) and entry kinds, from the journal."""
    frames: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    invalid_text = 0
    for entry in journal.entries(run_id):
        kinds[entry.kind] += 1
        if entry.kind == "frame_in":
            frames[entry.raw or ""] += 1
        elif entry.kind == "invalid_text":
            invalid_text += 1
    return frames, kinds, invalid_text


async def test_ten_thousand_mutated_frames_get_the_oracle_answers_and_are_all_journaled(
    journal, capsys
):
    settings = ServerSettings(port=0, ping_interval=None, close_timeout=UNIT)  # default limits
    tally = Tally()
    async with CentralSystem(journal, settings) as cs:
        cs.run_id = journal.start_run("fuzz")
        per_station = -(-FRAMES // STATIONS)
        async with asyncio.TaskGroup() as group:
            for n in range(STATIONS):
                group.create_task(drive(cs, f"FUZZ{n}", SEED + n, per_station, tally))
        assert not tally.mismatches, "\n".join(tally.mismatches[:40])
        assert all(session.unanswered == 0 for session in cs.sessions.values())
        run_id = cs.run_id
    assert cs.faults == []

    frames, kinds, invalid_text = journaled(journal, run_id)
    sent = [c for c in tally.sent if c.expect.close is None]
    probes = STATIONS  # the closing Heartbeat of each station
    assert sum(frames.values()) == len(sent) + probes
    assert frames - Counter(
        {json.dumps([2, f"FUZZ{n}-end", "Heartbeat", {}]): 1 for n in range(STATIONS)}
    ) == Counter(c.data.decode("utf-8", "replace") for c in sent)
    assert invalid_text == tally.kinds["bad_utf8"] == tally.reconnects
    assert kinds["frame_out"] == tally.answered + probes
    assert kinds["bench_error"] == 0
    assert kinds["unexpected_reply"] == tally.kinds["orphan_result"] + tally.kinds["orphan_error"]
    assert sum(tally.kinds.values()) >= 10_000

    with capsys.disabled():
        print(f"\nfuzz: {sum(tally.kinds.values())} frames, {tally.reconnects} reconnections")
        print("frames per mutation:", dict(sorted(tally.kinds.items())))
        print("answers per code:", dict(sorted(tally.answers.items())))
