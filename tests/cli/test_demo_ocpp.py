"""``chargecheck demo --ocpp``: the OCPP version of the simulated station. A bad version,
a script written for another version, or 1.6-only options are refused in one line before
anything starts; ``--ocpp 2.0.1`` runs the 2.0.1 script (by default) against the 2.0.1
simulator, as a real process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from chargecheck.cli import app


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--ocpp", "2.1"], "--ocpp: '2.1' is not a version the demo speaks (1.6 or 2.0.1)"),
        (["--ocpp", "1.6", "--script", "octt201-cs"], "is written for OCPP 2.0.1"),
        (["--ocpp", "2.0.1", "--script", "octt16-cs"], "is written for OCPP 1.6"),
        (["--ocpp", "2.0.1", "--tls"], "--tls and --variant are for the OCPP 1.6 simulator"),
    ],
)
def test_a_bad_ocpp_choice_is_refused_in_one_line(tmp_path, args, words):
    out = tmp_path / "runs"
    refused = CliRunner().invoke(app, ["demo", "--out", str(out), *args])
    assert refused.exit_code == 2
    assert refused.stderr.count("\n") == 1 and words in refused.stderr, refused.stderr
    assert not out.exists()


def test_demo_ocpp_2_0_1_runs_the_2_0_1_script_against_the_2_0_1_simulator(tmp_path):
    # A few rows (the whole pack: tests/script/test_catalogue201.py, in one process).
    only = ["TC_B_01_CS", "TC_B_06_CS", "TC_E_09_CS", "TC_E_28_CS"]
    command = [sys.executable, "-m", "chargecheck", "demo", "--ocpp", "2.0.1"]
    command += ["--only", ",".join(only)]
    done = subprocess.run(
        [*command, "--out", str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    report = json.loads((tmp_path / "report-1.json").read_text())
    assert report["station"]["ocpp_version"] == "2.0.1"
    outcomes = {row["id"]: row["outcome"] for row in report["verdicts"]}
    assert list(outcomes) == only and set(outcomes.values()) == {"PASS"}, outcomes
