"""The bare reference server (``bench.bare``) the fleet section runs against counts the
CALLs it answers (the section itself: test_charging_sections.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.targets import Target

ROOT = Path(__file__).resolve().parents[2]


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
