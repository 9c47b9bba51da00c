"""The Markdown report in the seed's layout."""

from __future__ import annotations

from chargecheck.report import render_markdown
from chargecheck.report.markdown import cell
from chargecheck.report.text import seed_time
from chargecheck.report.text import testcase_name as junit_name
from chargecheck.script.verdict import Outcome, Verdict


def _table_rows(text: str) -> dict[str, list[str]]:
    """Row number -> cells, splitting on pipes that are not escaped."""
    import re

    rows = {}
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| #"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows[cells[0]] = cells
    return rows


def test_title_names_the_station_model_and_the_central_system(report):
    first = render_markdown(report).splitlines()[0]
    assert first == (
        "## TestScript Charge Station NG920-61002 connected with OCPP 1.6 to chargecheck 0.1.0"
    )


def test_header_lists_the_manufacturer_fields_date_bench_version_and_settings(report):
    text = render_markdown(report)
    for line in (
        "Manufacturer Name: Alfen BV  ",
        "Manufacturer Number: ace0001593  ",
        "Manufacturer Model: NG920-61002  ",
        "Firmware Version: 4.4.0-3106  ",
        "Date: 2020-02-18 14:28:27 - 14:30:31 UTC  ",
        "Bench Version: 0.1.0  ",
        "Settings: bench  ",
    ):
        assert line in text.splitlines()
    assert "Summary: 5 PASS, 1 FAIL, 1 NOT TESTED, 1 ERROR (run outcome: FAIL)" in text


def test_table_has_the_seed_columns_and_one_line_per_row(report):
    text = render_markdown(report)
    assert "| # | Function | Acceptance Criteria | Result |" in text
    rows = _table_rows(text)
    assert list(rows) == ["1", "2", "3", "4", "6", "10", "17", "18"]
    assert all(len(cells) == 4 for cells in rows.values())
    assert rows["4"][1:] == [
        "Get configuration (list parameters that can be read)",
        "After sending GetConfiguration() the Charge Station must respond",
        "OK, received 3 items",
    ]
    assert rows["10"][3].startswith("**NOT TESTED: physical step")


def test_row_one_lists_request_values_with_unset_fields_and_response_values(report):
    result = _table_rows(render_markdown(report))["1"][3]
    assert result == (
        "*Request values:* chargePointVendor=Alfen BV, chargePointModel=NG920-61002, "
        "chargePointSerialNumber=ace0001593, chargeBoxSerialNumber=A00003, "
        "firmwareVersion=4.4.0-3106, iccid=89462038005003992030, imsi=240075811404511, "
        "meterType=unset, meterSerialNumber=unset<br>"
        "*Response values:* Status: Accepted; Heartbeat Interval: 3600, "
        "System Time: 2/18/2020 2:28:27 PM (UTC)"
    )


def test_a_row_with_several_criteria_lists_which_passed_and_which_did_not(report):
    rows = _table_rows(render_markdown(report))
    (row6,) = [v for v in report.verdicts if v.id == "6"]
    (entry,) = next(c.evidence for c in row6.criteria if c.outcome is Outcome.FAIL)
    # The outcome once, then each criterion once: the one that failed with its detail
    # and the journal entry that shows it (the result line would only repeat it).
    assert rows["6"][3] == (
        "**FAIL**<br>"
        "*Passed:* remote start<br>"
        "*Failed:* local start (connector 1): no Authorize before StartTransaction "
        f"(journal entry {entry})"
    )
    assert "*Passed:* StatusNotification received (connector 0); " in rows["3"][3]
    assert "*Failed:*" not in rows["3"][3]


def test_multi_line_criteria_become_bullets_and_pipes_are_escaped(report):
    rows = _table_rows(render_markdown(report))
    assert rows["2"][2] == (
        "\u2022 Receive OCPP command from CS i.e.. heartbeat registered<br>"
        "\u2022 Provide TCPIP default heartbeat at least every 1 hour"
    )
    assert rows["3"][2] == "status per connector \\| including connector 0"


def test_cells_cannot_carry_pipes_line_breaks_or_html():
    assert cell("a|b\nc <script>") == "a\\|b<br>c &lt;script&gt;"


def test_findings_are_grouped_by_severity_most_serious_first(report):
    text = render_markdown(report)
    findings = text[text.index("## Findings") :]
    order = [findings.index(h) for h in ("### Violations (1)", "### Warnings (1)", "### Notes (1)")]
    assert order == sorted(order)
    violations = findings[order[0] : order[1]]
    assert "**status.transition**" in violations and "Charging to Reserved." in violations
    assert "status.error_code" not in violations
    assert "ClearCache | got no reply" in findings  # a list item, not a table: kept as is


def test_a_run_without_findings_or_rows_says_so(report):
    from dataclasses import replace

    text = render_markdown(replace(report, findings=(), verdicts=()))
    assert "No conformance findings were recorded for this run." in text
    assert "(no rows were recorded for this run)" in text


def test_seed_time_and_testcase_names():
    assert seed_time("2020-02-18T14:28:27.000Z") == "2/18/2020 2:28:27 PM (UTC)"
    assert seed_time("2020-02-18T00:05:00Z") == "2/18/2020 12:05:00 AM (UTC)"
    assert seed_time("garbage") == "garbage"

    def name(row: int, function: str) -> str:
        return junit_name(Verdict(row, function, "", Outcome.PASS, "OK"))

    assert name(6, "Start charge transaction (both local notification and remote trigger)") == (
        "row06_start_charge_transaction"
    )
    assert name(18, "TriggerMessage") == "row18_trigger_message"
    assert name(7, "Stop charge transaction (both local") == "row07_stop_charge_transaction"
    assert name(12, "Remote Firmware update") == "row12_remote_firmware_update"
