"""The two sections of charging simulators, end to end: ``python -m bench.run`` starts
the server (``simulate_charging``: the real Central System, ``bench.server``, counted from
its journal; ``fleet``: the bare reference server, ``bench.bare``, counted from its
answers) and ``chargecheck simulate --charging`` as real processes on 127.0.0.1, waits
until every station charges and samples the simulator. Tiny fleets, a one-second meter
interval; nothing here judges speed. And the targets each section binds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from bench.commands import _judge_charging
from bench.fleet import judge_fleet

ROOT = Path(__file__).resolve().parents[2]

VERDICTS = {
    "simulator CPU % of one core",
    "simulator KB per station",
    "transactions started",
    "MeterValues/s / (stations / interval)",
}

SECTIONS = {
    "simulate_charging": [
        "--simulate-charging-counts=3",
        "--simulate-charging-interval=1",
        "--simulate-charging-window=1.5",
    ],
    "fleet": ["--fleet-count=3", "--fleet-interval=1", "--fleet-window=1.5"],
}


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_the_section_charges_every_station_and_counts_its_meter_values(tmp_path, name):
    command = [sys.executable, "-m", "bench.run", f"--sections={name}", *SECTIONS[name]]
    command += [f"--out={tmp_path}", "--name=report"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    section = json.loads((tmp_path / "report.json").read_text())["sections"][name]
    rows = {row["stations"]: row for row in section["rows"]}
    assert set(rows) == {1, 3}  # one station alone: the process's own RSS
    for stations, row in rows.items():
        assert row["status"] == "ok", row
        assert row["transactions"] == stations  # StartTransactions the server took
        assert row["meter_interval_s"] == 1 and row["expected_per_s"] == stations
        assert row["meter_values_per_s"] > 0  # received by the server inside the window
        assert row["sim_rss_mb"] > 0
    assert rows[1]["sim_kb_per_station"] is None
    assert rows[3]["sim_kb_per_station"] is not None
    verdicts = {v["what"]: v for v in section["verdicts"]}
    fleet = name == "fleet"
    assert set(verdicts) == VERDICTS | ({"seconds until all connected"} if fleet else set())
    assert all(v["met"] is None for v in verdicts.values())  # binding at 1,000 / 10,000 only
    markdown = (tmp_path / "report.md").read_text()
    assert "| chargecheck simulate --count 3 --charging | ok |" in markdown
    if fleet:
        assert rows[1]["connected_s"] is None  # one station says nothing about its fleet
        assert 0 < rows[3]["connected_s"] <= rows[3]["charging_s"]


def _row(stations: int, interval: int, cpu: float, kb: float | None, tx: int, **more) -> dict:
    return {
        "stations": stations,
        "meter_interval_s": interval,
        "sim_cpu_pct": cpu,
        "sim_kb_per_station": kb,
        "transactions": tx,
        "meter_values_per_s": stations / interval,
        "expected_per_s": stations / interval,
        "connected_s": 50.0,
        **more,
    }


@pytest.mark.parametrize(
    ("judge", "stations", "interval", "cpu_limit"),
    [(_judge_charging, 1000, 10, 50.0), (judge_fleet, 10_000, 60, 100.0)],
)
def test_the_targets_bind_at_their_fleet_and_interval_and_fail_on_any_miss(
    judge, stations, interval, cpu_limit
):
    def met(rows: list[dict]) -> dict[str, bool | None]:
        return {v["what"]: v["met"] for v in judge(rows) if v["target"] is not None}

    n, i = stations, interval
    small = _row(stations // 10, i, cpu_limit * 2, 500.0, 9, connected_s=90.0)
    assert met([_row(1, i, 1.0, None, 1), small]) == {}
    assert met([_row(n, i * 2, cpu_limit * 2, 500.0, 9)]) == {}  # another interval
    assert set(met([_row(n, i, cpu_limit - 0.1, 99.9, n)]).values()) == {True}
    assert met([_row(n, i, cpu_limit, 80.0, n)])["simulator CPU % of one core"] is False
    assert met([_row(n, i, 10.0, 100.0, n)])["simulator KB per station"] is False
    assert met([_row(n, i, 10.0, 80.0, n - 1)])["transactions started"] is False


def test_the_fleet_binds_all_connected_within_a_minute():
    def connected(seconds: float | None) -> bool | None:
        verdicts = judge_fleet([_row(10_000, 60, 50.0, 80.0, 10_000, connected_s=seconds)])
        return next(v["met"] for v in verdicts if v["what"] == "seconds until all connected")

    assert connected(60.0) is True
    assert connected(60.1) is False
    assert connected(None) is False
