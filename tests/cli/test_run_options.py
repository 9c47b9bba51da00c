"""``chargecheck run``'s listening options: with the default ``--host 0.0.0.0`` (or
``::``) and no ``--public-host``, the FTP/HTTP URLs handed to the station name the
address it reached the bench at, and the station really transfers its files there;
``--public-host`` overrides that. Two processes, as a user runs them: the bench and
``chargecheck simulate``, over loopback only."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from chargecheck.journal import Journal
from tests.cli.processes import run_against_simulate
from tests.files.conftest import needs_ipv6


def run_rows(tmp_path: Path, rows: str, options: list[str], station_host: str) -> None:
    """``chargecheck run --only ROWS`` with ``options``, and a simulated station connecting
    to ``station_host``; returns once the bench exited 0 with every row PASS."""
    code, output = run_against_simulate(
        tmp_path,
        [*options, "--only", rows, "--quiet"],
        station_host=station_host,
        station_id="CP-HOST",
        timeout=120,
    )
    assert code == 0, output[-3000:]
    (report,) = (tmp_path / "out").glob("report-*.json")
    verdicts = {v["row"]: v for v in json.loads(report.read_text())["verdicts"]}
    for row in map(int, rows.split(",")):  # the firmware was fetched, the diagnostics arrived
        assert verdicts[row]["outcome"] == "PASS", (row, verdicts[row]["result"])


def locations(out: Path) -> dict[str, str]:
    """The location the bench sent in UpdateFirmware and GetDiagnostics, by action."""
    journal = Journal(out / "journal.sqlite", lambda: "", time.monotonic)
    try:
        sent = {
            e.action: json.loads(e.raw or "[]")[3]["location"]
            for e in journal.entries()
            if e.kind == "frame_out" and e.action in ("UpdateFirmware", "GetDiagnostics")
        }
    finally:
        journal.close()
    return sent


def test_every_interface_without_public_host_hands_the_station_the_address_it_reached(
    tmp_path,
):
    run_rows(tmp_path, "12,13", [], "127.0.0.1")  # the default --host 0.0.0.0
    sent = locations(tmp_path / "out")
    assert sorted(sent) == ["GetDiagnostics", "UpdateFirmware"]
    assert {urlsplit(location).hostname for location in sent.values()} == {"127.0.0.1"}


@needs_ipv6
def test_every_ipv6_interface_hands_a_station_on_ipv6_loopback_a_bracketed_address(tmp_path):
    run_rows(tmp_path, "12,13", ["--host", "::"], "[::1]")
    sent = locations(tmp_path / "out")
    assert sorted(sent) == ["GetDiagnostics", "UpdateFirmware"]
    for location in sent.values():
        assert urlsplit(location).netloc.rpartition("@")[2].startswith("[::1]:")


@pytest.mark.parametrize(
    ("options", "station_host"),
    [
        (["--public-host", "localhost"], "127.0.0.1"),
        pytest.param(["--host", "::", "--public-host", "127.0.0.1"], "[::1]", marks=needs_ipv6),
    ],
)
def test_public_host_overrides_the_address_the_station_reached(tmp_path, options, station_host):
    run_rows(tmp_path, "13", options, station_host)  # GetDiagnostics: the FTP URL
    sent = locations(tmp_path / "out")
    assert urlsplit(sent["GetDiagnostics"]).hostname == options[-1]
