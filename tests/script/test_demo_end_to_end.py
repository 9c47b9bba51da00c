"""The whole script against the healthy simulator: every row PASSes, the trace breaks no
rule, and all four reports are written (``make demo`` does the same)."""

from __future__ import annotations

import json

from chargecheck.script.verdict import Outcome


async def test_the_healthy_simulator_passes_all_18_rows_with_no_violation(run_rows):
    summary = await run_rows(list(range(1, 19)))
    outcomes = {v.row: (str(v.outcome), v.result) for v in summary.verdicts}
    assert [v.row for v in summary.verdicts] == list(range(1, 19))
    assert all(v.outcome is Outcome.PASS for v in summary.verdicts), outcomes
    assert summary.violations == 0
    assert not summary.failed
    assert set(summary.reports) == {"md", "html", "json", "junit"}
    document = json.loads(summary.reports["json"].read_text())
    assert len(document["verdicts"]) == 18
    assert "received 125 items" in summary.reports["md"].read_text()


# PASSes whose evidence is a file event (the FTP/HTTP server's, journaled on its own) rather
# than a frame: the file's name and size stand in their detail.
FILE_EVIDENCE = {
    "the firmware file is fetched from the bench",
    "the file arrives on the FTP server",
}


async def test_every_pass_of_the_healthy_run_names_the_frames_that_show_it(run_rows):
    summary = await run_rows(list(range(1, 19)))
    bare = [
        (v.id, c.name)
        for v in summary.verdicts
        for c in v.criteria
        if c.outcome is Outcome.PASS and not c.evidence and c.name not in FILE_EVIDENCE
    ]
    assert not bare, bare
