"""The README's command for the security cases against a real charger ("The security
cases"), run as written (ports made free, the output under the test's directory, the
physical steps done by the simulator's hook) as a real ``chargecheck run`` process, with
a real ``chargecheck simulate`` process as the charger: it starts on ws://, is raised to
the second wss:// port, and every one of the 15 cases PASSes; the files the README names
are where it says."""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

from chargecheck.protocol.firmware_image import firmware_image
from chargecheck.script.catalogue.octt import OFFICIAL
from tests.cli.processes import CHARGECHECK

README = Path(__file__).resolve().parents[2] / "README.md"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def readme_command() -> list[str]:
    section = re.search(
        r"^### The security cases.*?\n(.*?)(?=^##)", README.read_text(), re.M | re.S
    )
    assert section, "README.md has no section '### The security cases'"
    block = re.search(r"```sh\n(.*?)```", section.group(1), re.S)
    assert block, "the section shows no command"
    words = shlex.split(block.group(1).replace("\\\n", " "))
    assert words[0] == ".venv/bin/chargecheck", words
    return words[1:]


def test_the_readme_lists_the_15_security_cases():
    words = readme_command()
    only = words[words.index("--only") + 1].split(",")
    assert only == [o.id for o in OFFICIAL if o.security]
    assert {"--port", "--secure-port", "--script", "--firmware"} <= set(words)


def test_the_readme_command_passes_all_15_against_a_simulate_process(tmp_path: Path):
    plain, secure, control = _free_port(), _free_port(), _free_port()
    words = readme_command()
    words[words.index("--port") + 1] = str(plain)
    words[words.index("--secure-port") + 1] = str(secure)
    image = tmp_path / "fw.bin"
    image.write_bytes(firmware_image("4.4.9-9999"))
    words[words.index("--firmware") + 1] = str(image)
    hook = f"{sys.executable} -m chargecheck.sim.step --control http://127.0.0.1:{control}"
    out = tmp_path / "runs"
    bench = subprocess.Popen(
        [
            *CHARGECHECK,
            *words,
            "--host",
            "127.0.0.1",
            "--settings",
            "demo",
            "--out",
            str(out),
            "--step-command",
            hook,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    station = subprocess.Popen(
        [
            *CHARGECHECK,
            "simulate",
            f"ws://127.0.0.1:{plain}/ocpp",
            "CP-SEC",
            "--secure-url",
            f"wss://127.0.0.1:{secure}/ocpp",
            "--control-port",
            str(control),
            "--state-dir",
            str(tmp_path / "sim"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        output, _ = bench.communicate(timeout=300)
    finally:
        station.terminate()
        station.wait(timeout=30)
        if bench.poll() is None:
            bench.kill()
    assert bench.returncode == 0, output[-4000:]
    assert f"wss:// also at wss://127.0.0.1:{secure}/ocpp/<identity>" in output
    (report,) = out.glob("report-*.json")
    verdicts = json.loads(report.read_text())["verdicts"]
    outcomes = {v["id"]: v["outcome"] for v in verdicts}
    assert outcomes == {o.id: "PASS" for o in OFFICIAL if o.security}, [
        (v["id"], v["result"]) for v in verdicts if v["outcome"] != "PASS"
    ]
    (pki,) = (out / "pki").glob("run-*")
    assert {p.name for p in pki.iterdir()} >= {"ca.pem", "ca.key", "server.pem", "server.key"}
    (files,) = (out / "files").glob("run-*")
    assert any("security" in p.name for p in files.rglob("*.log")), sorted(files.rglob("*"))
