"""The Markdown report, in the seed's layout.

A title naming the station and the Central System, the station's header fields, the
table ``# | Function | Acceptance Criteria | Result`` (row 1 lists the BootNotification
request and response values as the seed does), then the conformance findings grouped by
severity. Cells are escaped so that text from the station cannot break the table.
"""

from __future__ import annotations

from chargecheck.report.model import FindingView, RunReport
from chargecheck.report.text import (
    OUTCOME_LABELS,
    SEVERITY_TITLES,
    boot_values,
    criteria_groups,
    criteria_items,
    criterion_label,
    evidence_text,
    header_fields,
    summary_line,
    title,
)
from chargecheck.script.verdict import Outcome, Verdict
from chargecheck.wording import counted


def cell(text: str) -> str:
    """Text made safe for one GFM table cell: no pipe, no line break, no raw HTML."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\r\n", "\n")
        .replace("\n", "<br>")
    )


def render_markdown(report: RunReport) -> str:
    lines = [f"## {title(report)}", ""]
    lines += [f"{name}: {value}  " for name, value in header_fields(report)]
    lines += [f"Summary: {summary_line(report)} (run outcome: {report.outcome})", ""]
    lines += ["| # | Function | Acceptance Criteria | Result |", "|---:|---|---|---|"]
    lines += [_row(verdict) for verdict in report.verdicts]
    if not report.verdicts:
        lines.append("| - | (no rows were recorded for this run) | | |")
    lines += ["", *_findings(report), ""]
    return "\n".join(lines)


def _row(verdict: Verdict) -> str:
    items = criteria_items(verdict.acceptance_criteria)
    criteria = (
        "<br>".join("\u2022 " + cell(i) for i in items) if len(items) > 1 else cell(" ".join(items))
    )
    return f"| {cell(verdict.id)} | {cell(verdict.function)} | {criteria} | {_result(verdict)} |"


def _result(verdict: Verdict) -> str:
    """The seed's result line; for a row of several criteria, which passed and which did
    not, each one that did not with its detail and journal entries. A row that did not
    pass and lists its criteria states only its outcome on the first line: the lists
    below say the rest, once."""
    parts = []
    boot = boot_values(verdict)
    several = len(verdict.criteria) > 1
    if verdict.outcome is not Outcome.PASS:
        only = verdict.criteria[0] if len(verdict.criteria) == 1 else None
        line = str(verdict.outcome) if several else verdict.result
        parts.append(f"**{cell(line)}**" + (evidence_text(only.evidence) if only else ""))
    elif boot is None or verdict.result not in ("", "OK"):
        parts.append(cell(verdict.result))
    if boot is not None:
        request, response = boot
        parts.append("*Request values:* " + cell(", ".join(request)))
        if response:
            parts.append("*Response values:* " + cell(response))
    if several:
        for outcome, group in criteria_groups(verdict):
            named = [
                criterion_label(c)
                if outcome is Outcome.PASS
                else criterion_label(c)
                + (f": {c.detail}" if c.detail else "")
                + evidence_text(c.evidence)
                for c in group
            ]
            parts.append(f"*{OUTCOME_LABELS[outcome]}:* " + cell("; ".join(named)))
    return "<br>".join(parts)


def _findings(report: RunReport) -> list[str]:
    lines = ["## Findings", ""]
    groups = report.findings_by_severity()
    if not report.findings:
        return [*lines, "No conformance findings were recorded for this run."]
    counts = ", ".join(counted(len(group), severity) for severity, group in groups.items())
    lines += [f"Conformance checks over the whole trace: {counts}.", ""]
    for severity, group in groups.items():
        lines += [f"### {SEVERITY_TITLES.get(severity, severity.title())} ({len(group)})", ""]
        lines += [_finding(f, report.station.identity) for f in group] or ["None."]
        lines.append("")
    return lines[:-1]


def _finding(finding: FindingView, station: str) -> str:
    head = f"- **{finding.rule or 'finding'}**"
    if finding.title:
        head += f" ({finding.title})"
    text = f"{head}: {_sentence(finding.message)}" if finding.message else head + "."
    if finding.station and finding.station != station:
        text += f" Station {finding.station}."
    if finding.evidence:
        word = "entry" if len(finding.evidence) == 1 else "entries"
        text += f" Journal {word} {', '.join(map(str, finding.evidence))}."
    return text


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."
