"""The station's disk: one SQLite file per station in the state directory.

What a real charger keeps in flash lives here, so that it survives a reboot, a power cut
and a SIGKILL of the simulator process: the configuration keys, the charging profiles,
the availability of each connector, the authorisation cache and local list, the
installed firmware version, the energy registers, the active transactions with the map
from their local id to the Central System's transactionId, the queue of transaction
messages not yet delivered (OCPP 1.6 section 4.7, "transaction-related messages") and the
station's own log (what GetDiagnostics uploads).

Every write is its own committed transaction; or, for a store made with ``bursts=True``
(the shell's), the writes of one burst of work (the shell's reaction to one input: a
frame, a timer, an act) are one transaction, begun by the first write and committed by
``release()``, which the shell calls before it performs the burst's actions: what a frame
reports is on disk before the frame leaves, and a burst cut by a SIGKILL leaves nothing
half written. ``synchronous=OFF`` hands each commit to the operating system before
returning: it survives the process being killed (the case the simulator models), not the
host losing power. The connection is opened on demand; ``release()`` gives it to the
connections kept open for the next burst (``KeptConnections``: the stations that worked
last, a few dozen per process), so that an idle station holds no SQLite memory and no open
file (a load test runs 10,000 stations in one process; SQLite also walks a list of every
file the process holds open each time it opens one, so open files would make every open
dearer).
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    action TEXT NOT NULL,
    payload TEXT NOT NULL,
    local_tx INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS transactions (
    local_id INTEGER PRIMARY KEY,
    connector_id INTEGER NOT NULL,
    active INTEGER NOT NULL,
    real_id INTEGER,
    lost INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY, utc TEXT NOT NULL, text TEXT NOT NULL);
"""

JOURNAL_MODE = "TRUNCATE"  # the rollback journal stays, emptied: no file made per commit
KEEP_OPEN = 64  # connections kept open between bursts, per process (``KeptConnections``)
LOG_KEEP = 20_000  # log lines kept; older ones are pruned
_PRUNE_EVERY = 1_000

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _json(value: Any) -> str:
    """``value`` as JSON text: orjson (a station's configuration is ~12 kB of JSON, saved
    at every change: 7x faster than ``json``), ``json`` for what orjson refuses (an
    integer past 64 bits). Read back with ``json``, which reads every number exactly."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def state_file(state_dir: Path, identity: str) -> Path:
    """A station's SQLite file in ``state_dir``, named for its identity."""
    return state_dir / f"{_SAFE.sub('_', identity)}.sqlite"


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """A transaction message waiting in the queue, in the order it must be sent."""

    seq: int
    action: str
    payload: dict[str, Any]
    local_tx: int | None
    attempts: int


@dataclass(frozen=True, slots=True)
class StoredTransaction:
    local_id: int
    connector_id: int
    body: dict[str, Any]


class KeptConnections:
    """The SQLite connections of the stores that released them last, kept open for their
    next burst: at most ``limit``, the one released longest ago closed first. A station's
    bursts come in runs (a MeterValues, then its answer a round trip later; a boot's
    frames), so most bursts find their connection here instead of opening the file again
    (an open reads the schema; ~100 us). Shared by the stores of a process, so that the
    open files stay few whatever the size of the fleet."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: OrderedDict[StationStore, sqlite3.Connection] = OrderedDict()
        self._lock = threading.Lock()  # stores of other threads (a test's) may share it

    def take(self, store: StationStore) -> sqlite3.Connection | None:
        with self._lock:
            return self._open.pop(store, None)

    def keep(self, store: StationStore, conn: sqlite3.Connection) -> None:
        with self._lock:
            self._open[store] = conn
            evicted = []
            while len(self._open) > self.limit:
                evicted.append(self._open.popitem(last=False)[1])
        for old in evicted:
            old.close()

    def __len__(self) -> int:
        return len(self._open)


KEPT = KeptConnections(KEEP_OPEN)


class StationStore:
    """One station's persistent state. Not thread-safe: the station's own loop only."""

    def __init__(
        self, path: str | Path, kept: KeptConnections = KEPT, *, bursts: bool = False
    ) -> None:
        """The file is made (with its tables) at the first use, not here: a fleet of
        10,000 starts its ramp at once, each station making its file as it powers on.
        ``bursts``: a transaction per burst, committed by ``release()`` (module docstring)."""
        self.path = Path(path)
        self._kept = kept
        self._bursts = bursts
        self._conn: sqlite3.Connection | None = None
        self._made = False  # the file and its tables exist
        self._writing = False  # a transaction is open on ``_conn``
        self._lines: list[tuple[str, str]] = []  # log lines of this burst, not yet written
        self._logged = 0

    @property
    def _db(self) -> sqlite3.Connection:
        """The connection, for a read."""
        if self._conn is None:
            self._conn = self._kept.take(self) or self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        if not self._made:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path, isolation_level=None, cached_statements=16, check_same_thread=False
        )
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=0")
        conn.execute(f"PRAGMA journal_mode={JOURNAL_MODE}")
        if not self._made:
            conn.execute("BEGIN")  # one transaction (a new file: one journal, not four)
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("COMMIT")
            self._made = True
        return conn

    @property
    def _tx(self) -> sqlite3.Connection:
        """The connection, for a write: inside the burst's transaction, if bursts."""
        conn = self._db
        if self._bursts and not self._writing:
            conn.execute("BEGIN")
            self._writing = True
        return conn

    def release(self) -> None:
        """Write the burst's log lines and commit its writes; the connection goes to the
        kept ones (``KEPT``)."""
        conn = self._finish()
        if conn is not None:
            self._kept.keep(self, conn)

    def close(self) -> None:
        """Write and commit as ``release`` does, then close the connection (kept or not)."""
        try:
            conn = self._finish()
        finally:
            kept = self._kept.take(self)
            if kept is not None:
                kept.close()
        if conn is not None:
            conn.close()

    def _finish(self) -> sqlite3.Connection | None:
        """End the burst: its log lines written, its transaction committed; the connection
        it used, detached (closed, its writes rolled back, if that fails)."""
        try:
            if self._lines:
                lines, self._lines = self._lines, []
                self._write_log(lines)
            if self._writing:
                assert self._conn is not None
                self._conn.execute("COMMIT")
        except BaseException:
            if self._conn is not None:
                self._conn.close()
            raise
        finally:
            conn, self._conn, self._writing = self._conn, None, False
        return conn

    # -- key/value state -------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        self._tx.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
            "SET value = excluded.value WHERE value IS NOT excluded.value",  # same: no write
            (key, _json(value)),
        )

    def next_number(self, key: str) -> int:
        """1, 2, 3, ... persistently (a counter that survives restarts)."""
        number = int(self.get(key, 0)) + 1
        self.put(key, number)
        return number

    # -- the queue of transaction messages --------------------------------------

    def enqueue(self, action: str, payload: dict[str, Any], local_tx: int | None) -> int:
        cursor = self._tx.execute(
            "INSERT INTO queue (action, payload, local_tx) VALUES (?, ?, ?)",
            (action, _json(payload), local_tx),
        )
        return int(cursor.lastrowid or 0)

    def queued(self) -> list[QueuedMessage]:
        rows = self._db.execute(
            "SELECT seq, action, payload, local_tx, attempts FROM queue ORDER BY seq"
        ).fetchall()
        return [QueuedMessage(r[0], r[1], json.loads(r[2]), r[3], r[4]) for r in rows]

    def set_attempts(self, seq: int, attempts: int) -> None:
        self._tx.execute("UPDATE queue SET attempts = ? WHERE seq = ?", (attempts, seq))

    def dequeue(self, seq: int) -> None:
        self._tx.execute("DELETE FROM queue WHERE seq = ?", (seq,))

    def clear_queue(self) -> int:
        return self._tx.execute("DELETE FROM queue").rowcount

    # -- transactions -----------------------------------------------------------

    def save_transaction(self, local_id: int, connector_id: int, body: dict[str, Any]) -> None:
        self._tx.execute(
            "INSERT INTO transactions (local_id, connector_id, active, body) VALUES (?, ?, 1, ?) "
            "ON CONFLICT(local_id) DO UPDATE SET body = excluded.body",
            (local_id, connector_id, _json(body)),
        )

    def end_transaction(self, local_id: int) -> None:
        self._tx.execute("UPDATE transactions SET active = 0 WHERE local_id = ?", (local_id,))

    def active_transactions(self) -> list[StoredTransaction]:
        rows = self._db.execute(
            "SELECT local_id, connector_id, body FROM transactions WHERE active = 1 "
            "ORDER BY local_id"
        ).fetchall()
        return [StoredTransaction(r[0], r[1], json.loads(r[2])) for r in rows]

    def set_real_id(self, local_id: int, real_id: int) -> None:
        self._tx.execute(
            "UPDATE transactions SET real_id = ? WHERE local_id = ?", (real_id, local_id)
        )

    def mark_lost(self, local_id: int) -> None:
        """Its StartTransaction was given up: later messages of it cannot be delivered."""
        self._tx.execute("UPDATE transactions SET lost = 1 WHERE local_id = ?", (local_id,))

    def real_id(self, local_id: int) -> tuple[int | None, bool]:
        """(the Central System's transactionId or None, whether the transaction is lost)."""
        row = self._db.execute(
            "SELECT real_id, lost FROM transactions WHERE local_id = ?", (local_id,)
        ).fetchone()
        return (None, True) if row is None else (row[0], bool(row[1]))

    # -- the station's own log ----------------------------------------------------

    def log(self, utc_text: str, text: str) -> None:
        """A line of the station's log; with bursts, written with the burst's other
        writes, in one statement (a MeterValues burst logs the frame out, its answer the
        frame in)."""
        self._lines.append((utc_text, text))
        if not self._bursts:
            self._write_log([self._lines.pop()])

    def _write_log(self, lines: list[tuple[str, str]]) -> None:
        conn = self._tx
        conn.executemany("INSERT INTO log (utc, text) VALUES (?, ?)", lines)
        before, self._logged = self._logged, self._logged + len(lines)
        if before // _PRUNE_EVERY != self._logged // _PRUNE_EVERY:
            conn.execute("DELETE FROM log WHERE id <= (SELECT MAX(id) FROM log) - ?", (LOG_KEEP,))

    def log_between(self, start: str | None, stop: str | None) -> list[tuple[str, str]]:
        """Log lines with ``start <= utc <= stop`` (ISO texts compare in time order)."""
        if self._lines:
            lines, self._lines = self._lines, []
            self._write_log(lines)
        rows = self._db.execute(
            "SELECT utc, text FROM log WHERE utc >= ? AND utc <= ? ORDER BY id",
            (start or "", stop or "9999"),
        ).fetchall()
        return [(r[0], r[1]) for r in rows]
