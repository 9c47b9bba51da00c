"""``chargecheck run`` and ``chargecheck simulate`` as two real processes over loopback:
the bench waits for a station, prints its URL, the simulator connects to it."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from chargecheck.protocol.firmware_image import firmware_image

CHARGECHECK = [sys.executable, "-m", "chargecheck"]
# A wildcard --host is printed as a placeholder: it names no address a station can use.
LISTENING = re.compile(r"ws://(?:\[[^\]]*\]|<this machine's address>|[^:/\s]+):(\d+)/")


def read_port(process: subprocess.Popen[str], deadline: float) -> int:
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        found = LISTENING.search(line)
        if found:
            return int(found.group(1))
    raise AssertionError("chargecheck run never printed its URL")


def run_against_simulate(
    tmp_path: Path,
    options: list[str],
    *,
    station_host: str = "127.0.0.1",
    station_id: str = "CP-CLI",
    station_options: tuple[str, ...] = (),
    operator: tuple[str, ...] = ("--non-interactive",),
    timeout: float = 240,
) -> tuple[int, str]:
    """``chargecheck run --non-interactive --settings demo`` with ``options`` (and a
    firmware image, journal and reports under ``tmp_path``), a simulated station connecting
    to ``station_host``; the bench's exit code and output once it ended. ``operator``
    replaces ``--non-interactive``; ``station_options`` go to ``chargecheck simulate``."""
    image = tmp_path / "fw.bin"
    image.write_bytes(firmware_image("4.4.9-9999"))
    bench = subprocess.Popen(
        [
            *CHARGECHECK,
            "run",
            *options,
            "--port",
            "0",
            *operator,
            "--settings",
            "demo",
            "--out",
            str(tmp_path / "out"),
            "--firmware",
            str(image),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    station = None
    try:
        port = read_port(bench, time.monotonic() + 30)
        station = subprocess.Popen(
            [
                *CHARGECHECK,
                "simulate",
                f"ws://{station_host}:{port}/ocpp",
                station_id,
                "--state-dir",
                str(tmp_path / "sim"),
                *station_options,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        output, _ = bench.communicate(timeout=timeout)
    finally:
        bench.kill()
        bench.wait()
        if station is not None:
            station.kill()
            station.wait()
    return bench.returncode, output
