"""The JSON report: one document per run, described by ``schema.json`` (JSON Schema
2020-12) and versioned by ``schema_version``.

A change that removes or renames a field, or changes its meaning, raises
``REPORT_SCHEMA_VERSION``; adding an optional field does not. Verdicts are exactly
``Verdict.to_dict()`` (with their own ``schema_version``); frames keep their raw text, so
the JSON holds the same evidence as the journal.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from chargecheck.protocol.security_profiles import profile_text
from chargecheck.report.model import (
    SEVERITIES,
    ConnectionSecurity,
    FindingView,
    LogEntry,
    RunReport,
)
from chargecheck.report.text import testcase_name, title

REPORT_SCHEMA_VERSION = 1


@cache
def report_schema() -> dict[str, Any]:
    """The JSON Schema the JSON report follows."""
    text = resources.files("chargecheck.report").joinpath("schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def report_document(report: RunReport) -> dict[str, Any]:
    station = report.station
    findings = report.findings_by_severity()
    return {
        "schema": "chargecheck-report",
        "schema_version": REPORT_SCHEMA_VERSION,
        "title": title(report),
        "script": {"name": report.script.name, "title": report.script.title},
        "run": {
            "id": report.run_id,
            "kind": report.kind,
            "started_utc": report.started_utc,
            "ended_utc": report.ended_utc,
            "central_system": report.central_system,
            "bench_version": report.bench_version,
            "settings": report.settings,
            "info": report.info,
        },
        "station": {
            "identity": station.identity,
            "vendor": station.vendor,
            "model": station.model,
            "serial_number": station.serial_number,
            "firmware_version": station.firmware_version,
            "boot": station.boot,
            "ocpp_version": station.ocpp_version,
        },
        "security": _security(report.security),
        "summary": {
            "outcome": str(report.outcome),
            "rows": len(report.verdicts),
            "outcomes": {str(o): n for o, n in report.counts().items()},
            "findings": {s: len(findings.get(s, [])) for s in SEVERITIES},
        },
        "verdicts": [{**v.to_dict(), "testcase": testcase_name(v)} for v in report.verdicts],
        "findings": [_finding(f) for f in report.findings],
        "entries": [_entry(e) for e in report.entries],
    }


def render_json(report: RunReport) -> str:
    return json.dumps(report_document(report), indent=2, ensure_ascii=False, default=str) + "\n"


def _security(security: ConnectionSecurity) -> dict[str, Any]:
    return {
        "profile": security.profile,
        "profile_name": profile_text(security.profile),
        "tls_version": security.tls_version,
        "cipher": security.cipher,
        "client_subject": security.client_subject,
        "server_fingerprint_sha256": security.server_fingerprint,
        "refusals": [
            {"entry": r.entry, "remote": r.remote, "reason": r.reason, "station": r.station}
            for r in security.refusals
        ],
        "security_events": [
            {"entry": e.entry, "type": e.type, "timestamp": e.timestamp, "tech_info": e.tech_info}
            for e in security.events
        ],
    }


def _finding(finding: FindingView) -> dict[str, Any]:
    return {
        "severity": finding.severity,
        "rule": finding.rule,
        "title": finding.title,
        "message": finding.message,
        "station": finding.station,
        "evidence": list(finding.evidence),
        "extra": finding.extra,
    }


def _entry(entry: LogEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "utc": entry.utc,
        "kind": entry.kind,
        "station": entry.station,
        "direction": entry.direction,
        "message_type": entry.message_type,
        "unique_id": entry.unique_id,
        "action": entry.action,
        "partner": entry.partner,
        "raw": entry.raw,
        "decode_error": entry.decode_error,
        "detail": entry.detail,
    }
