"""Wording shared by every report format: the seed's phrases, names, pretty JSON.

Kept in one place so that the Markdown, HTML, JSON and JUnit reports say the same
thing in the same words.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from chargecheck.protocol.actions import BOOT_NOTIFICATION_FIELDS as BOOT_FIELDS
from chargecheck.protocol.security_profiles import profile_text
from chargecheck.report.model import ConnectionSecurity, RunReport, StationIdentity
from chargecheck.report.timeline import parse_utc
from chargecheck.script.packs import STATION_FIELDS
from chargecheck.script.verdict import Criterion, Outcome, Verdict

# How each outcome reads in a list of a row's criteria.
OUTCOME_LABELS = {
    Outcome.PASS: "Passed",
    Outcome.FAIL: "Failed",
    Outcome.NOT_TESTED: "Not tested",
    Outcome.ERROR: "Bench error",
}

SEVERITY_TITLES = {"violation": "Violations", "warning": "Warnings", "note": "Notes"}

UNSET = "unset"  # the seed's word for a BootNotification field the station left out


def title(report: RunReport) -> str:
    """The script pack's title, its fields filled in (the seed's names the station model
    and the Central System)."""
    station = report.station
    fields = {
        "model": station.model or station.identity or "(unknown model)",
        "station": station.identity or UNSET,
        "vendor": station.vendor or UNSET,
        "central_system": report.central_system,
    }
    try:
        return report.script.title.format_map(fields)
    except (KeyError, ValueError, IndexError):  # a hand-edited journal: show it as written
        return report.script.title


def header_fields(report: RunReport) -> list[tuple[str, str]]:
    """The report's header, in the seed's words first, then the bench's own."""
    station = report.station
    ended = f" - {_clock_time(report.ended_utc)}" if report.ended_utc else " (not ended)"
    return [
        *((name, station_field(station, name) or UNSET) for name in report.script.header),
        ("Charge Point Identity", station.identity or UNSET),
        ("Protocol", f"OCPP {station.ocpp_version}" if station.ocpp_version else UNSET),
        ("Date", f"{report.started_utc[:10]} {_clock_time(report.started_utc)}{ended} UTC"),
        ("Bench Version", report.bench_version),
        ("Settings", report.settings or UNSET),
        ("EV Connected", _ev_connected(report.info.get("ev_connected"))),
        ("Run", f"{report.run_id} ({report.kind})"),
        *security_fields(report.security),
    ]


def station_field(station: StationIdentity, name: str) -> str:
    """A header field a script pack names (``STATION_FIELDS``), from the BootNotification."""
    key = STATION_FIELDS.get(name, "")
    known = {
        "chargePointVendor": station.vendor,
        "chargePointSerialNumber": station.serial_number,
        "chargePointModel": station.model,
        "firmwareVersion": station.firmware_version,
    }
    return known[key] if key in known else _plain(station.boot.get(key, ""))


REFUSALS_SHOWN = 3  # in the header; every one is in the log and the JSON report


def security_fields(security: ConnectionSecurity) -> list[tuple[str, str]]:
    """The security profile, what TLS negotiated, the client certificate, the refusals."""
    tls = "none (ws://)"
    if security.tls_version:
        tls = f"{security.tls_version}, cipher {security.cipher or UNSET}"
    if security.server_fingerprint:
        tls += f"; bench certificate SHA-256 {security.server_fingerprint}"
    refused = security.refusals
    shown = [f"{r.reason} (from {r.remote}, entry {r.entry})" for r in refused[:REFUSALS_SHOWN]]
    if len(refused) > REFUSALS_SHOWN:
        shown.append(f"and {len(refused) - REFUSALS_SHOWN} more")
    fields = [
        ("Security Profile", profile_text(security.profile)),
        ("TLS", tls),
        ("Client Certificate", security.client_subject or "none"),
        ("Refused Connections", f"{len(refused)}: " + "; ".join(shown) if refused else "none"),
    ]
    if security.events:  # a station of the security extension: what it reported
        counts = Counter(e.type for e in security.events)
        kinds = ", ".join(f"{kind} x{n}" if n > 1 else kind for kind, n in counts.items())
        fields.append(("Security Events", f"{len(security.events)}: {kinds}"))
    return fields


def _ev_connected(connectors: object) -> str:
    """Which connectors had an EV connected for the whole run (``--ev-connected``)."""
    if isinstance(connectors, list) and connectors:
        return "connector " + ", ".join(map(str, connectors)) + " (the whole run)"
    return "none (a person plugs the car when asked)"


def _clock_time(utc: str | None) -> str:
    if not utc:
        return ""
    try:
        return parse_utc(utc).strftime("%H:%M:%S")
    except ValueError:
        return utc


def summary_line(report: RunReport) -> str:
    counts = report.counts()
    return ", ".join(f"{n} {outcome}" for outcome, n in counts.items())


# -- row 1: the BootNotification values ---------------------------------------------------


def boot_request_values(request: dict[str, Any]) -> list[str]:
    """``chargePointVendor=Alfen BV`` ... in schema order, ``unset`` for absent fields,
    then any field the schema does not name, as the station sent it."""
    values = [f"{name}={_plain(request.get(name, UNSET))}" for name in BOOT_FIELDS]
    values += [f"{k}={_plain(v)}" for k, v in request.items() if k not in BOOT_FIELDS]
    return values


def boot_response_text(response: dict[str, Any]) -> str:
    """``Status: Accepted; Heartbeat Interval: 3600, System Time: 2/18/2020 2:28:27 PM (UTC)``"""
    return (
        f"Status: {_plain(response.get('status', UNSET))}; "
        f"Heartbeat Interval: {_plain(response.get('interval', UNSET))}, "
        f"System Time: {seed_time(str(response.get('currentTime', '')))}"
    )


def seed_time(utc: str) -> str:
    """An OCPP timestamp in the seed's form, ``2/18/2020 2:28:27 PM (UTC)``."""
    try:
        moment = parse_utc(utc)
    except ValueError:
        return utc or UNSET
    hour = moment.hour % 12 or 12
    noon = "AM" if moment.hour < 12 else "PM"
    return (
        f"{moment.month}/{moment.day}/{moment.year} "
        f"{hour}:{moment.minute:02d}:{moment.second:02d} {noon} (UTC)"
    )


def boot_values(verdict: Verdict) -> tuple[list[str], str] | None:
    """Row 1's request values and response text, if the row recorded them."""
    request, response = verdict.values.get("request"), verdict.values.get("response")
    if not isinstance(request, dict) and not isinstance(response, dict):
        return None
    return (
        boot_request_values(request if isinstance(request, dict) else {}),
        boot_response_text(response) if isinstance(response, dict) else "",
    )


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


# -- rows ---------------------------------------------------------------------------------


def criteria_items(text: str) -> list[str]:
    """A row's acceptance criteria as list items: one per line, bullets stripped."""
    items = [
        re.sub(r"^\s*(?:[-*\u2022]|\d+[.)]|[ivx]+\.)\s+", "", line) for line in text.split("\n")
    ]
    return [item.strip() for item in items if item.strip()]


def criterion_label(criterion: Criterion) -> str:
    if criterion.connector_id is None:
        return criterion.name
    return f"{criterion.name} (connector {criterion.connector_id})"


def criteria_groups(verdict: Verdict) -> list[tuple[Outcome, list[Criterion]]]:
    """A row's criteria grouped by outcome, passed first; only the outcomes present."""
    order = (Outcome.PASS, Outcome.FAIL, Outcome.NOT_TESTED, Outcome.ERROR)
    return [
        (outcome, group)
        for outcome in order
        if (group := [c for c in verdict.criteria if c.outcome is outcome])
    ]


def testcase_name(verdict: Verdict) -> str:
    """``row06_start_charge_transaction``: the row's id (a number as ``rowNN``, else as
    it is: ``TC_010_CS_...``) and the function's words, without its parenthesis, in
    snake case (``TriggerMessage`` -> ``trigger_message``)."""
    words = re.sub(r"\(.*?\)|\(.*$", "", verdict.function)
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", words)
    slug = "_".join(re.findall(r"[a-z0-9]+", words.lower()))
    name = f"row{int(verdict.id):02d}" if verdict.id.isdigit() else verdict.id
    return f"{name}_{slug}" if slug else name


def reason(verdict: Verdict) -> str:
    """Why a row did not pass, for a place that states the outcome itself (JUnit's
    element and type): its result line, without the outcome it starts with."""
    return result_after_outcome(verdict) or str(verdict.outcome)


def result_after_outcome(verdict: Verdict) -> str:
    """The result line without the outcome it starts with (``FAIL: x`` -> ``x``), for a
    place that shows the outcome beside it: "FAIL FAIL: x" says nothing twice."""
    outcome = str(verdict.outcome)
    if verdict.result == outcome:
        return ""
    if verdict.result.startswith(outcome + ": "):
        return verdict.result[len(outcome) + 2 :]
    return verdict.result


def evidence_text(evidence: tuple[int, ...] | list[int]) -> str:
    """`` (journal entries 3, 4)``: the ids that show a criterion ("" for none)."""
    if not evidence:
        return ""
    word = "entry" if len(evidence) == 1 else "entries"
    return f" (journal {word} {', '.join(map(str, evidence))})"


def criteria_report(verdict: Verdict) -> str:
    """Plain-text lines, one per criterion, for JUnit's system-out and consoles."""
    lines = []
    for criterion in verdict.criteria:
        line = f"[{criterion.outcome}] {criterion_label(criterion)}"
        if criterion.detail:
            line += f": {criterion.detail}"
        line += evidence_text(criterion.evidence)
        lines.append(line)
    return "\n".join(lines)


# -- frames --------------------------------------------------------------------------------


class _Number(str):
    """A JSON number kept as the text the peer sent, so nothing is rounded on display."""


def pretty_json(raw: str) -> str:
    """An OCPP-J frame laid out for reading: the array's header on one line, its payload
    object indented. Numbers keep their exact text. Text that is not JSON is returned
    as it is: a malformed frame is shown exactly as received."""
    try:
        value = json.loads(raw, parse_int=_Number, parse_float=_Number, parse_constant=_Number)
    except ValueError:
        return raw
    if isinstance(value, list) and value and not any(isinstance(v, list) for v in value):
        parts = [_pretty(v, 0) for v in value]
        return "[" + ", ".join(parts) + "]"
    return _pretty(value, 0)


def _pretty(value: Any, depth: int) -> str:
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, _Number):
        return str(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {_pretty(v, depth + 1)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        if all(not isinstance(v, dict | list) for v in value):
            return "[" + ", ".join(_pretty(v, depth + 1) for v in value) + "]"
        items = [f"{inner}{_pretty(v, depth + 1)}" for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False)
