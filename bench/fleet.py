"""The fleet section (issue #25): ``chargecheck simulate --count 10000 --ramp R --charging
--meter-interval 60`` against the bare reference server (``bench.bare``).

For N stations, and for one (the process's own RSS), it starts ``bench.bare`` (a fixed
valid answer to every CALL, the CALLs counted per action) and the simulator as real
processes. The simulator starts its stations at R a second (the boot storm); each boots,
sets MeterValueSampleInterval, waits for its slot, plugs a car into connector 1, presents
its idTag and charges, sending MeterValues every interval. Measured: the seconds from the
simulator's start until it says that every station has connected and that every
transaction has started; then, over the window (at least one meter interval), the
simulator's CPU (% of one core) and RSS sampled from /proc every 0.5 s, and the
MeterValues the server answered (its counts before and after the window). Transactions
= StartTransactions the server answered. KB/station = (highest RSS in the window with N
stations - with 1) / (N - 1).
"""

from __future__ import annotations

import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from bench.commands import CHARGECHECK, available, judge_charging_fleet, missing, per_count, reap
from bench.options import Options, Row
from bench.procfs import Sampler
from bench.sections import Section
from bench.targets import Target, wait_line

ALONE_WINDOW_S = 10.0  # the window of the one-station run: only its RSS is wanted
STOP_S = 60.0  # seconds the simulator may take to stop, plus one per 100 stations


def run_fleet(opts: Options) -> list[Row]:
    if not available("simulate"):
        return missing("simulate")
    return per_count([opts.fleet_count], lambda n: _fleet(n, opts), " (fleet)", "sim_rss_mb")


def _fleet(count: int, opts: Options) -> Row:
    """``count`` stations charging at real time against the bare server."""
    interval = opts.fleet_interval
    window_s = opts.fleet_window if count > 1 else min(opts.fleet_window, ALONE_WINDOW_S)
    with (
        tempfile.TemporaryDirectory(prefix="chargecheck-bench-fleet-") as tmp,
        Target("bare", Path(tmp), uvloop=opts.uvloop, tuned_gc=opts.tuned_gc) as target,
    ):
        command = [str(CHARGECHECK), "simulate", target.url().rstrip("/"), "FLEET"]
        command += ["--count", str(count), "--ramp", f"{opts.fleet_ramp:g}", "--charging"]
        command += ["--meter-interval", str(interval), "--time-scale", "1"]
        command += ["--state-dir", str(Path(tmp) / "state")]
        started = time.monotonic()
        sim = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        try:
            assert sim.stdout is not None
            deadline = started + 60 + count / opts.fleet_ramp + 3 * interval
            connected_s, charging_s, charging = _progress(sim.stdout, started, deadline)
            with Sampler(sim.pid, interval=0.5) as sampler:
                before = target.calls()
                start = time.monotonic()
                time.sleep(window_s)
                after = target.calls()
                window = (start, time.monotonic())
            sim.send_signal(signal.SIGINT)
            code, _, peak = reap(sim, STOP_S + count / 100)
        finally:
            if sim.poll() is None:
                sim.kill()
                sim.wait()
        assert target.sampler is not None
        server_cpu = target.sampler.cpu_percent(*window)
        target.stop()
    rss = [s.rss_kb for s in sampler.samples if window[0] <= s.wall <= window[1]]
    meter_values = after.get("MeterValues", 0) - before.get("MeterValues", 0)
    ok = code == 0 and charging.startswith(f"charging: {count}/{count} ")
    return {
        "command": f"chargecheck simulate --count {count} --charging",
        "status": "ok" if ok else f"exit {code}: {charging.strip() or 'not all charging'}",
        "stations": count,
        "ramp_per_s": opts.fleet_ramp,
        "meter_interval_s": interval,
        "transactions": after.get("StartTransaction", 0),
        "connected_s": connected_s,
        "charging_s": charging_s,
        "window_s": round(window[1] - window[0], 1),
        "meter_values_per_s": round(meter_values / (window[1] - window[0]), 2),
        "expected_per_s": round(count / interval, 2),
        "sim_cpu_pct": round(sampler.cpu_percent(*window), 1),
        "sim_rss_mb": round(max(rss, default=0) / 1024, 1),
        "sim_peak_rss_mb": round(peak, 1),
        "sim_kb_per_station": None,  # from the difference with one station
        "server_cpu_pct": round(server_cpu, 1),
    }


def _progress(
    stream: IO[str], started: float, deadline: float
) -> tuple[float | None, float | None, str]:
    """Follow the simulator's lines until ``charging: X/N ...``: the seconds since
    ``started`` at ``connected: ...`` (None: no such line, one station) and at the
    charging line (None: none came by ``deadline``), and that line ('' if none)."""
    connected_s = None
    while True:
        line = wait_line(stream, deadline)
        if not line:
            return connected_s, None, ""
        if line.startswith("connected: "):
            connected_s = round(time.monotonic() - started, 1)
        if line.startswith("charging: "):
            return connected_s, round(time.monotonic() - started, 1), line


def judge_fleet(rows: list[Row]) -> list[Row]:
    """Issue #25: 10,000 stations charging, MeterValues every 60 s, in one process under
    one core and 100 KB per station, all connected within a minute (binding at 10,000+
    stations and 60 s)."""

    def connected(row: Row) -> list[Any]:
        seconds = row["connected_s"]
        return [
            ("seconds until all connected", seconds, "<= 60", seconds is not None and seconds <= 60)
        ]

    return judge_charging_fleet(
        rows,
        lambda row: row["stations"] >= 10_000 and row["meter_interval_s"] == 60,
        100,
        connected,
    )


FLEET_SECTION = Section(
    name="fleet",
    title="The fleet: chargecheck simulate --count N --charging against the bare server",
    what=(
        "N simulated stations in one process, real time, against `bench.bare` (fixed valid "
        "answers): started at --ramp a second, each boots, plugs a car into connector 1, "
        "presents an idTag and sends MeterValues every meter interval (start times spread "
        "over one interval after the ramp). connected s / charging s: from the simulator's "
        "start until it says all stations connected / all transactions started. Then, over "
        "the window: the simulator's CPU and RSS, MeterValues the server answered per "
        "second, StartTransactions it answered; KB per station = (the simulator's highest "
        "RSS in the window with N stations - with 1) / (N - 1)."
    ),
    run=run_fleet,
    columns=[
        ("command", "command"),
        ("status", "status"),
        ("ramp /s", "ramp_per_s"),
        ("meter interval s", "meter_interval_s"),
        ("transactions", "transactions"),
        ("all connected after s", "connected_s"),
        ("all charging after s", "charging_s"),
        ("window s", "window_s"),
        ("MeterValues/s", "meter_values_per_s"),
        ("expected/s", "expected_per_s"),
        ("simulator CPU %", "sim_cpu_pct"),
        ("simulator RSS MB", "sim_rss_mb"),
        ("KB/station", "sim_kb_per_station"),
        ("server CPU %", "server_cpu_pct"),
    ],
    judge=judge_fleet,
)
