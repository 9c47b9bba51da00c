"""The legal-variants matrix as a table (variant x mode -> PASS / NOT TESTED / FAIL counts,
for the seed's pack and the catalogue), for the issue notes and for a reader who wants to
see what each variant costs the bench: ``.venv/bin/python -m tests.script.variant_table``.
It runs the same 66 runs as ``test_legal_variants.py``, all at once (about 3 minutes), plus
the healthy simulator for comparison, and prints Markdown."""

from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from pathlib import Path

from chargecheck.script.verdict import Outcome
from chargecheck.sim.variants import VARIANTS
from tests.script.test_legal_variants import MODES, PACKS, _run


async def main() -> None:
    variants = ["(none)", *sorted(VARIANTS)]
    combos = [(v, m, p) for v in variants for m in MODES for p in PACKS]
    with tempfile.TemporaryDirectory() as tmp:
        summaries = await asyncio.gather(
            *(
                _run(Path(tmp) / f"{v}-{m}-{p}", "" if v == "(none)" else v, m, p)
                for v, m, p in combos
            )
        )
    cell = {}
    for (v, m, p), summary in zip(combos, summaries, strict=True):
        counts = Counter(verdict.outcome for verdict in summary.verdicts)
        cell[v, m, p] = (
            f"{counts[Outcome.PASS]}/{counts[Outcome.NOT_TESTED]}/"
            f"{counts[Outcome.FAIL] + counts[Outcome.ERROR]}"
            + (f" +{summary.violations}v" if summary.violations else "")
        )
    header = [f"{m} {'seed' if p == PACKS[0] else 'catalogue'}" for m in MODES for p in PACKS]
    print("| variant | " + " | ".join(header) + " |")
    print("|---" * (len(header) + 1) + "|")
    for v in variants:
        print(f"| {v} | " + " | ".join(cell[v, m, p] for m in MODES for p in PACKS) + " |")
    print("\ncells: PASS/NOT TESTED/FAIL+ERROR rows (+Nv: violation findings)")


if __name__ == "__main__":
    asyncio.run(main())
