"""Reports of a finished run, rendered from the journal alone.

``load_run`` builds the ``RunReport`` value every format renders from: Markdown in the
seed's layout, one self-contained HTML file, JSON (``schema.json``) and JUnit XML.
``write_reports`` writes them as ``report-<run_id>.<ext>``.
"""

from chargecheck.report.html import render_html
from chargecheck.report.json_report import REPORT_SCHEMA_VERSION, render_json, report_schema
from chargecheck.report.junit import render_junit
from chargecheck.report.markdown import render_markdown
from chargecheck.report.model import (
    FindingView,
    LogEntry,
    ReportError,
    RunReport,
    StationIdentity,
    finding_from_record,
    load_run,
)
from chargecheck.report.writer import FORMATS, write_reports

__all__ = [
    "FORMATS",
    "REPORT_SCHEMA_VERSION",
    "FindingView",
    "LogEntry",
    "ReportError",
    "RunReport",
    "StationIdentity",
    "finding_from_record",
    "load_run",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "report_schema",
    "write_reports",
]
