"""The benchmark runs end to end: real processes, real sockets on 127.0.0.1, a tiny load.

``python -m bench.run --quick`` starts the bare server and the real Central System each
in its own process, drives each with the load generator (its own processes) for a
second, and writes the report; nothing here judges speed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROW_FIELDS = {
    "server",
    "stations",
    "connected",
    "booted",
    "calls_per_s",
    "answered",
    "p50_ms",
    "p99_ms",
    "max_ms",
    "server_cpu_pct",
    "client_cpu_pct",
    "idle_rss_mb",
    "connected_rss_mb",
    "kb_per_station",
    "peak_rss_mb",
    "journaled_frames",
    "problems",
}


def test_quick_run_measures_every_server_and_writes_the_report(tmp_path):
    command = [sys.executable, "-m", "bench.run", "--quick", "--sections=throughput"]
    command += [f"--out={tmp_path}", "--name=report"]
    done = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    rows = report["sections"]["throughput"]["rows"]
    assert {r["server"] for r in rows} == {"bare", "real", "bare-wire"}
    for row in rows:
        assert row.keys() >= ROW_FIELDS
        assert row["connected"] == row["booted"] == 3
        assert row["answered"] > 0 and row["calls_per_s"] > 0
        assert row["problems"] == {}
        assert row["p50_ms"] <= row["p99_ms"] <= row["max_ms"]
    real = next(r for r in rows if r["server"] == "real")
    # Every answered call was journaled twice (CALL in, CALLRESULT out) before its answer.
    assert real["journaled_frames"] >= 2 * real["answered"]
    verdicts = report["sections"]["throughput"]["verdicts"]
    assert {v["what"] for v in verdicts} == {
        "calls/s real / bare (medians)",
        "p99 latency real / bare (medians)",
        "calls/s real / bare-wire (medians)",
    }
    markdown = (tmp_path / "report.md").read_text()
    assert "| bare | 3 |" in markdown and "| real | 3 |" in markdown


@pytest.mark.parametrize("engine", ["asyncio", "wire"])
def test_the_load_generator_alone_prints_a_json_result(tmp_path, engine):
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.bare", "--port=0", f"--engine={engine}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = json.loads(server.stdout.readline())["port"]
        command = [sys.executable, "-m", "bench.load", f"--url=ws://127.0.0.1:{port}/ocpp/"]
        command += ["--stations=3", "--duration=0.5", "--processes=2"]
        command += ["--mode=heartbeat", "--heartbeat-interval=0.1"]
        done = subprocess.run(
            command,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [e["event"] for e in events] == ["ready", "go", "result"]
    result = events[-1]
    assert result["connected"] == 3 and result["processes"] == 2
    assert result["answered"] > 0
    assert set(result["latency_ms"]) == {"p50", "p99", "max"}


def test_the_load_generator_refuses_a_server_that_is_not_on_loopback():
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", "--url=ws://192.0.2.1:9000/ocpp/", "--stations=1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0 and "loopback" in done.stderr


def test_the_simulate_section_boots_every_station_against_the_real_server(tmp_path):
    command = [sys.executable, "-m", "bench.run", "--sections=simulate"]
    command += ["--simulate-counts=2", "--simulate-duration=0.5"]
    command += [f"--out={tmp_path}", "--name=report"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = json.loads((tmp_path / "report.json").read_text())["sections"]["simulate"]["rows"]
    assert [(r["stations"], r["booted"], r["status"]) for r in rows] == [(1, 1, "ok"), (2, 2, "ok")]
    assert rows[1]["sim_kb_per_station"] is not None and rows[1]["frames_per_s"] > 0
