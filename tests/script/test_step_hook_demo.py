"""``run_demo(step_hook=True)`` drives the simulator through its ``--step-command`` hook as a
lab does: each physical step is a process (``python -m chargecheck.sim.step``) talking to
the simulator's control interface on 127.0.0.1."""

from __future__ import annotations

import io

from rich.console import Console

from chargecheck.demo import run_demo
from chargecheck.script.verdict import Outcome
from tests.script.conftest import FAST


async def test_the_acts_of_a_row_are_done_by_the_hook_processes(tmp_path):
    console = Console(file=io.StringIO(), width=200)
    summary = await run_demo(tmp_path / "out", console, settings=FAST, only=[11], step_hook=True)
    (row,) = summary.verdicts
    assert row.outcome is Outcome.PASS, row.result  # a plug-in and a card, both by the hook
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert "plugging the car gives Preparing" in shown
