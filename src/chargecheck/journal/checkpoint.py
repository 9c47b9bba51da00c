"""WAL checkpoints in a thread of their own, off the event loop's thread.

In WAL mode a commit appends pages to the -wal file; a checkpoint copies them back
into the database file (and syncs it). By default SQLite runs a checkpoint inside the
commit that takes the WAL past 1,000 pages: under load, one commit in a few hundred
stops the event loop for the copy. ``Checkpointer`` instead runs a PASSIVE checkpoint
(it never blocks a writer or a reader) every ``interval`` seconds on a connection of
its own, in a daemon thread; SQLite does that work without the GIL, so it uses
another core. Durability does not change: a committed transaction is in the WAL either
way, and the WAL survives the process being killed.
"""

from __future__ import annotations

import sqlite3
import threading


class Checkpointer:
    def __init__(self, path: str, interval: float = 0.2) -> None:
        self.path = path
        self.interval = interval
        self.error: BaseException | None = None  # why the thread stopped, if it failed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="journal-checkpoint", daemon=True)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            db = sqlite3.connect(self.path, isolation_level=None)
            try:
                while not self._stop.wait(self.interval):
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            finally:
                db.close()
        except BaseException as exc:  # kept for the journal, which falls back to inline
            self.error = exc
