"""The JUnit XML report, for CI systems: one testsuite per run, one testcase per row.

Outcomes map as CI readers expect: FAIL -> ``<failure>``, ERROR (the bench's own fault)
-> ``<error>``, NOT TESTED -> ``<skipped>``; each testcase's ``system-out`` lists its
criteria, and the suite's properties name the station. The suite's name and every
case's classname are the script pack's name (``greenflux-2020``); test case names are
the row's id and function, stable across runs (``row06_start_charge_transaction``,
``TC_010_CS_...``) so that a CI system can track a row's history.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from chargecheck.protocol.security_profiles import profile_text
from chargecheck.report.model import RunReport
from chargecheck.report.text import criteria_report, reason, testcase_name
from chargecheck.script.verdict import Outcome, Verdict

# Outcome -> the child element a JUnit reader looks for (None: the case passed).
_ELEMENTS = {
    Outcome.PASS: None,
    Outcome.FAIL: "failure",
    Outcome.ERROR: "error",
    Outcome.NOT_TESTED: "skipped",
}

# XML 1.0 forbids most control characters, even escaped; a station may send them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render_junit(report: RunReport) -> str:
    counts = report.counts()
    total_time = sum(v.duration_s for v in report.verdicts)
    attributes = {
        "name": report.script.name,
        "tests": str(len(report.verdicts)),
        "failures": str(counts[Outcome.FAIL]),
        "errors": str(counts[Outcome.ERROR]),
        "skipped": str(counts[Outcome.NOT_TESTED]),
        "time": f"{total_time:.3f}",
    }
    suites = ET.Element("testsuites", {k: v for k, v in attributes.items() if k != "skipped"})
    suite = ET.SubElement(
        suites, "testsuite", {**attributes, "timestamp": report.started_utc[:19], "id": "0"}
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in _properties(report):
        ET.SubElement(properties, "property", {"name": name, "value": _clean(value)})
    for verdict in report.verdicts:
        _testcase(suite, verdict, report.script.name)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def _properties(report: RunReport) -> list[tuple[str, str]]:
    station = report.station
    return [
        ("script.name", report.script.name),
        ("script.title", report.script.title),
        ("station.identity", station.identity),
        ("station.vendor", station.vendor),
        ("station.model", station.model),
        ("station.serial_number", station.serial_number),
        ("station.firmware_version", station.firmware_version),
        ("station.ocpp_version", station.ocpp_version),
        ("run.id", str(report.run_id)),
        ("run.kind", report.kind),
        ("run.settings", report.settings),
        ("central_system", report.central_system),
        ("bench_version", report.bench_version),
        ("security.profile", profile_text(report.security.profile)),
        ("security.tls", report.security.tls_version or "none"),
        ("security.cipher", report.security.cipher or ""),
        ("security.client_subject", report.security.client_subject or ""),
        ("security.refused_connections", str(len(report.security.refusals))),
        ("security.events", str(len(report.security.events))),
    ]


def _testcase(suite: ET.Element, verdict: Verdict, classname: str) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        {
            "name": testcase_name(verdict),
            "classname": classname,
            "time": f"{verdict.duration_s:.3f}",
        },
    )
    element = _ELEMENTS[verdict.outcome]
    if element is not None:
        child = ET.SubElement(
            case, element, {"message": _clean(reason(verdict)), "type": str(verdict.outcome)}
        )
        if element != "skipped":
            child.text = _clean(criteria_report(verdict))
    out = ET.SubElement(case, "system-out")
    out.text = _clean(
        f"Row {verdict.id}: {verdict.function}\nResult: {verdict.result}\n"
        + criteria_report(verdict)
    )
