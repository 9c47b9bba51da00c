"""Sections that time the product's own commands: ``chargecheck demo``,
``chargecheck simulate --count N`` (idle stations) and ``chargecheck simulate --count N
--charging`` (every station in a transaction, sending MeterValues).

Each command runs as a real process (the ``chargecheck`` script next to this Python);
its CPU time and peak RSS come from ``os.wait4``. A command this checkout does not
have yields one row saying so instead of numbers.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.options import Options, Row
from bench.procfs import Sampler
from bench.sections import Section, verdict
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


def missing(command: str) -> list[Row]:
    return [{"command": f"chargecheck {command}", "status": "not in this checkout"}]


def reap(process: subprocess.Popen[str], timeout: float) -> tuple[int, float, float]:
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
        return missing("demo")
    with tempfile.TemporaryDirectory(prefix="chargecheck-bench-demo-") as out:
        started = time.monotonic()
        demo = subprocess.Popen(
            [str(CHARGECHECK), "demo", "--out", out],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        code, cpu, peak = reap(demo, opts.demo_timeout)
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
        return missing("simulate")
    return per_count(opts.simulate_counts, lambda n: _simulate(n, opts), "", "sim_peak_rss_mb")


def per_count(
    counts: list[int], measure: Callable[[int], Row], label: str, rss_key: str
) -> list[Row]:
    """``measure`` each count, and 1 (the process's own RSS); KB per station from the
    difference with that one."""
    rows = []
    for count in sorted({1, *counts}):
        row = measure(count)
        sys.stderr.write(f"  chargecheck simulate --count {count}{label}: {row}\n")
        rows.append(row)
    alone = rows[0][rss_key]
    for row in rows[1:]:
        extra = (row[rss_key] - alone) * 1024 / (row["stations"] - 1)
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
        run = _run_simulator(
            command,
            lambda stream, started: wait_line(stream, started + 60 + count / 20),
            opts.simulate_duration,
            0.2,
            60 + count / 10,
        )
        elapsed = time.monotonic() - run.started
        assert target.sampler is not None
        server_cpu = target.sampler.cpu_percent(*run.window)
        target.stop()
        booted = target.booted_stations()
        frames = sum(target.journal_counts().get(k, 0) for k in ("frame_in", "frame_out"))
    return {
        "command": f"chargecheck simulate --count {count}",
        "status": "ok" if run.code == 0 and run.line else f"exit {run.code}",
        "stations": count,
        "booted": booted,
        "start_s": round(run.ready_s, 1),
        "frames_per_s": round(frames / elapsed, 1),
        "sim_cpu_pct": round(run.sampler.cpu_percent(*run.window), 1),
        "sim_cpu_s": round(run.cpu, 1),
        "sim_peak_rss_mb": round(run.peak, 1),
        "sim_kb_per_station": None,  # from the difference with one station
        "server_cpu_pct": round(server_cpu, 1),
        "time_scale": opts.simulate_time_scale,
    }


def run_simulate_charging(opts: Options) -> list[Row]:
    if not available("simulate"):
        return missing("simulate")
    counts = opts.simulate_charging_counts
    return per_count(counts, lambda n: _simulate_charging(n, opts), " --charging", "sim_rss_mb")


def _simulate_charging(count: int, opts: Options) -> Row:
    """``count`` stations charging at real time against the real Central System: once
    every transaction has started, the simulator's CPU and RSS over the window."""
    interval = opts.simulate_charging_interval
    with (
        tempfile.TemporaryDirectory(prefix="chargecheck-bench-charging-") as tmp,
        Target("real", Path(tmp), uvloop=opts.uvloop, tuned_gc=opts.tuned_gc) as target,
    ):
        command = [str(CHARGECHECK), "simulate", target.url().rstrip("/"), "FLEET"]
        command += ["--count", str(count), "--time-scale", "1", "--charging"]
        command += ["--meter-interval", str(interval), "--state-dir", str(Path(tmp) / "state")]
        run = _run_simulator(
            command,
            lambda stream, started: _charging_line(
                stream, started + 60 + count / 20 + 2 * interval
            ),
            opts.simulate_charging_window,
            0.5,
            60 + count / 10,
        )
        window, charging, code = run.window, run.line, run.code
        rss = [s.rss_kb for s in run.sampler.samples if window[0] <= s.wall <= window[1]]
        assert target.sampler is not None
        server_cpu = target.sampler.cpu_percent(*window)
        target.stop()
        assert target.journal is not None
        started_tx, meter_values = _journaled(target.journal, *window)
    ok = code == 0 and charging.startswith(f"charging: {count}/{count} ")
    return {
        "command": f"chargecheck simulate --count {count} --charging",
        "status": "ok" if ok else f"exit {code}: {charging.strip() or 'not all charging'}",
        "stations": count,
        "meter_interval_s": interval,
        "transactions": started_tx,
        "ready_s": round(run.ready_s, 1),
        "window_s": opts.simulate_charging_window,
        "meter_values_per_s": round(meter_values / (window[1] - window[0]), 1),
        "expected_per_s": round(count / interval, 1),
        "sim_cpu_pct": round(run.sampler.cpu_percent(*window), 1),
        "sim_rss_mb": round(max(rss, default=0) / 1024, 1),
        "sim_peak_rss_mb": round(run.peak, 1),
        "sim_kb_per_station": None,  # from the difference with one station
        "server_cpu_pct": round(server_cpu, 1),
    }


@dataclass
class SimulatorRun:
    """One ``chargecheck simulate`` process: when it was ready, and the window sampled."""

    started: float
    line: str  # the line that said it was ready ('' if none came in time)
    ready_s: float
    window: tuple[float, float]
    sampler: Sampler
    code: int
    cpu: float
    peak: float


def _run_simulator(
    command: list[str],
    ready: Callable[[Any, float], str],
    window_s: float,
    sample_every: float,
    reap_timeout: float,
) -> SimulatorRun:
    """Start the simulator, wait for ``ready(stdout, started)``, sample it for
    ``window_s``, stop it with SIGINT and reap it (killed if it does not stop)."""
    started = time.monotonic()
    sim = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert sim.stdout is not None
        line = ready(sim.stdout, started)
        ready_s = time.monotonic() - started
        with Sampler(sim.pid, interval=sample_every) as sampler:
            window = (time.monotonic(), time.monotonic() + window_s)
            time.sleep(window_s)
        sim.send_signal(signal.SIGINT)
        code, cpu, peak = reap(sim, reap_timeout)
    finally:
        if sim.poll() is None:
            sim.kill()
            sim.wait()
    return SimulatorRun(started, line, ready_s, window, sampler, code, cpu, peak)


def _charging_line(stream: Any, deadline: float) -> str:
    """The simulator's ``charging: X/N transaction(s) started`` line ('' if none came)."""
    while True:
        line = wait_line(stream, deadline)
        if not line or line.startswith("charging: "):
            return line


def _journaled(journal: Path, start: float, end: float) -> tuple[int, int]:
    """Stations with a StartTransaction in the journal; MeterValues received in the
    window (the journal's ``mono`` is the server's ``time.monotonic``, the same clock)."""
    with sqlite3.connect(journal) as db:
        (transactions,) = db.execute(
            "SELECT COUNT(DISTINCT station) FROM entries "
            "WHERE kind = 'frame_in' AND raw LIKE '[2,%\"StartTransaction\"%'"
        ).fetchone()
        (meter_values,) = db.execute(
            "SELECT COUNT(*) FROM entries WHERE kind = 'frame_in' AND mono BETWEEN ? AND ? "
            "AND raw LIKE '[2,%\"MeterValues\"%'",
            (start, end),
        ).fetchone()
    return int(transactions), int(meter_values)


def judge_charging_fleet(
    rows: list[Row],
    binding: Callable[[Row], bool],
    cpu_limit: int,
    extra: Callable[[Row], list[Any]],
) -> list[Row]:
    """The verdicts of a charging simulator run: its CPU under ``cpu_limit`` % of one core,
    under 100 KB per station, every transaction started, ``extra`` checks, and the
    MeterValues rate against the expected one (reported, not judged); targets only on the
    rows ``binding`` says."""
    verdicts = []
    for row in rows:
        if "stations" not in row or row["stations"] < 2:
            continue
        kb, cpu = row["sim_kb_per_station"], row["sim_cpu_pct"]
        checks = [
            ("simulator CPU % of one core", cpu, f"< {cpu_limit}", cpu < cpu_limit),
            ("simulator KB per station", kb, "< 100", kb is not None and kb < 100),
            *extra(row),
            (
                "transactions started",
                row["transactions"],
                f"= {row['stations']}",
                row["transactions"] == row["stations"],
            ),
            (
                "MeterValues/s / (stations / interval)",
                round(row["meter_values_per_s"] * row["meter_interval_s"] / row["stations"], 3),
                None,
                None,
            ),
        ]
        bound = binding(row)
        for what, value, target, met in checks:
            met = met if bound and target is not None else None
            verdicts.append(verdict(row["stations"], what, value, target if bound else None, met))
    return verdicts


def _judge_charging(rows: list[Row]) -> list[Row]:
    """Issue #8: 1,000 stations each sending MeterValues every 10 s in one process, under
    50 % of one core and under 100 KB RSS per station (binding at 1,000+ and 10 s)."""
    return judge_charging_fleet(
        rows,
        lambda row: row["stations"] >= 1000 and row["meter_interval_s"] == 10,
        50,
        lambda row: [],
    )


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
    Section(
        name="simulate_charging",
        title="chargecheck simulate --count N --charging: every station in a transaction",
        what=(
            "N simulated stations (one process, real time) against `bench.server`; each "
            "plugs a car into connector 1, presents an idTag and sends MeterValues every "
            "meter interval (start times spread over one interval). Once the simulator says "
            "all N transactions started, its CPU and RSS are sampled over the window; "
            "transactions = stations with a StartTransaction in the journal; MeterValues/s = "
            "MeterValues journaled in the window; KB per station = (the simulator's highest "
            "RSS in the window with N stations - with 1) / (N - 1)."
        ),
        run=run_simulate_charging,
        columns=[
            ("command", "command"),
            ("status", "status"),
            ("meter interval s", "meter_interval_s"),
            ("transactions", "transactions"),
            ("all charging after s", "ready_s"),
            ("window s", "window_s"),
            ("MeterValues/s", "meter_values_per_s"),
            ("expected/s", "expected_per_s"),
            ("simulator CPU %", "sim_cpu_pct"),
            ("simulator RSS MB", "sim_rss_mb"),
            ("KB/station", "sim_kb_per_station"),
            ("server CPU %", "server_cpu_pct"),
        ],
        judge=_judge_charging,
    ),
]
