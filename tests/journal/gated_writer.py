"""A journal writer process for tests: the real child's protocol and commits
(``writer_child.write_rows``), with hooks that force the interleavings a busy bench
meets by chance. Started in place of the real child (``writer_process.CHILD``), as
``python -I -S gated_writer.py DB_PATH``; the hooks come from the environment:

- ``CC_WRITER_HOLD_FILE``: while that file exists, each batch's answer waits (after
  its commit), so the Central System has a batch in flight for as long as a test wants;
- ``CC_WRITER_SEED`` and ``CC_WRITER_SLOW``: each answer waits a random 0..SLOW s;
- ``CC_WRITER_DIE``: ``before:N`` or ``after:N``: at the N-th batch (from 1) the process
  exits without answering, before or after committing it.

Test code: it sleeps, the real child never does.
"""

from __future__ import annotations

import os
import random
import sqlite3
import struct
import sys
import time
from pathlib import Path

# The real child is standard-library only, so it imports under -I -S from its folder.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src" / "chargecheck" / "journal"))
import writer_child


def main(path: str) -> int:
    source, out = sys.stdin.buffer, sys.stdout.buffer
    hold = os.environ.get("CC_WRITER_HOLD_FILE")
    slow = float(os.environ.get("CC_WRITER_SLOW", "0"))
    rng = random.Random(int(os.environ.get("CC_WRITER_SEED", "0")))
    when, _, number = os.environ.get("CC_WRITER_DIE", ":0").partition(":")
    die_at = int(number or 0)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA busy_timeout=10000")
    db.execute("PRAGMA wal_autocheckpoint=0")
    out.write(b"R")
    out.flush()
    batch = 0
    while (head := writer_child._read_exactly(source, 4)) is not None:
        body = writer_child._read_exactly(source, struct.unpack(">I", head)[0])
        if body is None:
            break
        batch += 1
        if batch == die_at and when == "before":
            os._exit(9)
        writer_child.write_rows(db, writer_child.marshal.loads(body))
        if batch == die_at and when == "after":
            os._exit(9)
        while hold and os.path.exists(hold):
            time.sleep(0.005)
        if slow:
            time.sleep(rng.uniform(0, slow))
        out.write(b"K")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
