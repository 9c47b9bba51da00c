"""The journal's writer process: commits batches of entries it reads from its stdin.

Run by ``journal.writer_process`` as ``python -I -S writer_child.py DB_PATH`` (the
standard library only: it starts in tens of milliseconds and imports nothing of
chargecheck). Protocol, on its stdin and stdout (pipes):

- it opens the database and writes ``R`` (ready), or ``E`` + message and exits;
- it reads batches: a 4-byte big-endian length, then ``marshal`` data: a list of rows,
  each a tuple of the ``entries`` table's eleven columns;
- it writes every rows of a batch in one transaction, then ``K`` (committed), or ``E``
  + a 4-byte length + the error text (nothing of the batch is written) and goes on;
- at the end of its stdin (the Central System stopped, or was killed) it exits.
"""

from __future__ import annotations

import marshal
import sqlite3
import struct
import sys
from typing import BinaryIO

ROWS_PER_INSERT = 64  # 64 x 11 columns: under SQLite's oldest limit of 999 variables


def _insert_sql(rows: int) -> str:
    return "INSERT INTO entries VALUES " + ",".join(["(?,?,?,?,?,?,?,?,?,?,?)"] * rows)


def write_rows(db: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
    """Every row in one transaction (rolled back whole on an error)."""
    db.execute("BEGIN")
    try:
        for start in range(0, len(rows), ROWS_PER_INSERT):
            chunk = rows[start : start + ROWS_PER_INSERT]
            db.execute(_insert_sql(len(chunk)), [v for row in chunk for v in row])
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _error(out: BinaryIO, text: str) -> None:
    data = text.encode("utf-8", "replace")
    out.write(b"E" + struct.pack(">I", len(data)) + data)
    out.flush()


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def main(path: str) -> int:
    source, out = sys.stdin.buffer, sys.stdout.buffer
    try:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA busy_timeout=10000")  # the parent's connection may hold the lock
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA wal_autocheckpoint=0")  # the parent's checkpoint thread does it
    except Exception as exc:
        _error(out, f"cannot open {path}: {exc}")
        return 1
    out.write(b"R")
    out.flush()
    try:
        while (head := _read_exactly(source, 4)) is not None:
            body = _read_exactly(source, struct.unpack(">I", head)[0])
            if body is None:
                break
            try:
                write_rows(db, marshal.loads(body))
            except Exception as exc:
                _error(out, f"{type(exc).__name__}: {exc}")
            else:
                out.write(b"K")
                out.flush()
    finally:
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
