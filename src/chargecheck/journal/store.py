"""SQLite journal store (WAL mode), single writer.

``append`` buffers an entry and returns its id at once; ``flush`` writes every
buffered entry in one transaction. The asyncio layer flushes once per event-loop tick
and acts on a frame only after the flush that holds it (see ``csms.journal_writer``),
so a frame is persisted before it is acted on while writes stay batched. With WAL and
``synchronous=NORMAL`` a committed transaction survives the process being killed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chargecheck.journal.checkpoint import Checkpointer
from chargecheck.journal.writer_child import write_rows
from chargecheck.journal.writer_process import ACK_TIMEOUT, JournalWriteError, WriterProcess

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    started_utc TEXT NOT NULL,
    ended_utc TEXT,
    station TEXT,
    info TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY,
    run_id INTEGER,
    station TEXT,
    utc TEXT NOT NULL,
    mono REAL NOT NULL,
    kind TEXT NOT NULL,
    message_type INTEGER,
    unique_id TEXT,
    action TEXT,
    raw TEXT,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS entries_run ON entries (run_id, id);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_run ON records (run_id, kind);
"""

_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default

BINARY_DETAIL = json.dumps({"binary": True})  # the detail of a frame sent as binary

# Entry kinds. Frames carry ``raw``; events carry ``detail`` (JSON).
FRAME_IN = "frame_in"
FRAME_OUT = "frame_out"


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    run_id: int | None
    station: str | None
    utc: str
    mono: float
    kind: str
    message_type: int | None = None
    unique_id: str | None = None
    action: str | None = None
    raw: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def is_frame(self) -> bool:
        return self.kind in (FRAME_IN, FRAME_OUT)


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    kind: str
    started_utc: str
    ended_utc: str | None
    station: str | None
    info: dict[str, Any]


_Row = tuple[
    int,
    int | None,
    str | None,
    str,
    float,
    str,
    int | None,
    str | None,
    str | None,
    str | None,
    str | None,
]


class Journal:
    """One journal database. Not thread-safe; one writer process at a time."""

    def __init__(
        self, path: str | Path, utc_now: Callable[[], str], mono_now: Callable[[], float]
    ) -> None:
        self.path = str(path)
        self._utc_now = utc_now
        self._mono_now = mono_now
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")  # the writer process may hold the lock
        self._db.executescript(_SCHEMA)
        self._db.execute(
            "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
        last = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM entries").fetchone()[0]
        self._next_id = int(last) + 1
        self._buffer: list[_Row] = []
        self._checkpointer: Checkpointer | None = None
        self._writer: WriterProcess | None = None
        self._inflight: tuple[list[_Row], Callable[[BaseException | None], None]] | None = None
        self.writer_error: BaseException | None = None  # why commits came back here
        self.ack_timeout = ACK_TIMEOUT  # how long the writer process may take to answer
        self.checkpoint_error: BaseException | None = None  # the last checkpoint thread's

    # -- writing -----------------------------------------------------------------

    def append(
        self,
        kind: str,
        *,
        run_id: int | None = None,
        station: str | None = None,
        message_type: int | None = None,
        unique_id: str | None = None,
        action: str | None = None,
        raw: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> int:
        """Buffer one entry; return its id. It is durable after the next ``flush``."""
        detail_text = json.dumps(detail, default=str) if detail else None
        return self.append_row(
            kind, run_id, station, message_type, unique_id, action, raw, detail_text
        )

    def append_row(
        self,
        kind: str,
        run_id: int | None,
        station: str | None,
        message_type: int | None,
        unique_id: str | None,
        action: str | None,
        raw: str | None,
        detail_text: str | None,
    ) -> int:
        """``append`` with the detail already JSON text: the per-frame path (positional)."""
        entry_id = self._next_id
        self._next_id += 1
        self._buffer.append(
            (
                entry_id,
                run_id,
                station,
                self._utc_now(),
                self._mono_now(),
                kind,
                message_type,
                unique_id,
                action,
                raw,
                detail_text,
            )
        )
        return entry_id

    @property
    def dirty(self) -> bool:
        return bool(self._buffer)

    def flush(self) -> None:
        """Write every buffered entry in one transaction (after the batch in flight in
        the writer process, if any, is answered)."""
        if self._inflight is not None:
            self.take_ack()
        if not self._buffer:
            return
        if self._checkpointer is not None and not self._checkpointer.alive:
            self.foreground_checkpoints()  # the thread failed: SQLite checkpoints inline again
        rows, self._buffer = self._buffer, []
        try:
            write_rows(self._db, rows)  # type: ignore[arg-type]
        except BaseException:
            self._buffer[:0] = rows
            raise

    # -- commits in the writer process (see ``journal.writer_process``) ------------

    def background_writes(self) -> None:
        """Commit through a writer process from now on (``flush_soon``); a file only.
        If the process cannot start, commits stay in this process (and ``writer_error``
        says why)."""
        if self._writer is not None:
            return
        if self._db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            return  # an in-memory database: another connection would not see it
        self.flush()
        try:
            self._writer = WriterProcess(self.path)
        except (OSError, JournalWriteError) as exc:
            self.writer_error = exc

    def foreground_writes(self) -> None:
        """Stop the writer process; commits happen in this process again. Whatever
        fails, the process is stopped and every row is either committed or still
        buffered (the error is raised after)."""
        try:
            self.flush()
        finally:
            writer, self._writer = self._writer, None
            if writer is not None:
                writer.stop()

    @property
    def ack_fd(self) -> int | None:
        """Readable when the writer process has answered the batch in flight (or ended)."""
        return self._writer.ack_fd if self._writer is not None else None

    @property
    def writing_in_background(self) -> bool:
        return self._writer is not None and self.writer_error is None and self._writer.alive

    @property
    def in_flight(self) -> bool:
        return self._inflight is not None

    def flush_soon(self, settled: Callable[[BaseException | None], None]) -> bool:
        """Hand every buffered entry to the writer process; ``settled(error)`` is called
        by ``take_ack`` once the batch is committed (``error`` None), there or here.
        False, and nothing done: no live writer process, a batch already in flight, or
        nothing to write."""
        writer = self._writer
        if writer is None or self._inflight is not None or not self._buffer:
            return False
        if not self.writing_in_background:
            if self.writer_error is None:
                self._give_up_writer(JournalWriteError(writer.ended()))
            return False
        rows, self._buffer = self._buffer, []
        try:
            writer.submit(rows, self.ack_timeout)
        except Exception as exc:  # gone, hung, or a row it cannot carry: commit here
            self._buffer[:0] = rows
            self._give_up_writer(exc)
            return False
        self._inflight = (rows, settled)
        return True

    def take_ack(self, timeout: float | None = None) -> None:
        """Wait up to ``timeout`` s (default ``ack_timeout``) for the writer's answer to
        the batch in flight, then tell its ``settled``, always, exactly once.

        If the process failed the batch, ended or did not answer in time, it is given up
        on (killed) and the batch is committed here instead, unless the process did
        commit it before it went (its first id is in the database: exactly once);
        ``settled`` hears an error only if that commit fails too (the rows are then
        buffered again)."""
        inflight, self._inflight = self._inflight, None
        if inflight is None:
            return
        rows, settled = inflight
        error: BaseException | None = JournalWriteError("interrupted before the writer answered")
        try:
            writer = self._writer
            answer = (
                writer.read_ack(timeout=self.ack_timeout if timeout is None else timeout)
                if writer is not None
                else JournalWriteError("the writer process was stopped")
            )
            if answer is None:
                error = None
            else:
                self._give_up_writer(answer)
                error = self._commit_here(rows)
        except BaseException:
            self._give_up_writer(error)
            if not self._committed(rows):
                self._buffer[:0] = rows
            raise
        finally:
            settled(error)

    def _give_up_writer(self, why: BaseException | None) -> None:
        """Commits come back to this process for good; the process is killed (its pipes
        stay open until ``foreground_writes``, for an event loop that watches them)."""
        if self._writer is None:
            return
        if self.writer_error is None:
            self.writer_error = why or JournalWriteError("the writer process was given up")
        self._writer.kill()

    def _committed(self, rows: list[_Row]) -> bool:
        """The batch is in the database (one transaction: all of it or none)."""
        return bool(rows) and (
            self._db.execute("SELECT 1 FROM entries WHERE id = ?", (rows[0][0],)).fetchone()
            is not None
        )

    def _commit_here(self, rows: list[_Row]) -> Exception | None:
        """Commit a batch the writer process did not answer for; None once it is in."""
        if self._committed(rows):
            return None
        try:
            write_rows(self._db, rows)  # type: ignore[arg-type]
        except Exception as exc:
            self._buffer[:0] = rows
            return exc
        return None

    def start_run(self, kind: str, station: str | None = None, **info: Any) -> int:
        self.flush()
        cursor = self._db.execute(
            "INSERT INTO runs (kind, started_utc, station, info) VALUES (?,?,?,?)",
            (kind, self._utc_now(), station, json.dumps(info, default=str)),
        )
        return int(cursor.lastrowid or 0)

    def update_run(self, run_id: int, *, station: str | None = None, **info: Any) -> None:
        current = self.run(run_id).info
        current.update(info)
        self._db.execute(
            "UPDATE runs SET info = ?, station = COALESCE(?, station) WHERE id = ?",
            (json.dumps(current, default=str), station, run_id),
        )

    def end_run(self, run_id: int) -> None:
        self.flush()
        self._db.execute("UPDATE runs SET ended_utc = ? WHERE id = ?", (self._utc_now(), run_id))

    def add_record(self, run_id: int, kind: str, body: dict[str, Any]) -> int:
        """Store a verdict, a finding or any other JSON document of a run."""
        self.flush()
        cursor = self._db.execute(
            "INSERT INTO records (run_id, kind, body) VALUES (?,?,?)",
            (run_id, kind, json.dumps(body, default=str)),
        )
        return int(cursor.lastrowid or 0)

    def close(self) -> None:
        self.foreground_writes()
        self.foreground_checkpoints()
        self.flush()
        self._db.close()

    # -- checkpoints -------------------------------------------------------------

    def background_checkpoints(self, interval: float = 0.2) -> None:
        """Checkpoint the WAL from a thread of its own (see ``journal.checkpoint``)
        instead of inside the commit that crosses 1,000 pages; for a busy writer."""
        if self._checkpointer is not None:
            return
        mode = self._db.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":  # an in-memory database has no WAL to checkpoint
            return
        self._db.execute("PRAGMA wal_autocheckpoint=0")
        self._checkpointer = Checkpointer(self.path, interval)
        self._checkpointer.start()

    def foreground_checkpoints(self) -> None:
        """Stop the checkpoint thread; SQLite checkpoints inside commits again."""
        checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is None:
            return
        checkpointer.stop()
        self.checkpoint_error = checkpointer.error
        self._db.execute(f"PRAGMA wal_autocheckpoint={_AUTOCHECKPOINT_PAGES}")

    # -- reading -----------------------------------------------------------------

    def entries(self, run_id: int | None = None, *, station: str | None = None) -> Iterator[Entry]:
        """Entries in the order they happened, optionally of one run and/or station."""
        self.flush()
        query = "SELECT * FROM entries WHERE 1=1"
        args: list[Any] = []
        if run_id is not None:
            query += " AND run_id = ?"
            args.append(run_id)
        if station is not None:
            query += " AND station = ?"
            args.append(station)
        for row in self._db.execute(query + " ORDER BY id", args):
            yield _entry(row)

    def entry(self, entry_id: int) -> Entry | None:
        self.flush()
        row = self._db.execute("SELECT * FROM entries WHERE id = ?", (entry_id,)).fetchone()
        return _entry(row) if row else None

    def run(self, run_id: int) -> RunInfo:
        row = self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise KeyError(f"no run {run_id} in {self.path}")
        return RunInfo(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]))

    def runs(self) -> list[RunInfo]:
        rows = self._db.execute("SELECT id FROM runs ORDER BY id").fetchall()
        return [self.run(r[0]) for r in rows]

    def records(self, run_id: int, kind: str) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT body FROM records WHERE run_id = ? AND kind = ? ORDER BY id", (run_id, kind)
        )
        return [json.loads(r[0]) for r in rows]


def _entry(row: tuple[Any, ...]) -> Entry:
    entry_id, run_id, station, utc, mono, kind, message_type, unique_id, action, raw, detail = row
    return Entry(
        entry_id,
        run_id,
        station,
        utc,
        mono,
        kind,
        message_type,
        unique_id,
        action,
        raw,
        json.loads(detail) if detail else {},
    )
