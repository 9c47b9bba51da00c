"""Runs the script against the simulator over loopback, as ``chargecheck demo`` does."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from chargecheck.demo import run_demo
from chargecheck.run import RunSummary
from chargecheck.script.settings import load

# The demo's settings with tighter timeouts: a defect makes a row wait for what never
# comes, and the healthy simulator answers well within these.
DEMO = load("demo")
FAST = replace(
    DEMO,
    timeouts=replace(
        DEMO.timeouts,
        status=3,
        transaction=3,
        reboot=6,
        firmware=8,
        diagnostics=6,
        call=3,
        negative=1.0,
    ),
)


@pytest.fixture
def run_rows(tmp_path: Path):
    async def run(rows: list[int], defects: frozenset[str] = frozenset()) -> RunSummary:
        console = Console(file=io.StringIO(), width=200)
        return await run_demo(tmp_path / "out", console, settings=FAST, defects=defects, only=rows)

    return run
