"""The legal-variants matrix, the mirror of the defect suite: a station that behaves as
OCPP 1.6 allows must never FAIL and never give a violation finding.

Each variant of the simulator (``chargecheck.sim.variants``: behaviours real chargers
show and the specification allows) runs through the seed's pack and the open catalogue
in the three ways a bench is run:

- ``hook``: every physical step done by the simulator's ``--step-command`` hook, a
  process per step (``python -m chargecheck.sim.step``) against its control interface;
- ``ev_connected``: an EV connected to every connector for the whole run and nobody at
  the keyboard (``--ev-connected 1,2 --non-interactive``);
- ``nobody``: no EV, nobody at the keyboard (``--non-interactive``).

Every row must be PASS or NOT TESTED with its reason, no row ERROR, and the trace must
have no violation of the specification. A variant's three runs of a pack go side by
side in one event loop (they wait on the station far more than they compute); each pack
is a test of its own, and the long catalogue is cut into consecutive parts of its rows (each
case reaches its own states), so that pytest's workers share the matrix out; the variants
that wait real seconds (slow_answers, slow_acts) come first, as the longest tests."""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from chargecheck.demo import run_demo
from chargecheck.run import RunSummary
from chargecheck.script.packs import load_pack
from chargecheck.script.verdict import Outcome
from chargecheck.sim.variants import VARIANTS
from tests.script.conftest import FAST

MODES = ("hook", "ev_connected", "nobody")
PARTS = {"greenflux-2020": 1, "octt16-cs": 3}  # a pack's rows in this many consecutive parts
SLOWEST = ("slow_answers", "slow_acts")  # real-time delays: the longest runs of the matrix


def _part(pack: str, k: int, n: int) -> list[str]:
    """The row ids of part ``k`` of ``n`` of a pack (consecutive rows, sizes within one)."""
    ids = [row.id for row in load_pack(pack).rows]
    return ids[len(ids) * (k - 1) // n : len(ids) * k // n]


def _matrix() -> list[tuple[str, str, int, int]]:
    variants = [*SLOWEST, *(v for v in sorted(VARIANTS) if v not in SLOWEST)]
    return [
        (variant, pack, k, n)
        for variant in variants
        for pack, n in PARTS.items()
        for k in range(1, n + 1)
    ]


async def _run(out: Path, variant: str, mode: str, pack: str, rows: list[str]) -> RunSummary:
    cars = frozenset({1} if variant == "one_connector" else {1, 2})
    settings = replace(FAST, ev_connected=cars) if mode == "ev_connected" else FAST
    return await run_demo(
        out,
        Console(file=io.StringIO(), width=200),
        settings=settings,
        variants=[variant] if variant else [],
        nobody=mode != "hook",
        step_hook=mode == "hook",
        script=load_pack(pack),
        only=rows,
    )


def _wrong(summary: RunSummary) -> list[str]:
    """What a station behaving as OCPP allows must never get: a FAIL or ERROR row, a NOT
    TESTED criterion with no reason, a violation finding, a bench error."""
    wrong = [f"bench error: {e}" for e in summary.bench_errors]
    for verdict in summary.verdicts:
        if verdict.outcome in (Outcome.FAIL, Outcome.ERROR):
            wrong.append(f"row {verdict.id} {verdict.outcome}: {verdict.result}")
        wrong += [
            f"row {verdict.id}: NOT TESTED {c.name} with no reason"
            for c in verdict.criteria
            if c.outcome is Outcome.NOT_TESTED and not c.detail
        ]
    if summary.violations:
        report = json.loads(summary.reports["json"].read_text(encoding="utf-8"))
        wrong += [
            f"finding {f['rule']}: {f['message']}"
            for f in report["findings"]
            if f["severity"] == "violation"
        ]
    return wrong


@pytest.mark.parametrize(
    ("variant", "pack", "k", "n"),
    _matrix(),
    ids=[f"{v}-{p}-{k}of{n}" for v, p, k, n in _matrix()],
)
async def test_a_legal_variant_never_fails_in_any_mode_in_either_pack(
    tmp_path, variant, pack, k, n
):
    rows = _part(pack, k, n)
    summaries = await asyncio.gather(
        *(_run(tmp_path / f"{mode}-{pack}", variant, mode, pack, rows) for mode in MODES)
    )
    wrong = {
        f"{mode} {pack} {k}/{n}": problems
        for mode, summary in zip(MODES, summaries, strict=True)
        if (problems := _wrong(summary))
    }
    assert not wrong, json.dumps(wrong, indent=1)
    for mode, summary in zip(MODES, summaries, strict=True):
        assert [v.id for v in summary.verdicts] == rows, (mode, pack, k)
        if mode == "hook":  # with every step done something is judged, not all skipped
            assert any(v.outcome is Outcome.PASS for v in summary.verdicts), (mode, pack, k)


def test_the_parts_of_a_pack_are_its_rows_once_each_in_order():
    for pack, n in PARTS.items():
        joined = [row for k in range(1, n + 1) for row in _part(pack, k, n)]
        assert joined == [row.id for row in load_pack(pack).rows]
