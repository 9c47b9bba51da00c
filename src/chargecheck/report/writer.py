"""Write a run's reports to files: ``report-<run_id>.<ext>`` per format."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from chargecheck.journal.store import Journal
from chargecheck.report.html import render_html
from chargecheck.report.json_report import render_json
from chargecheck.report.junit import render_junit
from chargecheck.report.markdown import render_markdown
from chargecheck.report.model import ReportError, RunReport, load_run

# Format -> (file extension, renderer). One table for the writer and the command line.
FORMATS: dict[str, tuple[str, Callable[[RunReport], str]]] = {
    "md": ("md", render_markdown),
    "html": ("html", render_html),
    "json": ("json", render_json),
    "junit": ("junit.xml", render_junit),
}


def write_reports(
    journal: Journal,
    run_id: int,
    out_dir: str | Path,
    formats: Iterable[str] = ("md", "html", "json", "junit"),
) -> dict[str, Path]:
    """Render run ``run_id`` in each format into ``out_dir``; return format -> file."""
    formats = list(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ReportError(
            f"unknown report format {', '.join(unknown)} (formats are {', '.join(FORMATS)})"
        )
    report = load_run(journal, run_id)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in formats:
        extension, render = FORMATS[name]
        path = out / f"report-{run_id}.{extension}"
        path.write_text(render(report), encoding="utf-8")
        written[name] = path
    return written
