"""Sections that time the product's own commands: ``chargecheck demo`` and
``chargecheck simulate --count N``.

Each command runs as a real process (the ``chargecheck`` script next to this Python);
its CPU time and peak RSS come from ``os.wait4``. A command this checkout does not
have yields one row saying so instead of numbers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.options import Options, Row
from bench.procfs import Sampler
from bench.sections import Section
from bench.targets import Target, wait_line

CHARGECHECK = Path(sys.executable).with_name("chargecheck")


def available(command: str) -> bool:
    """Whether ``chargecheck <command>`` exists in this checkout."""
    if not CHARGECHECK.exists():
        return False
    done = subprocess.run(
        [str(CHARGECHECK), command, "--help"], capture_output=True, text=True, timeout=60
    )
    return done.returncode == 0


def _missing(command: str) -> list[Row]:
    return [{"command": f"chargecheck {command}", "status": "not in this checkout"}]


def _reap(process: subprocess.Popen[str], timeout: float) -> tuple[int, float, float]:
    """Wait for ``process`` (SIGKILL after ``timeout``): exit code, CPU s, peak RSS MB."""
    watchdog = threading.Timer(timeout, process.kill)
    watchdog.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        watchdog.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def run_demo(opts: Options) -> list[Row]:
    if not available("demo"):
        return _missing("demo")
    with tempfile.TemporaryDirectory(prefix="chargecheck-bench-demo-") as out:
        started = time.monotonic()
        demo = subprocess.Popen(
            [str(CHARGECHECK), "demo", "--out", out],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        code, cpu, peak = _reap(demo, opts.demo_timeout)
        wall = time.monotonic() - started
    row = {
        "command": "chargecheck demo",
        "status": "ok" if code == 0 else f"exit {code}",
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "peak_rss_mb": round(peak, 1),
    }
    sys.stderr.write(f"  chargecheck demo: {row}\n")
    return [row]


def run_simulate(opts: Options) -> list[Row]:
    if not available("simulate"):
        return _missing("simulate")
    rows = []
    for count in sorted({1, *opts.simulate_counts}):  # one station: the process's own RSS
        row = _simulate(count, opts)
        sys.stderr.write(f"  chargecheck simulate --count {count}: {row}\n")
        rows.append(row)
    alone = rows[0]["sim_peak_rss_mb"]
    for row in rows[1:]:
        extra = (row["sim_peak_rss_mb"] - alone) * 1024 / (row["stations"] - 1)
        row["sim_kb_per_station"] = round(extra, 1)
    return rows


def _simulate(count: int, opts: Options) -> Row:
    """``count`` simulated stations against the real Central System for a while."""
    with (
        tempfile.TemporaryDirectory(prefix="chargecheck-bench-sim-") as tmp,
        Target("real", Path(tmp), uvloop=opts.uvloop, tuned_gc=opts.tuned_gc) as target,
    ):
        command = [str(CHARGECHECK), "simulate", target.url().rstrip("/"), "SIM"]
        command += ["--count", str(count), "--time-scale", str(opts.simulate_time_scale)]
        command += ["--state-dir", str(Path(tmp) / "sim-state")]
        started = time.monotonic()
        sim = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        try:
            assert sim.stdout is not None
            line = wait_line(sim.stdout, started + 60 + count / 20)
            start_s = time.monotonic() - started
            with Sampler(sim.pid) as sampler:
                window = (time.monotonic(), time.monotonic() + opts.simulate_duration)
                time.sleep(opts.simulate_duration)
            sim.send_signal(signal.SIGINT)
            code, cpu, peak = _reap(sim, 60 + count / 10)
        finally:
            if sim.poll() is None:
                sim.kill()
                sim.wait()
        elapsed = time.monotonic() - started
        sim_cpu = sampler.cpu_percent(*window)
        assert target.sampler is not None
        server_cpu = target.sampler.cpu_percent(*window)
        target.stop()
        booted = target.booted_stations()
        frames = sum(target.journal_counts().get(k, 0) for k in ("frame_in", "frame_out"))
    return {
        "command": f"chargecheck simulate --count {count}",
        "status": "ok" if code == 0 and line else f"exit {code}",
        "stations": count,
        "booted": booted,
        "start_s": round(start_s, 1),
        "frames_per_s": round(frames / elapsed, 1),
        "sim_cpu_pct": round(sim_cpu, 1),
        "sim_cpu_s": round(cpu, 1),
        "sim_peak_rss_mb": round(peak, 1),
        "sim_kb_per_station": None,  # from the difference with one station
        "server_cpu_pct": round(server_cpu, 1),
        "time_scale": opts.simulate_time_scale,
    }


def _no_targets(rows: list[Row]) -> list[Row]:
    return []


COMMAND_SECTIONS = [
    Section(
        name="demo",
        title="chargecheck demo: the 18 rows against the simulated Alfen NG920",
        what="One `chargecheck demo` process, from start to exit: wall time, CPU, peak RSS.",
        run=run_demo,
        columns=[
            ("command", "command"),
            ("status", "status"),
            ("wall s", "wall_s"),
            ("CPU s", "cpu_s"),
            ("peak RSS MB", "peak_rss_mb"),
        ],
        judge=_no_targets,
    ),
    Section(
        name="simulate",
        title="chargecheck simulate --count N against the real Central System",
        what=(
            "N simulated stations (one process, time sped up) against `bench.server`; booted = "
            "stations whose BootNotification is in the journal; KB per station = (the "
            "simulator's peak RSS with N stations - with 1) / (N - 1)."
        ),
        run=run_simulate,
        columns=[
            ("command", "command"),
            ("status", "status"),
            ("booted", "booted"),
            ("started in s", "start_s"),
            ("journaled frames/s", "frames_per_s"),
            ("simulator CPU %", "sim_cpu_pct"),
            ("simulator peak RSS MB", "sim_peak_rss_mb"),
            ("KB/station", "sim_kb_per_station"),
            ("server CPU %", "server_cpu_pct"),
        ],
        judge=_no_targets,
    ),
]
