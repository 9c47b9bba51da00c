"""The HTML report: one self-contained file (inline CSS, a few lines of inline script,
no fonts, images or scripts fetched from anywhere), rendered with the jinja2 template
``templates/report.html.j2``.

Each row of the seed's table opens to its criteria and the exact frames that prove
them; a timeline draws each connector's status across the run (OCPP 1.6 section 4.9);
findings link to their frames in the full log (``#entry-<id>``). It prints to PDF from a
browser with every section open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from chargecheck.report.model import LogEntry, RunReport
from chargecheck.report.text import (
    OUTCOME_LABELS,
    SEVERITY_TITLES,
    boot_values,
    criteria_groups,
    criteria_items,
    criterion_label,
    header_fields,
    pretty_json,
    result_after_outcome,
    title,
)
from chargecheck.report.timeline import STATUS_COLOURS, layout, status_timeline
from chargecheck.script.verdict import Criterion, Outcome, Verdict
from chargecheck.wording import counted

# Outcome -> CSS class; the colours themselves are in the template's stylesheet.
OUTCOME_CLASSES = {
    Outcome.PASS: "pass",
    Outcome.FAIL: "fail",
    Outcome.NOT_TESTED: "not-tested",
    Outcome.ERROR: "error",
}

_DIRECTION_TEXT = {"in": "Station \u2192 Bench", "out": "Bench \u2192 Station"}


@dataclass(frozen=True)
class RowView:
    verdict: Verdict
    result: str  # the result line without the outcome the row's pill shows
    anchor: str
    css: str
    criteria_items: list[str]
    boot: tuple[list[str], str] | None
    groups: list[tuple[str, str, list[str]]]  # (css, label, criterion labels)
    criteria: list[tuple[Criterion, str, str]]  # (criterion, css, label)
    values: list[tuple[str, str]]  # other recorded values, as JSON text
    frames: list[LogEntry]


def render_html(report: RunReport) -> str:
    return _template().render(**html_context(report))


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("chargecheck.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pretty"] = pretty_json
    env.filters["clock"] = lambda utc: utc[11:23] if len(utc) >= 19 else utc
    env.filters["as_json"] = lambda value: json.dumps(value, indent=2, default=str)
    env.filters["compact_json"] = lambda value: json.dumps(value, default=str, ensure_ascii=False)
    env.globals.update(direction_text=_DIRECTION_TEXT, format_number=_number, counted=counted)
    return env.get_template("report.html.j2")


def _number(value: float) -> str:
    return f"{value:.1f}"


def html_context(report: RunReport) -> dict[str, Any]:
    timeline = status_timeline(report.entries, report.started_utc, report.ended_utc)
    present = {s.status for lane in timeline.lanes for s in lane.segments}
    counts = report.counts()
    return {
        "report": report,
        "title": title(report),
        "header": header_fields(report),
        "counts": [(str(o), OUTCOME_CLASSES[o], n) for o, n in counts.items()],
        "outcome": str(report.outcome),
        "outcome_css": OUTCOME_CLASSES[report.outcome],
        "rows": [_row(report, v) for v in report.verdicts],
        "timeline": layout(timeline),
        "has_timeline": bool(timeline.lanes),
        "legend": [(s, *STATUS_COLOURS[s]) for s in STATUS_COLOURS if s in present],
        "has_offline": bool(timeline.offline),
        "findings": [
            (severity, SEVERITY_TITLES.get(severity, severity.title()), group)
            for severity, group in report.findings_by_severity().items()
        ],
        "entries": report.entries,
    }


def _row(report: RunReport, verdict: Verdict) -> RowView:
    values = {k: v for k, v in verdict.values.items() if k not in ("request", "response")}
    boot = boot_values(verdict)
    if boot is None and ("request" in verdict.values or "response" in verdict.values):
        values.update(verdict.values)
    return RowView(
        verdict=verdict,
        result=result_after_outcome(verdict),
        anchor=f"row-{verdict.id}",
        css=OUTCOME_CLASSES[verdict.outcome],
        criteria_items=criteria_items(verdict.acceptance_criteria),
        boot=boot,
        groups=[
            (OUTCOME_CLASSES[o], OUTCOME_LABELS[o], [criterion_label(c) for c in group])
            for o, group in criteria_groups(verdict)
        ]
        if len(verdict.criteria) > 1
        else [],
        criteria=[(c, OUTCOME_CLASSES[c.outcome], criterion_label(c)) for c in verdict.criteria],
        values=[(k, json.dumps(v, indent=2, default=str)) for k, v in values.items()],
        frames=report.evidence_frames(verdict.evidence),
    )
