"""The station's disk: one SQLite file per station in the state directory.

What a real charger keeps in flash lives here, so that it survives a reboot, a power cut
and a SIGKILL of the simulator process: the configuration keys, the charging profiles,
the availability of each connector, the authorisation cache and local list, the
installed firmware version, the energy registers, the active transactions with the map
from their local id to the Central System's transactionId, the queue of transaction
messages not yet delivered (OCPP 1.6 section 4.7, "transaction-related messages") and the
station's own log (what GetDiagnostics uploads).

Every write is its own committed transaction. ``synchronous=OFF`` hands each commit to
the operating system before returning: it survives the process being killed (the case
the simulator models), not the host losing power. The connection is opened on demand
and ``release()`` closes it between bursts of work, so that an idle station holds no
SQLite memory (a load test runs thousands of stations in one process).
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

LOG_KEEP = 20_000  # log lines kept; older ones are pruned
_PRUNE_EVERY = 1_000

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


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


class StationStore:
    """One station's persistent state. Not thread-safe: the station's own loop only."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn: sqlite3.Connection | None = None
        self._logged = 0
        self._db.executescript(_SCHEMA)

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, cached_statements=16)
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA cache_size=0")
            self._conn = conn
        return self._conn

    def release(self) -> None:
        """Close the connection; the next use opens it again."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    close = release

    # -- key/value state -------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        self._db.execute(
            "INSERT INTO kv (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    def next_number(self, key: str) -> int:
        """1, 2, 3, ... persistently (a counter that survives restarts)."""
        number = int(self.get(key, 0)) + 1
        self.put(key, number)
        return number

    # -- the queue of transaction messages --------------------------------------

    def enqueue(self, action: str, payload: dict[str, Any], local_tx: int | None) -> int:
        cursor = self._db.execute(
            "INSERT INTO queue (action, payload, local_tx) VALUES (?, ?, ?)",
            (action, json.dumps(payload), local_tx),
        )
        return int(cursor.lastrowid or 0)

    def queued(self) -> list[QueuedMessage]:
        rows = self._db.execute(
            "SELECT seq, action, payload, local_tx, attempts FROM queue ORDER BY seq"
        ).fetchall()
        return [QueuedMessage(r[0], r[1], json.loads(r[2]), r[3], r[4]) for r in rows]

    def set_attempts(self, seq: int, attempts: int) -> None:
        self._db.execute("UPDATE queue SET attempts = ? WHERE seq = ?", (attempts, seq))

    def dequeue(self, seq: int) -> None:
        self._db.execute("DELETE FROM queue WHERE seq = ?", (seq,))

    def clear_queue(self) -> int:
        return self._db.execute("DELETE FROM queue").rowcount

    # -- transactions -----------------------------------------------------------

    def save_transaction(self, local_id: int, connector_id: int, body: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT INTO transactions (local_id, connector_id, active, body) VALUES (?, ?, 1, ?) "
            "ON CONFLICT(local_id) DO UPDATE SET body = excluded.body",
            (local_id, connector_id, json.dumps(body)),
        )

    def end_transaction(self, local_id: int) -> None:
        self._db.execute("UPDATE transactions SET active = 0 WHERE local_id = ?", (local_id,))

    def active_transactions(self) -> list[StoredTransaction]:
        rows = self._db.execute(
            "SELECT local_id, connector_id, body FROM transactions WHERE active = 1 "
            "ORDER BY local_id"
        ).fetchall()
        return [StoredTransaction(r[0], r[1], json.loads(r[2])) for r in rows]

    def set_real_id(self, local_id: int, real_id: int) -> None:
        self._db.execute(
            "UPDATE transactions SET real_id = ? WHERE local_id = ?", (real_id, local_id)
        )

    def mark_lost(self, local_id: int) -> None:
        """Its StartTransaction was given up: later messages of it cannot be delivered."""
        self._db.execute("UPDATE transactions SET lost = 1 WHERE local_id = ?", (local_id,))

    def real_id(self, local_id: int) -> tuple[int | None, bool]:
        """(the Central System's transactionId or None, whether the transaction is lost)."""
        row = self._db.execute(
            "SELECT real_id, lost FROM transactions WHERE local_id = ?", (local_id,)
        ).fetchone()
        return (None, True) if row is None else (row[0], bool(row[1]))

    # -- the station's own log ----------------------------------------------------

    def log(self, utc_text: str, text: str) -> None:
        self._db.execute("INSERT INTO log (utc, text) VALUES (?, ?)", (utc_text, text))
        self._logged += 1
        if self._logged % _PRUNE_EVERY == 0:
            self._db.execute(
                "DELETE FROM log WHERE id <= (SELECT MAX(id) FROM log) - ?", (LOG_KEEP,)
            )

    def log_between(self, start: str | None, stop: str | None) -> list[tuple[str, str]]:
        """Log lines with ``start <= utc <= stop`` (ISO texts compare in time order)."""
        rows = self._db.execute(
            "SELECT utc, text FROM log WHERE utc >= ? AND utc <= ? ORDER BY id",
            (start or "", stop or "9999"),
        ).fetchall()
        return [(r[0], r[1]) for r in rows]
