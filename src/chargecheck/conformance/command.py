"""``chargecheck check RUN_ID``: print a run's findings grouped by severity.

The findings are computed afresh from the journal (the journal is the evidence; a
stored copy could be from an older rule set). Exit codes: 0 clean enough, 1 a
violation in strict mode, 2 the bench could not check (no such file or run).
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from chargecheck.clock import Clock
from chargecheck.conformance.findings import Finding, Severity, group_by_severity, summarise
from chargecheck.conformance.rules import check, fails_run
from chargecheck.conformance.settings import CheckSettings
from chargecheck.journal.store import Journal

EXIT_OK, EXIT_VIOLATION, EXIT_CANNOT_CHECK = 0, 1, 2

_STYLE = {Severity.VIOLATION: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}
_TITLE = {Severity.VIOLATION: "Violations", Severity.WARNING: "Warnings", Severity.NOTE: "Notes"}


def check_command(
    db_path: str | Path,
    run_id: int,
    *,
    settings: CheckSettings | None = None,
    console: Console | None = None,
) -> int:
    """Check run ``run_id`` of the journal at ``db_path``, print the findings, return the
    exit code (1 if ``settings.strict`` and a violation was found)."""
    settings = settings or CheckSettings()
    console = console or Console()
    if not Path(db_path).is_file():
        console.print(Text(f"no journal at {db_path}", style="red"))
        return EXIT_CANNOT_CHECK
    clock = Clock()
    journal = Journal(db_path, clock.utc_text, clock.mono)
    try:
        try:
            run = journal.run(run_id)
        except KeyError:
            console.print(Text(f"no run {run_id} in {db_path}", style="red"))
            return EXIT_CANNOT_CHECK
        findings = check(journal.entries(run_id), settings)
    finally:
        journal.close()
    print_findings(console, findings, title=f"Run {run.id} ({run.kind})")
    failed = fails_run(findings, settings)
    violations = summarise(findings)["violation"]
    if failed:
        verdict = f"FAIL: {violations} violation(s) of OCPP 1.6"
    elif violations:
        verdict = f"{violations} violation(s), not failing the run: strict mode is off"
    else:
        verdict = "no violation of OCPP 1.6 found"
    console.print(Text(verdict, style="bold red" if failed else "bold green"))
    return EXIT_VIOLATION if failed else EXIT_OK


def print_findings(console: Console, findings: list[Finding], title: str = "Findings") -> None:
    """Findings as one table per severity, worst first, with a count line."""
    counts = summarise(findings)
    console.print(
        Text(
            f"{title}: {counts['violation']} violation(s), {counts['warning']} warning(s), "
            f"{counts['note']} note(s)",
            style="bold",
        )
    )
    for severity, group in group_by_severity(findings).items():
        if not group:
            continue
        table = Table(
            title=f"{_TITLE[severity]} ({len(group)})",
            title_style=_STYLE[severity],
            show_lines=False,
            expand=True,
        )
        table.add_column("rule", no_wrap=True)
        table.add_column("station", no_wrap=True)
        table.add_column("what happened", ratio=1)
        table.add_column("entries")
        for finding in group:
            table.add_row(
                Text(finding.rule, style=_STYLE[severity]),
                Text(finding.station or "-"),
                Text.assemble(finding.message, "\n", (finding.rule_text, "dim")),
                Text(", ".join(str(e) for e in finding.entries)),
            )
        console.print(table)
