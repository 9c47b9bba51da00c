"""``chargecheck run --non-interactive`` against ``chargecheck simulate`` in a second
process: the rows that need no physical step PASS, the others are NOT TESTED, and the
exit code says no row failed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.cli.processes import CHARGECHECK, run_against_simulate

PHYSICAL_ROWS = {6, 7, 8, 10, 11, 15, 16}


def test_non_interactive_run_against_a_simulator_process(tmp_path: Path):
    code, output = run_against_simulate(tmp_path, ["--host", "127.0.0.1"])
    assert code == 0, output[-3000:]
    (report,) = (tmp_path / "out").glob("report-*.json")
    verdicts = {v["row"]: v for v in json.loads(report.read_text())["verdicts"]}
    assert sorted(verdicts) == list(range(1, 19))
    for row, verdict in verdicts.items():
        expected = "NOT TESTED" if row in PHYSICAL_ROWS else "PASS"
        assert verdict["outcome"] == expected, (row, verdict["result"])
    assert "non-interactive" in verdicts[6]["result"]
    assert 'CP-CLI <- [2,"' in output  # live progress: a line per message
    assert ":***@" in output  # the per-run FTP password is masked on the console


def test_a_run_no_station_joins_ends_with_one_line_and_exit_1(tmp_path: Path):
    settings = tmp_path / "short.toml"
    settings.write_text("[timeouts]\nconnect = 0.3\n")
    done = subprocess.run(
        [
            *CHARGECHECK,
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--quiet",
            "--settings",
            str(settings),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().startswith("chargecheck: no station connected within 0.3 s")
    assert "Traceback" not in done.stderr
