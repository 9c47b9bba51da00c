"""The self-contained HTML report: rows with their frames, timeline, findings, log."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from chargecheck.journal.store import FRAME_IN
from chargecheck.report import load_run, render_html
from tests.report.recorded import STATION

_VOID = {"meta", "br", "col", "img", "input", "link", "hr", "source", "wbr"}


class Page(HTMLParser):
    """Just enough of a DOM: ids, links, attributes, and the text inside each id."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: dict[str, dict[str, str | None]] = {}
        self.hrefs: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._open: list[tuple[str, str | None]] = []
        self.text: dict[str, list[str]] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if attributes.get("id"):
            self.ids[attributes["id"]] = {"tag": tag, **attributes}
        if "href" in attributes:
            self.hrefs.append(attributes["href"] or "")
        if tag not in _VOID:
            self._open.append((tag, attributes.get("id")))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self._open.pop()

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, element_id in self._open:
            if element_id:
                self.text.setdefault(element_id, []).append(data)

    def within(self, element_id: str) -> str:
        return "".join(self.text.get(element_id, []))


@pytest.fixture
def page(report) -> Page:
    return Page(render_html(report))


def test_every_row_opens_to_its_criteria_with_a_coloured_verdict(page, report):
    rows = {r.row: r for r in report.verdicts}
    for row, css in ((1, "pass"), (6, "fail"), (10, "not-tested"), (17, "error")):
        details = page.ids[f"row-{row}"]
        assert details["tag"] == "details" and details["class"] == f"row {css}"
        text = page.within(f"row-{row}")
        assert rows[row].function in text and str(rows[row].outcome) in text
    pills = [a.get("class") or "" for tag, a in page.tags if tag == "span"]
    assert pills.count("pill fail") == 1 and pills.count("pill small fail") == 1


def test_outcome_classes_have_distinct_colours_in_the_stylesheet(report):
    html = render_html(report)
    colours = {
        css: re.search(rf"--{css}: (#[0-9a-f]{{6}})", html).group(1)  # type: ignore[union-attr]
        for css in ("pass", "fail", "not-tested", "error")
    }
    assert len(set(colours.values())) == 4
    for css in colours:
        assert f".pill.{css} {{ color: var(--{css});" in html


def test_a_rows_frames_are_inside_that_row_pretty_printed(page, recorded):
    _, rec = recorded
    row6 = page.within("row-6")
    assert '"RemoteStartTransaction", {\n  "connectorId": 1,\n  "idTag": "04A2B3C4"\n}]' in row6
    assert '"meterStart": 1234567890123456789,' in row6  # exact, not rounded
    assert f"entry #{rec.ids['remotestart.result']}" in row6  # the reply comes with its CALL
    assert "RemoteStartTransaction" not in page.within("row-1")
    assert f"row-6-entry-{rec.ids['start']}" in page.ids
    assert "Bench \u2192 Station" in row6 and "Station \u2192 Bench" in row6


def test_row_one_shows_the_boot_values_line(page):
    row1 = page.within("row-1")
    assert "Request values: chargePointVendor=Alfen BV, chargePointModel=NG920-61002," in row1
    assert "meterType=unset, meterSerialNumber=unset" in row1
    assert "Response values: Status: Accepted; Heartbeat Interval: 3600, System Time: " in row1


def test_header_names_station_central_system_and_counts(page):
    header = page.within("top")
    assert "TestScript Charge Station NG920-61002 connected with OCPP 1.6 to chargecheck" in header
    for field in ("Alfen BV", "ace0001593", "4.4.0-3106", STATION, "bench"):
        assert field in header
    assert re.search(r"FAIL\s*5\s*PASS\s*1\s*FAIL\s*1\s*NOT TESTED\s*1\s*ERROR", header)


def test_timeline_has_a_lane_per_connector_coloured_by_status(page, recorded):
    _, rec = recorded
    timeline = page.within("timeline")
    for lane in ("Station (0)", "Connector 1", "Connector 2"):
        assert lane in timeline
    fills = {a.get("fill") for tag, a in page.tags if tag == "rect" and a.get("class") == "seg"}
    assert {"#2da44e", "#0969da", "#cf222e", "#54aeff", "#1b7c83"} <= fills
    assert "Faulted (GroundFailure) from" in timeline
    assert f"#entry-{rec.ids['charging1']}" in page.hrefs
    assert "Station offline" in timeline and "Offline" in timeline


def test_findings_are_grouped_by_severity_and_link_to_their_frames(page, recorded):
    _, rec = recorded
    headings = [page.ids[f"findings-{s}"] for s in ("violation", "warning", "note")]
    assert all(h["tag"] == "h3" for h in headings)
    findings = page.within("findings")
    assert findings.index("Violations (1)") < findings.index("status.transition")
    assert findings.index("status.transition") < findings.index("Warnings (1)")
    assert findings.index("Warnings (1)") < findings.index("status.error_code")
    assert f"#entry-{rec.ids['reserved1']}" in page.hrefs


def test_every_internal_link_has_a_target(page):
    internal = [h[1:] for h in page.hrefs if h.startswith("#")]
    assert internal and all(target in page.ids for target in internal)


def test_the_full_log_is_collapsed_and_holds_every_entry_exactly(page, report):
    log = page.ids["frame-log"]
    assert log["tag"] == "details" and "open" not in log
    for entry in report.entries:
        assert f"entry-{entry.id}" in page.ids
        if entry.raw is not None:
            assert entry.raw in page.within(f"entry-{entry.id}")
    assert "not an OCPP-J frame" in page.within("frame-log")


def test_the_file_needs_no_network(report):
    html = render_html(report)
    assert "http://" not in html and "https://" not in html
    assert "<link" not in html and " src=" not in html and "@import" not in html


def test_it_prints_with_sections_open_colours_kept_and_page_breaks(report):
    html = render_html(report)
    print_css = html[html.index("@media print") :]
    assert "details::details-content { content-visibility: visible; display: block; }" in (
        print_css
    )
    assert "section { break-before: page; }" in print_css
    assert "print-color-adjust: exact" in html
    assert 'addEventListener("beforeprint"' in html


def test_text_from_the_station_is_escaped(recorded):
    journal, rec = recorded
    payload = {"vendorId": "x", "data": "</pre><script>alert(1)</script>"}
    journal.append(
        FRAME_IN,
        run_id=rec.run_id,
        station=STATION,
        raw=json.dumps([2, "st-evil", "DataTransfer", payload]),
    )
    html = render_html(load_run(journal, rec.run_id))
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
