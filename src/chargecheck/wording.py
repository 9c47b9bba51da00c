"""Small helpers for the words every text of the bench uses (console, verdicts, reports).

Kept free of other chargecheck imports so that any layer can use them.
"""

from __future__ import annotations


def counted(n: int, noun: str, plural: str = "") -> str:
    """``1 row``, ``2 rows``, ``0 rows``; ``plural`` where adding an s is wrong
    (``counted(2, "entry", "entries")``)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
