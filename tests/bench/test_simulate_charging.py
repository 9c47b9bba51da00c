"""The ``simulate_charging`` section end to end: ``python -m bench.run`` starts the real
Central System (``bench.server``) and ``chargecheck simulate --charging`` as real
processes on 127.0.0.1, waits until every station charges, samples the simulator and
reads the journal. Tiny fleet, one-second meter interval; nothing here judges speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_charging_section_starts_every_transaction_and_counts_meter_values(tmp_path):
    command = [sys.executable, "-m", "bench.run", "--sections=simulate_charging"]
    command += ["--simulate-charging-counts=3", "--simulate-charging-interval=1"]
    command += ["--simulate-charging-window=1.5", f"--out={tmp_path}", "--name=report"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    section = report["sections"]["simulate_charging"]
    rows = {row["stations"]: row for row in section["rows"]}
    assert set(rows) == {1, 3}  # one station alone: the process's own RSS
    for stations, row in rows.items():
        assert row["status"] == "ok", row
        assert row["transactions"] == stations
        assert row["meter_interval_s"] == 1 and row["expected_per_s"] == stations
        assert row["meter_values_per_s"] > 0  # journaled by the server inside the window
        assert row["sim_rss_mb"] > 0
    assert rows[1]["sim_kb_per_station"] is None
    assert rows[3]["sim_kb_per_station"] is not None
    verdicts = {v["what"]: v for v in section["verdicts"]}
    assert set(verdicts) == {
        "simulator CPU % of one core",
        "simulator KB per station",
        "transactions started",
        "MeterValues/s / (stations / interval)",
    }
    assert all(v["met"] is None for v in verdicts.values())  # binding at 1,000 only
    assert (
        "| chargecheck simulate --count 3 --charging | ok |" in (tmp_path / "report.md").read_text()
    )


def _row(stations: int, cpu: float, kb: float | None, transactions: int) -> dict:
    return {
        "stations": stations,
        "meter_interval_s": 10,
        "sim_cpu_pct": cpu,
        "sim_kb_per_station": kb,
        "transactions": transactions,
        "meter_values_per_s": stations / 10,
        "expected_per_s": stations / 10,
    }


def test_the_fleet_target_binds_at_1000_stations_every_10_s_and_fails_on_any_miss():
    from bench.commands import _judge_charging

    def met(rows: list[dict]) -> dict[str, bool | None]:
        return {v["what"]: v["met"] for v in _judge_charging(rows) if v["target"] is not None}

    assert met([_row(1, 1.0, None, 1), _row(100, 90.0, 500.0, 99)]) == {}
    assert set(met([_row(1000, 49.9, 99.9, 1000)]).values()) == {True}
    assert met([_row(1000, 50.0, 80.0, 1000)])["simulator CPU % of one core"] is False
    assert met([_row(1000, 10.0, 100.0, 1000)])["simulator KB per station"] is False
    assert met([_row(1000, 10.0, 80.0, 999)])["transactions started"] is False
