"""The ``fleet`` section end to end: ``python -m bench.run`` starts the bare server
(``bench.bare``) and ``chargecheck simulate --ramp --charging`` as real processes on
127.0.0.1, waits until every station charges, samples the simulator and reads the
server's counts of the CALLs it answered. Tiny fleet, one-second meter interval; nothing
here judges speed. And the bare server's counts themselves, and the section's targets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.fleet import judge_fleet
from bench.targets import Target

ROOT = Path(__file__).resolve().parents[2]


def test_the_fleet_section_charges_every_station_against_the_bare_server(tmp_path):
    command = [sys.executable, "-m", "bench.run", "--sections=fleet", "--fleet-count=3"]
    command += ["--fleet-interval=1", "--fleet-window=1.5", f"--out={tmp_path}", "--name=report"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    section = report["sections"]["fleet"]
    rows = {row["stations"]: row for row in section["rows"]}
    assert set(rows) == {1, 3}  # one station alone: the process's own RSS
    for stations, row in rows.items():
        assert row["status"] == "ok", row
        assert row["transactions"] == stations  # StartTransactions the server answered
        assert row["meter_interval_s"] == 1 and row["expected_per_s"] == stations
        assert row["meter_values_per_s"] > 0  # answered by the server inside the window
        assert row["charging_s"] is not None and row["sim_rss_mb"] > 0
    assert rows[1]["connected_s"] is None  # one station says nothing about its fleet
    assert 0 < rows[3]["connected_s"] <= rows[3]["charging_s"]
    assert rows[1]["sim_kb_per_station"] is None
    assert rows[3]["sim_kb_per_station"] is not None
    verdicts = {v["what"]: v for v in section["verdicts"]}
    assert set(verdicts) == {
        "simulator CPU % of one core",
        "simulator KB per station",
        "seconds until all connected",
        "transactions started",
        "MeterValues/s / (stations / interval)",
    }
    assert all(v["met"] is None for v in verdicts.values())  # binding at 10,000 only
    markdown = (tmp_path / "report.md").read_text()
    assert "| chargecheck simulate --count 3 --charging | ok |" in markdown


def test_the_bare_server_counts_the_calls_it_answers(tmp_path):
    with Target("bare", tmp_path) as target:
        assert target.calls() == {}
        load = [sys.executable, "-m", "bench.load", f"--url={target.url()}", "--stations=2"]
        load += ["--duration=0.5", "--mode=heartbeat", "--heartbeat-interval=0.1"]
        done = subprocess.run(load, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        answered = json.loads(done.stdout.splitlines()[-1])["answered"]
        calls = target.calls()
    assert calls["BootNotification"] == 2
    assert calls["Heartbeat"] >= answered > 0


def _row(stations: int, cpu: float, kb: float | None, connected: float | None, tx: int) -> dict:
    return {
        "stations": stations,
        "meter_interval_s": 60,
        "sim_cpu_pct": cpu,
        "sim_kb_per_station": kb,
        "connected_s": connected,
        "transactions": tx,
        "meter_values_per_s": stations / 60,
        "expected_per_s": stations / 60,
    }


def test_the_fleet_targets_bind_at_10000_stations_every_60_s_and_fail_on_any_miss():
    def met(rows: list[dict]) -> dict[str, bool | None]:
        return {v["what"]: v["met"] for v in judge_fleet(rows) if v["target"] is not None}

    assert met([_row(1, 1.0, None, None, 1), _row(1000, 150.0, 500.0, 90.0, 9)]) == {}
    assert set(met([_row(10_000, 99.9, 99.9, 60.0, 10_000)]).values()) == {True}
    assert met([_row(10_000, 100.0, 80.0, 50.0, 10_000)])["simulator CPU % of one core"] is False
    assert met([_row(10_000, 50.0, 100.0, 50.0, 10_000)])["simulator KB per station"] is False
    missed = met([_row(10_000, 50.0, 80.0, 60.1, 10_000)])
    assert missed["seconds until all connected"] is False
    assert met([_row(10_000, 50.0, 80.0, None, 10_000)])["seconds until all connected"] is False
    assert met([_row(10_000, 50.0, 80.0, 50.0, 9_999)])["transactions started"] is False
