"""The coverage table of a pack against OCTT's official charge-point cases (``chargecheck
scripts --cases PACK``): for each row, the official id and title, the feature profile,
the manual steps, and what the shipped simulator gives it; then the official cases the
pack does not have, and why.

The simulator's outcomes are measured, not written by hand: ``python -m
chargecheck.script.catalogue.coverage --measure`` runs ``chargecheck demo --script
octt16-cs`` and writes them to ``simulator_outcomes.json`` beside this module, and
``tests/script/test_catalogue.py`` holds that file to the outcomes of its own run of
every case against the simulator.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from chargecheck.script.catalogue.octt import BY_ID, OFFICIAL

if TYPE_CHECKING:
    from chargecheck.script.packs import Pack
    from chargecheck.script.verdict import Verdict

OUTCOMES_FILE = "simulator_outcomes.json"
SECURITY = "not in this pack: the OCPP 1.6 security extension (the octt16-cs pack has it)"
COLUMNS = ("Id", "Title", "Profile", "Manual steps (OCTT)", "Shipped simulator")


@dataclass(frozen=True)
class CoverageRow:
    id: str
    title: str
    profile: str
    manual: str
    simulator: str


def recorded_outcomes() -> dict[str, str]:
    """Row id -> the simulator's outcome when it was last measured ("PASS", "NOT TESTED:
    why", ...); empty if never measured."""
    file = resources.files(__package__).joinpath(OUTCOMES_FILE)
    if not file.is_file():
        return {}
    data = json.loads(file.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def outcome_text(verdict: Verdict) -> str:
    """What the coverage table says of a verdict: its outcome, and for anything but a
    PASS the reason of its first criterion that is not a PASS."""
    outcome = str(verdict.outcome)
    if outcome == "PASS":
        return outcome
    reasons = [c for c in verdict.criteria if str(c.outcome) != "PASS"]
    why = f"{reasons[0].name}: {reasons[0].detail}" if reasons else verdict.result
    return f"{outcome}: {why}"


def coverage(pack: Pack) -> list[CoverageRow]:
    """The pack's rows, then the official cases it lacks (for a pack with official ids)."""
    from chargecheck.script.catalogue import CATALOGUE

    outcomes = recorded_outcomes()
    rows = []
    for row in pack.rows:
        official = BY_ID.get(row.id)
        case = CATALOGUE.get(row.cases[0]) if len(row.cases) == 1 else None
        profile = official.profile if official else (case.profile if case else "-")
        manual = official.manual if official else "-"
        rows.append(
            CoverageRow(row.id, row.function, profile, manual, outcomes.get(row.id, "not measured"))
        )
    ids = {row.id for row in pack.rows}
    if ids & BY_ID.keys():
        for official in OFFICIAL:
            if official.id not in ids:
                why = SECURITY if official.security else "not in this pack"
                rows.append(
                    CoverageRow(official.id, official.title, official.profile, official.manual, why)
                )
    return rows


async def _measure() -> dict[str, str]:
    import tempfile
    from pathlib import Path

    from rich.console import Console

    from chargecheck.demo import run_demo
    from chargecheck.script.packs import load_pack

    with tempfile.TemporaryDirectory() as out:
        summary = await run_demo(Path(out), Console(file=sys.stderr), script=load_pack("octt16-cs"))
    return {v.id: outcome_text(v) for v in summary.verdicts}


def main() -> int:
    import asyncio

    if sys.argv[1:] != ["--measure"]:
        print("usage: python -m chargecheck.script.catalogue.coverage --measure", file=sys.stderr)
        return 2
    outcomes = asyncio.run(_measure())
    target = resources.files(__package__).joinpath(OUTCOMES_FILE)
    text = json.dumps(outcomes, indent=1, ensure_ascii=False) + "\n"
    with resources.as_file(target) as path:
        path.write_text(text, encoding="utf-8")
    print(f"{len(outcomes)} outcomes written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
