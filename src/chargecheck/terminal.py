"""The rich console the commands print to.

What is printed is what a user greps, copies and compares, so it stays as it was made:

- written to a file or a pipe (a CI log, ``| tee``), nothing is wrapped or cut: one
  event, one line (a verdict, a whole frame), whatever the width rich would guess (80
  columns, or the width of a terminal on stdin);
- on a terminal, lines fit its width as rich wraps them (and ``run`` cuts each frame to
  one line);
- emoji codes are never replaced: a SHA-256 fingerprint's ``:AB:`` or ``:CD:`` is hex,
  not rich's ``:ab:`` (🆎) or ``:cd:`` (💿) emoji. Markup (``[bold]``) is not affected.
"""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console


def output_console(*, stderr: bool = False, highlight: bool = True) -> Console:
    """A console on stdout (or stderr) that soft-wraps unless it writes to a terminal."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(
        stderr=stderr,
        highlight=highlight,
        emoji=False,
        soft_wrap=not is_terminal(stream),
    )


def is_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal (a closed or replaced stream is not)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
