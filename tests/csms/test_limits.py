"""The limits of csms/limits.py, end to end over 127.0.0.1: for each, a station over it
gets the documented answer, the journal has a ``limit`` entry and everything the station
sent before, and another station is served meanwhile."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.frames import Close

from chargecheck.csms import CentralSystem, ServerSettings
from chargecheck.csms.limits import FrameBudget
from chargecheck.journal import Journal
from chargecheck.script.settings import SettingsError, load
from tests.conftest import UNIT
from tests.wire_station import Refused, WireStation, heartbeat


@asynccontextmanager
async def central_system(journal: Journal, **limits: Any) -> AsyncIterator[CentralSystem]:
    # The wire stations never answer a close frame: the bench waits close_timeout for them.
    settings = ServerSettings(port=0, ping_interval=None, close_timeout=UNIT, **limits)
    async with CentralSystem(journal, settings) as cs:
        cs.run_id = journal.start_run("limits")
        yield cs
    assert cs.faults == []


def limit_entries(journal: Journal, cs: CentralSystem, name: str) -> list[Any]:
    return [
        e for e in journal.entries(cs.run_id) if e.kind == "limit" and e.detail["limit"] == name
    ]


def frame_ids(journal: Journal, cs: CentralSystem) -> list[str]:
    """The unique ids of the frames received, in journal order."""
    entries = journal.entries(cs.run_id)
    return [json.loads(e.raw or "")[1] for e in entries if e.kind == "frame_in"]


async def assert_still_served(cs: CentralSystem, identity: str = "OTHER") -> None:
    other = await WireStation.open(cs, identity)
    assert (await other.call("alive"))[:2] == [3, "alive"]
    await other.close()


# -- max_frame_bytes --------------------------------------------------------------------


async def test_a_frame_over_max_frame_bytes_is_closed_1009_and_journaled(journal):
    async with central_system(journal, max_frame_bytes=1000) as cs:
        station = await WireStation.open(cs, "CP1")
        assert (await station.call("before"))[0] == 3
        station.write(b'[2,"big","DataTransfer",{"vendorId":"x","data":"' + b"x" * 2000 + b'"}]')
        close = await station.message()
        assert isinstance(close, Close) and close.code == 1009
        await cs.sessions["CP1"].wait_disconnected(5)
        (hit,) = limit_entries(journal, cs, "max_frame_bytes")
        assert hit.station == "CP1" and hit.detail["max_frame_bytes"] == 1000
        assert frame_ids(journal, cs) == ["before"]  # kept; the big one was never read
        entries = list(journal.entries(cs.run_id))
        (closed,) = [e.detail for e in entries if e.kind == "close"]
        assert closed["reason"].startswith("closed by the bench: 1009")
        await assert_still_served(cs)
        again = await WireStation.open(cs, "CP1")  # the station itself may come back
        assert (await again.call("after"))[0] == 3


# -- max_frames_per_second ----------------------------------------------------------------


def test_the_frame_budget_allows_a_burst_then_the_rate():
    budget = FrameBudget(rate=10, burst=5, now=0.0)
    assert budget.take(5, 0.0) is None
    throttle = budget.take(3, 0.0)
    assert throttle is not None and throttle.pause_s == pytest.approx(0.3)
    assert budget.take(0, 0.3) is None  # the debt is paid back at the rate
    assert budget.take(1, 0.4) is None
    assert budget.take(1, 100.0) is None and budget.take(5, 100.0) is not None  # capped


async def test_a_flood_over_max_frames_per_second_is_read_later_and_nothing_is_lost(journal):
    limits = {"max_frames_per_second": 20.0, "frame_burst": 10, "max_pending_calls": 1000}
    async with central_system(journal, **limits) as cs:
        flood = await WireStation.open(cs, "FLOOD")
        flood.write(*(heartbeat(f"a{i}") for i in range(60)))  # 50 over: ~2.5 s of debt
        first = await flood.messages(60)
        assert [m[:2] for m in first] == [[3, f"a{i}"] for i in range(60)]
        (hit,) = limit_entries(journal, cs, "max_frames_per_second")
        assert hit.station == "FLOOD" and hit.detail["pause_s"] > 2
        # While its reading is paused, a frame it writes waits and another station is
        # served: the other station's frame is journaled before it.
        flood.write(heartbeat("late"))
        await assert_still_served(cs)
        assert (await flood.messages(1))[0][:2] == [3, "late"]
        ids = frame_ids(journal, cs)
        assert ids.index("alive") < ids.index("late")
        assert len(ids) == 62


# -- max_pending_calls --------------------------------------------------------------------


async def test_calls_beyond_max_pending_calls_get_generic_error_and_are_journaled(journal):
    async with central_system(journal, max_pending_calls=3, max_frames_per_second=None) as cs:
        station = await WireStation.open(cs, "CP1")
        # Eight CALLs without waiting for answers (OCPP-J 1.6 section 4.1.1 says one at a
        # time), in one write: all eight are unanswered when the last one is read.
        station.write(*(heartbeat(f"p{i}") for i in range(8)))
        answers = {m[1]: m for m in await station.messages(8)}
        assert [answers[f"p{i}"][0] for i in range(8)] == [3, 3, 3, 4, 4, 4, 4, 4]
        assert {answers[f"p{i}"][2] for i in range(3, 8)} == {"GenericError"}
        assert "4.1.1" in answers["p3"][3]
        hits = limit_entries(journal, cs, "max_pending_calls")
        assert [h.detail["unique_id"] for h in hits] == [f"p{i}" for i in range(3, 8)]
        assert frame_ids(journal, cs) == [f"p{i}" for i in range(8)]
        session = cs.sessions["CP1"]
        assert [m.valid for m in session.inbox] == [True] * 3 + [False] * 5
        assert session.unanswered == 0
        assert (await station.call("next"))[0] == 3  # one at a time is served again
        await assert_still_served(cs)


# -- duplicate_identity -------------------------------------------------------------------


async def test_a_second_connection_with_the_same_identity_replaces_the_first(journal):
    async with central_system(journal) as cs:
        first = await WireStation.open(cs, "CP1")
        assert (await first.call("one"))[0] == 3
        second = await WireStation.open(cs, "CP1")
        close = await first.message()
        assert isinstance(close, Close) and close.code == 1000 and "replaced" in close.reason
        assert (await second.call("two"))[:2] == [3, "two"]
        (hit,) = limit_entries(journal, cs, "duplicate_identity")
        assert hit.station == "CP1" and hit.detail["duplicate_identity"] == "replace"
        kinds = [e.kind for e in journal.entries(cs.run_id) if e.station == "CP1"]
        assert kinds.count("connect") == 2 and "close" in kinds
        assert cs.sessions["CP1"].connected
        await assert_still_served(cs)


async def test_with_refuse_a_second_connection_is_refused_409_and_the_first_kept(journal):
    async with central_system(journal, duplicate_identity="refuse") as cs:
        first = await WireStation.open(cs, "CP1")
        with pytest.raises(Refused) as refused:
            await WireStation.open(cs, "CP1")
        assert refused.value.status == 409
        assert (await first.call("still"))[:2] == [3, "still"]
        (hit,) = limit_entries(journal, cs, "duplicate_identity")
        assert hit.detail["duplicate_identity"] == "refuse"
        refusals = [e for e in journal.entries(cs.run_id) if e.kind == "refuse"]
        assert refusals[0].detail["status"] == 409
        await assert_still_served(cs)


def test_limit_settings_that_make_no_sense_are_refused():
    with pytest.raises(ValueError, match="duplicate_identity"):
        ServerSettings(duplicate_identity="newest")
    with pytest.raises(ValueError, match="max_pending_calls"):
        ServerSettings(max_pending_calls=0)
    with pytest.raises(ValueError, match="max_frames_per_second"):
        ServerSettings(max_frames_per_second=0)


# -- a CALL unique id used twice ----------------------------------------------------------


async def test_a_call_id_used_twice_on_a_connection_gets_generic_error(journal):
    async with central_system(journal) as cs:
        station = await WireStation.open(cs, "CP1")
        assert (await station.call("same"))[0] == 3
        again = await station.call("same")
        assert again[:3] == [4, "same", "GenericError"] and "already used" in again[3]
        rejected = [e for e in journal.entries(cs.run_id) if e.kind == "rejected_call"]
        assert len(rejected) == 1
        await station.close()
        await cs.sessions["CP1"].wait_disconnected(5)
        station = await WireStation.open(cs, "CP1")  # a new connection: ids start afresh
        assert (await station.call("same"))[0] == 3


async def test_the_server_goes_on_after_every_limit(journal):
    """All limits hit in one server, one after the other: it still answers."""
    async with central_system(journal, max_pending_calls=2, max_frame_bytes=500) as cs:
        station = await WireStation.open(cs, "CP1")
        station.write(*(heartbeat(f"q{i}") for i in range(4)))
        await station.messages(4)
        await WireStation.open(cs, "CP1")  # replaces
        big = await WireStation.open(cs, "CP2")
        big.write(b"[" + b" " * 600 + b"]")
        assert isinstance(await big.message(), Close)
        names = {e.detail["limit"] for e in journal.entries(cs.run_id) if e.kind == "limit"}
        assert names == {"max_pending_calls", "duplicate_identity", "max_frame_bytes"}
        await assert_still_served(cs)


# -- the settings file ----------------------------------------------------------------------


def test_the_limits_of_a_settings_file_reach_the_server_settings(tmp_path):
    path = tmp_path / "lab.toml"
    path.write_text(
        "[limits]\nmax_frames_per_second = 0\nmax_pending_calls = 3\n"
        'duplicate_identity = "refuse"\n'
    )
    server = ServerSettings(**load(path).limits.server_keys())
    assert server.max_frames_per_second is None  # 0: no limit
    assert server.max_pending_calls == 3 and server.duplicate_identity == "refuse"
    assert server.max_frame_bytes == ServerSettings().max_frame_bytes


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("max_pending_calls = 0", "at least 1"),
        ('duplicate_identity = "newest"', "'replace' or 'refuse'"),
        ("max_frame_bytes = 1.5", "must be int"),
        ("max_frames_per_second = true", "must be float"),
    ],
)
def test_a_limit_that_makes_no_sense_in_a_settings_file_is_named(tmp_path, line, message):
    path = tmp_path / "bad.toml"
    path.write_text(f"[limits]\n{line}\n")
    with pytest.raises(SettingsError, match=message):
        load(path)


def test_the_bench_profile_sets_the_server_defaults():
    assert ServerSettings(**load("bench").limits.server_keys()) == ServerSettings()
