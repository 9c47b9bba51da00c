"""Every text a reader gets reads as plain words (issue #20, item 7): the console, the
Markdown, the HTML, the JSON's result and detail strings and the JUnit XML carry no
Python repr (an enum, ``None``, a dict or a list), never say an outcome twice ("FAIL
FAIL:"), leave no colon dangling, and count "1 row", not "1 rows". The seed's rows and a
few catalogue cases run against the simulator with defects that make rows FAIL and NOT
TESTED; ``--only`` order is the order of every report.

Each pattern is first shown to catch the wording it is for, as the bench wrote it before.
"""

from __future__ import annotations

import html
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from chargecheck.csms.errors import CallErrorReceived, CallTimeout, ExpectTimeout, NotConnected
from chargecheck.demo import run_demo
from chargecheck.report import render_html, render_junit, render_markdown
from chargecheck.report.text import result_after_outcome
from chargecheck.run import RunSummary, verdict_line
from chargecheck.script.packs import load_pack
from chargecheck.script.runner import _unhandled
from chargecheck.script.verdict import Criterion, Outcome, Verdict
from tests.script.conftest import FAST

_NOUNS = (
    "rows|items|keys|violations|warnings|notes|findings|entries|connectors|messages|"
    "measurands|idTags|readings|errors|bytes"
)

# What no text a reader gets may contain.
ANYWHERE = {
    "an enum's repr": re.compile(r"<[A-Z][A-Za-z]+\."),
    "None as a value": re.compile(r"\bNone [A-Z]"),
    "the outcome said twice": re.compile(r"\b(PASS|FAIL|NOT TESTED|ERROR):? \1\b"),
    "a dict's repr": re.compile(r"\{'"),
    "a list's repr": re.compile(r"\['"),
    "a plural after 1": re.compile(rf"(?<![\d.,])\b1 (?:[a-z]+ ){{0,2}}(?:{_NOUNS})\b"),
    "a colon with nothing after it": re.compile(r":\s*[;)]"),
}
# ... and what no result line or criterion may contain either.
IN_RESULTS = {
    **ANYWHERE,
    "None": re.compile(r"\bNone\b"),
    "a dangling colon": re.compile(r":\s*$"),
}

# The wording each pattern is for, as the bench wrote it before issue #20.
BEFORE = [
    ("an enum's repr", "  CP1 .. close {'connection': 1, 'code': <CloseCode.INVALID_DATA: 1007>}"),
    ("None as a value", "the cleared limit is gone: composite None A"),
    ("the outcome said twice", "FAIL FAIL: contains the required identity fields: iccid"),
    ("the outcome said twice", "NOT TESTED NOT TESTED: ClearCache Accepted: status Rejected"),
    ("a dict's repr", "  -> ChangeConfiguration {'key': 'HeartbeatInterval', 'value': '1'}"),
    ("a list's repr", "the unknown key is in unknownKey: unknownKey ['ChargecheckNoSuchKey']"),
    ("a list's repr", "Voltage is received: missing (got ['Energy.Active.Import.Register'])"),
    ("a plural after 1", "findings: 1 (1 violations of the specification)"),
    ("a plural after 1", "run 3: 1 rows, 1 FAIL; FAILED"),
    ("a plural after 1", "OK, 1 cached transaction messages sent after reconnect"),
    ("None", "default heartbeat at least every 3600 s: HeartbeatInterval=None"),
    ("a dangling colon", "RemoteStartTransaction answered with CALLERROR NotImplemented: "),
]
AFTER = [
    '  CP1 .. close {"connection": 1, "code": 1007}',
    "the cleared limit is gone: the composite schedule has no limit for now",
    "FAIL: contains the required identity fields: iccid is missing",
    "NOT TESTED: ClearCache Accepted: answered Rejected",
    '  -> ChangeConfiguration {"key": "HeartbeatInterval", "value": "1"}',
    "the unknown key is in unknownKey: unknownKey ChargecheckNoSuchKey",
    "findings: 1 (1 violation of the specification)",
    "run 3: 1 row, 1 FAIL; FAILED",
    "an error on connector 1 is reported in a StatusNotification: no matching "
    "StatusNotification within 3 s (received: StatusNotification connector 1 Available)",
    "default heartbeat at least every 3600 s: HeartbeatInterval not reported",
    "RemoteStartTransaction answered with CALLERROR NotImplemented",
]


@pytest.mark.parametrize(("problem", "text"), BEFORE, ids=[f"{p}: {t}" for p, t in BEFORE])
def test_each_pattern_catches_the_wording_it_is_for(problem, text):
    assert IN_RESULTS[problem].search(text), (problem, text)


@pytest.mark.parametrize("text", AFTER)
def test_the_wording_that_replaced_it_passes_every_pattern(text):
    assert _problems(text, IN_RESULTS) == []


def _problems(text: str, patterns: dict[str, re.Pattern[str]]) -> list[str]:
    """What is wrong in ``text``: each pattern that matches, with the words around it."""
    return [
        f"{name}: ...{text[max(0, m.start() - 60) : m.end() + 60]!r}..."
        for name, p in patterns.items()
        if (m := p.search(text))
    ]


# -- the pieces, without a station ----------------------------------------------------------


def _verdict(outcome: Outcome, result: str, row: int = 6) -> Verdict:
    return Verdict(row, "Start", "criteria", outcome, result, (Criterion("c", outcome),))


@pytest.mark.parametrize(
    ("outcome", "result", "rest", "console"),
    [
        (Outcome.FAIL, "FAIL: a: b", "a: b", "[red]FAIL[/]: a: b"),
        (
            Outcome.NOT_TESTED,
            "NOT TESTED: a; PASS: b",
            "a; PASS: b",
            "[yellow]NOT TESTED[/]: a; PASS: b",
        ),
        (
            Outcome.PASS,
            "OK, received 1 item",
            "OK, received 1 item",
            "[green]PASS[/] OK, received 1 item",
        ),
        (Outcome.ERROR, "ERROR", "", "[magenta]ERROR[/]"),
    ],
)
def test_the_outcome_is_said_once_beside_the_result(outcome, result, rest, console):
    verdict = _verdict(outcome, result)
    assert result_after_outcome(verdict) == rest
    assert verdict_line(verdict) == console


def test_a_station_string_on_the_console_is_not_rich_markup():
    assert verdict_line(_verdict(Outcome.FAIL, "FAIL: idTag [bold]X")) == (
        "[red]FAIL[/]: idTag \\[bold]X"
    )


@pytest.mark.parametrize(
    ("error", "name"),
    [
        (ExpectTimeout("BootNotification", 6, []), "the station sends BootNotification in time"),
        (
            CallErrorReceived("Reset", "NotImplemented", "", None, 7),
            "Reset is answered with a valid CALLRESULT",
        ),
        (CallTimeout("Reset", 3, 7), "Reset is answered with a valid CALLRESULT"),
        (NotConnected("CP1 closed the connection"), "the station stays connected"),
    ],
)
def test_a_station_error_a_case_let_escape_is_named_for_what_was_expected(error, name):
    assert _unhandled(error) == name  # not "station behaviour"


def test_counts_agree_with_their_number(report):
    one = render_markdown(report)
    assert "Conformance checks over the whole trace: 1 violation, 1 warning, 1 note." in one
    two = render_markdown(replace(report, findings=report.findings * 2))
    assert "2 violations, 2 warnings, 2 notes" in two
    single = replace(report, verdicts=report.verdicts[:1])
    assert "1 row<" in render_html(single) and "1 rows" not in render_html(single)


def test_a_row_that_did_not_pass_says_its_outcome_once_in_html_and_junit(report):
    page = render_html(report)
    lines = re.findall(r'<div class="line nonpass">(.*?)</div>', page, re.S)
    assert lines and not [t for t in lines if re.match(r"(FAIL|NOT TESTED|ERROR)\b", t)]
    for element in ET.fromstring(render_junit(report)).iter():
        if element.tag in ("failure", "error", "skipped"):
            assert not element.get("message", "").startswith(element.get("type", "")), element


# -- the whole bench against the simulator ------------------------------------------------


async def _run(out: Path, only: list[str], defects: set[str], script: str | None = None):
    written = io.StringIO()
    pack = load_pack(script) if script else None
    summary: RunSummary = await run_demo(
        out,
        Console(file=written, width=200, soft_wrap=True),
        settings=FAST,
        defects=defects,
        only=only,
        script=pack,
    )
    assert not summary.bench_errors, summary.bench_errors
    return summary, written.getvalue()


def _texts(out: Path, console: str) -> tuple[dict[str, str], list[str]]:
    """Every report's text as a reader sees it, and the result lines and criteria."""
    md = (next(out.glob("report-*.md"))).read_text(encoding="utf-8")
    page = next(out.glob("report-*.html")).read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    junit = ET.parse(next(out.glob("report-*.junit.xml"))).getroot()
    document = json.loads(next(out.glob("report-*.json")).read_text(encoding="utf-8"))
    results = [v["result"] for v in document["verdicts"]]
    results += [
        c["name"] + (f": {c['detail']}" if c["detail"] else "")
        for v in document["verdicts"]
        for c in v["criteria"]
    ]
    results += [e.get("message", "") for e in junit.iter() if e.tag in ("failure", "skipped")]
    results += [
        line for line in console.splitlines() if re.match(r"(PASS|FAIL|NOT TESTED)\b", line)
    ]
    findings = [f"{f['title']} {f['message']}" for f in document["findings"]]
    texts = {
        "console": console,
        "md": html.unescape(md),
        "html": html.unescape(re.sub(r"<[^>]+>", "\n", page)),
        "junit": "\n".join(
            [
                *(v for e in junit.iter() for v in e.attrib.values()),
                *(e.text or "" for e in junit.iter()),
            ]
        ),
        "json": "\n".join(results + findings),
    }
    return texts, results


def _order(out: Path) -> dict[str, list[str]]:
    """The row ids in the order each report lists them."""
    md = next(out.glob("report-*.md")).read_text(encoding="utf-8")
    page = next(out.glob("report-*.html")).read_text(encoding="utf-8")
    document = json.loads(next(out.glob("report-*.json")).read_text(encoding="utf-8"))
    junit = ET.parse(next(out.glob("report-*.junit.xml"))).getroot()
    return {
        "md": re.findall(r"^\| ([^ |]+) \| (?!Function)", md, re.M),
        "html": re.findall(r'<details class="row [^"]*" id="row-([^"]+)"', page),
        "json": [v["id"] for v in document["verdicts"]],
        "junit": [
            re.sub(r"^row0*(\d+)_.*", r"\1", c.get("name", ""))
            if c.get("name", "").startswith("row")
            else c.get("name", "").split("_CS")[0] + "_CS"
            for c in junit.iter("testcase")
        ],
    }


def _assert_plain(texts: dict[str, str], results: list[str]) -> None:
    found = [f"{where}: {p}" for where, text in texts.items() for p in _problems(text, ANYWHERE)]
    for line in results:
        found += [f"result: {p}" for p in _problems(line, IN_RESULTS)]
    assert not found, "\n".join(found)


async def test_the_seed_rows_read_plainly_in_every_format_in_the_order_run(tmp_path):
    only = [str(row) for row in range(18, 0, -1)]  # the run's order, not the script's
    defects = {
        "boot_missing_iccid",  # row 1
        "trigger_message_rejected",  # rows 2 and 18
        "stop_reason_local",  # row 7
        "set_charging_profile_rejected",  # rows 14 and 15
        "clear_cache_rejected",  # row 17
    }
    summary, console = await _run(tmp_path / "seed", only, defects)
    assert [v.id for v in summary.verdicts] == only
    failed = {v.id for v in summary.verdicts if v.outcome is Outcome.FAIL}
    assert {"1", "2", "7", "14", "18"} <= failed, failed
    order = _order(tmp_path / "seed")
    assert all(ids == only for ids in order.values()), order
    texts, results = _texts(tmp_path / "seed", console)
    _assert_plain(texts, results)
    assert "FAIL: SetChargingProfile Accepted" in console


async def test_catalogue_cases_that_fail_refuse_and_are_not_tested_read_plainly(tmp_path):
    only = [
        "CC_058_CS",  # a Blocked idTag presented offline
        "TC_056_CS",  # NOT TESTED: SetChargingProfile Rejected
        "CC_028_CS",  # another idTag at a reserved connector
        "TC_023_CS",  # FAIL: a transaction for an idTag the bench answered Invalid
        "CC_008_CS",  # unknownKey, once a list's repr
        "TC_054_CS",  # NOT TESTED: TriggerMessage Rejected
        "CC_010_CS",
    ]
    defects = {
        "set_charging_profile_rejected",
        "trigger_message_rejected",
        "start_after_rejected_authorize",
    }
    summary, console = await _run(tmp_path / "cat", only, defects, "octt16-cs")
    outcomes = {v.id: v.outcome for v in summary.verdicts}
    assert list(outcomes) == only
    assert (outcomes["TC_056_CS"], outcomes["TC_054_CS"], outcomes["TC_023_CS"]) == (
        Outcome.NOT_TESTED,
        Outcome.NOT_TESTED,
        Outcome.FAIL,
    )
    order = _order(tmp_path / "cat")
    assert all(ids == only for ids in order.values()), order
    texts, results = _texts(tmp_path / "cat", console)
    _assert_plain(texts, results)
    # A card the bench refuses (XX: TC_021), one Blocked in the list (OB: TC_058) and
    # another idTag at a reserved connector (OT: TC_028) are never called valid.
    for prefix, why in (
        ("XX", "(the bench will refuse it)"),
        ("OB", "(the station should refuse it offline)"),
        ("OT", "(the connector is reserved for another card: the station should refuse it)"),
    ):
        told = re.findall(rf"operator: (Present .*card {prefix}\w+ .*)", console)
        assert told and all(why in t and "valid" not in t for t in told), (prefix, told)
    # A FAIL shows the frames that prove it.
    failed = [c for v in summary.verdicts for c in v.criteria if c.outcome is Outcome.FAIL]
    assert failed and all(c.evidence for c in failed), failed


async def test_one_row_is_one_row(tmp_path):
    summary, console = await _run(tmp_path / "one", ["1"], set())
    assert [v.outcome for v in summary.verdicts] == [Outcome.PASS]
    assert re.search(r"run \d+: 1 row, 1 PASS; no row failed", console), console[-500:]
    texts, results = _texts(tmp_path / "one", console)
    _assert_plain(texts, results)
