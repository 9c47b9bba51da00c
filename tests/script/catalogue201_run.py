"""Runs cases of the open 2.0.1 catalogue (``chargecheck.script.catalogue201``) against the
2.0.1 simulator over loopback, as ``chargecheck demo --ocpp 2.0.1 --only ...`` does: the
shipped ``octt201-cs`` pack, the simulator's ``defects``, ``step_hook`` (each step done by
the simulator's ``--step-command`` hook). A test that needs another station profile
patches ``chargecheck.demo.Simulator201`` before the run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from chargecheck.demo import run_demo
from chargecheck.script.packs import load_pack
from chargecheck.script.verdict import Verdict


async def run_pack201(
    tmp_path: Path,
    only: Sequence[str] = (),
    defects: Sequence[str] = (),
    *,
    step_hook: bool = False,
) -> dict[str, Verdict]:
    """The pack's rows ``only`` (none: every row) run against a fresh 2.0.1 simulator; the
    verdicts by case id. A bench error fails the test."""
    out = tmp_path / "out"
    out.mkdir()
    summary = await run_demo(
        out,
        Console(file=(tmp_path / "console.txt").open("w"), width=200),
        script=load_pack("octt201-cs"),
        defects=defects,
        only=only,
        ocpp="2.0.1",
        step_hook=step_hook,
    )
    assert summary.bench_errors == []
    return {v.id: v for v in summary.verdicts}
