"""The station's disk (``chargecheck.sim.store``) on real SQLite files: with bursts (the
shell's store), a burst of work is one transaction, committed by ``release()``, its log
lines with it; without, every write is committed at once; connections are kept open
between bursts, at most ``limit`` per process, and closed by ``close()``."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from chargecheck.sim.store import KeptConnections, StationStore


def _other_reader(path: Path, sql: str) -> list[tuple[object, ...]]:
    """What another connection (another process, a person with sqlite3) sees."""
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_a_bursts_writes_are_one_transaction_committed_by_release(tmp_path):
    path = tmp_path / "CP1.sqlite"
    store = StationStore(path, KeptConnections(4), bursts=True)
    store.put("energy:1", 12.5)
    local = store.enqueue("MeterValues", {"connectorId": 1}, 7)
    assert store.get("energy:1") == 12.5  # the burst sees its own writes
    store.release()
    assert _other_reader(path, "SELECT key, value FROM kv") == [("energy:1", "12.5")]
    assert [m.seq for m in store.queued()] == [local]
    store.close()


def test_a_burst_cut_by_a_sigkill_leaves_nothing_and_the_bursts_before_it_stay(tmp_path):
    path = tmp_path / "CP1.sqlite"
    killed = (
        "import os, signal, sys\n"
        "from chargecheck.sim.store import StationStore\n"
        "store = StationStore(sys.argv[1], bursts=True)\n"
        "store.put('released', 1); store.log('2030-01-01T00:00:00.000Z', 'kept'); store.release()\n"
        "store.put('cut', 2); store.log('2030-01-01T00:00:01.000Z', 'lost')\n"
        "store.enqueue('MeterValues', {'connectorId': 1}, 1)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", killed, str(path)], timeout=30)
    assert done.returncode == -signal.SIGKILL
    store = StationStore(path, KeptConnections(1), bursts=True)
    assert (store.get("released"), store.get("cut")) == (1, None)
    assert store.queued() == []
    assert [text for _, text in store.log_between(None, None)] == ["kept"]
    store.close()


def test_a_bursts_log_lines_are_written_with_it_and_read_back_before_the_release(tmp_path):
    path = tmp_path / "CP1.sqlite"
    store = StationStore(path, KeptConnections(4), bursts=True)
    store.log("2030-01-01T00:00:00.000Z", '-> [2,"1","Heartbeat",{}]')
    store.log("2030-01-01T00:00:01.000Z", '<- [3,"1",{}]')
    assert [text for _, text in store.log_between(None, None)][-1] == '<- [3,"1",{}]'
    store.log("2030-01-01T00:00:02.000Z", "disconnected")
    store.release()
    assert _other_reader(path, "SELECT text FROM log ORDER BY id") == [
        ('-> [2,"1","Heartbeat",{}]',),
        ('<- [3,"1",{}]',),
        ("disconnected",),
    ]
    store.close()


def test_without_bursts_every_write_is_committed_at_once(tmp_path):
    path = tmp_path / "CP1.sqlite"
    store = StationStore(path, KeptConnections(4))
    store.put("energy:1", 3.0)
    store.log("2030-01-01T00:00:00.000Z", "connected")
    assert _other_reader(path, "SELECT key, value FROM kv") == [("energy:1", "3.0")]
    assert _other_reader(path, "SELECT text FROM log") == [("connected",)]
    store.close()


def test_a_log_only_burst_is_written_too(tmp_path):
    path = tmp_path / "CP1.sqlite"
    store = StationStore(path, KeptConnections(4), bursts=True)
    store.log("2030-01-01T00:00:00.000Z", "connected")
    store.close()
    assert _other_reader(path, "SELECT text FROM log") == [("connected",)]


def test_what_the_store_keeps_survives_it_and_is_read_by_a_new_one(tmp_path):
    path = tmp_path / "CP1.sqlite"
    first = StationStore(path, KeptConnections(4), bursts=True)
    first.put("configuration", {"keys": [{"name": "HeartbeatInterval", "value": "60"}]})
    first.save_transaction(1, 2, {"meterStart": 0})
    first.release()
    second = StationStore(path, KeptConnections(4), bursts=True)
    assert second.get("configuration")["keys"][0]["value"] == "60"
    assert [(t.local_id, t.connector_id) for t in second.active_transactions()] == [(1, 2)]
    first.close()
    second.close()


def test_a_released_connection_is_kept_for_the_next_burst_until_evicted(tmp_path):
    kept = KeptConnections(2)
    stores = [StationStore(tmp_path / f"CP{i}.sqlite", kept) for i in range(3)]
    for store in stores:
        store.put("x", 1)
        store.release()
    assert len(kept) == 2  # the limit: the store released longest ago lost its connection
    assert kept.take(stores[0]) is None
    reused = kept.take(stores[2])
    assert reused is not None
    kept.keep(stores[2], reused)
    stores[0].put("x", 2)  # opens its file again
    stores[0].release()
    assert kept.take(stores[1]) is None  # now the longest ago
    for store in stores:
        store.close()
    assert len(kept) == 0


def test_an_evicted_connection_is_closed(tmp_path):
    kept = KeptConnections(1)
    one = sqlite3.connect(tmp_path / "one.sqlite", check_same_thread=False)
    two = sqlite3.connect(tmp_path / "two.sqlite", check_same_thread=False)
    a, b = StationStore(tmp_path / "a.sqlite", kept), StationStore(tmp_path / "b.sqlite", kept)
    kept.keep(a, one)
    kept.keep(b, two)
    with pytest.raises(sqlite3.ProgrammingError):
        one.execute("SELECT 1")
    assert two.execute("SELECT 1").fetchone() == (1,)
    a.close()
    b.close()
    with pytest.raises(sqlite3.ProgrammingError):
        two.execute("SELECT 1")


def test_a_number_json_cannot_hold_in_64_bits_is_still_stored(tmp_path):
    store = StationStore(tmp_path / "CP1.sqlite", KeptConnections(1), bursts=True)
    store.put("big", 2**70)
    store.release()
    assert store.get("big") == 2**70
    store.close()
