"""Sections that load the servers under test: throughput, memory, the load generator.

Each measurement starts one server in its own process (``bench.targets``), drives it
with the load generator (``bench.load``, its own processes) and samples the server's
CPU and RSS from /proc.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.options import Options, Row
from bench.targets import Target, wait_line


@dataclass(frozen=True)
class Section:
    """A part of the report: ``run`` returns rows, ``judge`` compares them to targets."""

    name: str
    title: str
    what: str
    run: Callable[[Options], list[Row]]
    columns: list[tuple[str, str]]
    judge: Callable[[list[Row]], list[Row]]


def measure(
    kind: str,
    stations: int,
    mode: str,
    duration: float,
    opts: Options,
    processes: int | None = None,
) -> Row:
    """Start ``kind``, run the load against it, stop it; one row of numbers."""
    with (
        tempfile.TemporaryDirectory(prefix="chargecheck-bench-") as tmp,
        Target(kind, Path(tmp), uvloop=opts.uvloop, tuned_gc=opts.tuned_gc) as target,
    ):
        time.sleep(0.3)  # let the freshly started server settle before the idle sample
        idle_kb = target.rss_kb()
        command = [
            sys.executable,
            "-m",
            "bench.load",
            f"--url={target.url()}",
            f"--stations={stations}",
            f"--mode={mode}",
            f"--duration={duration}",
            f"--heartbeat-interval={opts.heartbeat_interval}",
            f"--processes={processes or opts.processes}",
            f"--ramp={opts.ramp}",
            f"--engine={opts.engine}",
        ]
        if target.ca_file is not None:
            command.append(f"--ca-file={target.ca_file}")
        if not opts.uvloop:
            command.append("--no-uvloop")
        started = time.monotonic()
        deadline = started + 120.0 + stations / 50 + duration
        load = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        try:
            events = _follow(load, target, deadline)
        finally:
            if load.poll() is None:
                load.kill()
            load.wait()
            assert load.stdout is not None
            load.stdout.close()
        assert target.sampler is not None
        go = events["go"]["at"]
        server_cpu = target.sampler.cpu_percent(go, go + duration)
        target.stop()
        result = events["result"]
        connected_kb = events["ready"]["server_rss_kb"]
        journal = target.journal_counts()
    return {
        "server": kind,
        "stations": stations,
        "mode": mode,
        "connected": result["connected"],
        "booted": result["booted"],
        "ramp_s": round(events["ready"]["at"] - started, 1),
        "connections_per_s": result.get("connections_per_s"),
        "calls_per_s": result["calls_per_s"],
        "answered": result["answered"],
        "p50_ms": result["latency_ms"]["p50"],
        "p99_ms": result["latency_ms"]["p99"],
        "max_ms": result["latency_ms"]["max"],
        "server_cpu_pct": round(server_cpu, 1),
        "client_cpu_pct": result["client_cpu_pct"],
        "client_processes": result["processes"],
        "idle_rss_mb": round(idle_kb / 1024, 1),
        "connected_rss_mb": round(connected_kb / 1024, 1),
        "kb_per_station": round((connected_kb - idle_kb) / max(1, result["connected"]), 1),
        "peak_rss_mb": round(target.peak_rss_kb / 1024, 1),
        "journaled_frames": journal.get("frame_in", 0) + journal.get("frame_out", 0)
        if journal
        else None,
        "problems": result["problems"],
    }


def _follow(load: subprocess.Popen[str], target: Target, deadline: float) -> dict[str, Row]:
    """Read the generator's events; sample the server's RSS when all are connected."""
    events: dict[str, Row] = {}
    assert load.stdout is not None
    while "result" not in events:
        line = wait_line(load.stdout, deadline)
        if not line:
            raise RuntimeError(f"the load generator stopped early (events: {list(events)})")
        event = json.loads(line)
        event["at"] = time.monotonic()
        if event["event"] == "ready":
            event["server_rss_kb"] = target.rss_kb()
        events[event["event"]] = event
    return events


def _median(rows: list[Row], kind: str, stations: int, key: str) -> float | None:
    """The median of ``key`` over the repeats of (server, stations)."""
    values = [r[key] for r in rows if r["server"] == kind and r["stations"] == stations]
    return statistics.median(values) if values else None


def _run_sizes(
    opts: Options, sizes: list[int], mode: str, duration: float, repeat: int = 1
) -> list[Row]:
    rows = []
    for stations in sizes:
        for _ in range(repeat):
            for kind in opts.servers:  # interleaved: a noisy minute hits both servers
                row = measure(kind, stations, mode, duration, opts)
                _progress(row)
                rows.append(row)
    return rows


def _run_clients(opts: Options) -> list[Row]:
    """The bare server under 1, 2, ... client processes: is one client enough?"""
    rows = []
    for stations in opts.client_sizes:
        for processes in opts.client_processes:
            row = measure("bare", stations, "meter", opts.meter_duration, opts, processes)
            _progress(row)
            rows.append(row)
    return rows


def _run_tls(opts: Options) -> list[Row]:
    """The real server with and without TLS, interleaved, ``repeat`` times per size."""
    rows = []
    for stations in opts.tls_sizes:
        for _ in range(opts.repeat):
            for kind in ("real", "real-tls"):
                row = measure(kind, stations, "meter", opts.meter_duration, opts)
                _progress(row)
                rows.append(row)
    return rows


def _judge_tls(rows: list[Row]) -> list[Row]:
    """No target (issue #15 asks what TLS costs): the ratios of the medians, reported."""
    out = []
    for stations in sorted({r["stations"] for r in rows}):
        for key, what in (("connections_per_s", "connections/s"), ("calls_per_s", "calls/s")):
            plain = _median(rows, "real", stations, key)
            tls = _median(rows, "real-tls", stations, key)
            if plain and tls:
                ratio = f"{tls:g} vs {plain:g} ({tls / plain:.2f}x)"
                out.append(verdict(stations, f"TLS {what}", ratio, None, None))
    return out


def verdict(stations: int, what: str, value: Any, target: str | None, met: bool | None) -> Row:
    """One line of a section's judgement: a measured value against its target, if any."""
    return {"stations": stations, "what": what, "value": value, "target": target, "met": met}


def _judge_clients(rows: list[Row]) -> list[Row]:
    verdicts = []
    for stations in sorted({r["stations"] for r in rows}):
        same = sorted(
            (r for r in rows if r["stations"] == stations), key=lambda r: r["client_processes"]
        )
        if len(same) < 2 or not same[0]["calls_per_s"]:
            continue
        for row in same[1:]:
            what = f"bare calls/s, {row['client_processes']} clients / 1 client"
            value = round(row["calls_per_s"] / same[0]["calls_per_s"], 3)
            verdicts.append(verdict(stations, what, value, None, None))
    return verdicts


def _judge_throughput(rows: list[Row]) -> list[Row]:
    """Real against bare per size, on the medians of the repeats (run interleaved); real
    against bare-wire too, without a target (the floor of the transport chargecheck uses)."""
    verdicts = []
    for stations in sorted({r["stations"] for r in rows}):
        real = _median(rows, "real", stations, "calls_per_s")
        bare = _median(rows, "bare", stations, "calls_per_s")
        wire = _median(rows, "bare-wire", stations, "calls_per_s")
        p99 = [_median(rows, k, stations, "p99_ms") for k in ("real", "bare")]
        binding = stations == 1000
        if real is not None and bare:
            ratio = real / bare
            met = ratio >= 0.60 if binding else None
            target = ">= 0.60" if binding else None
            verdicts.append(
                verdict(stations, "calls/s real / bare (medians)", round(ratio, 3), target, met)
            )
        if p99[0] is not None and p99[1]:
            ratio = p99[0] / p99[1]
            met = ratio <= 2.0 if binding else None
            target = "<= 2.0" if binding else None
            what = "p99 latency real / bare (medians)"
            verdicts.append(verdict(stations, what, round(ratio, 2), target, met))
        if real is not None and wire:
            what = "calls/s real / bare-wire (medians)"
            verdicts.append(verdict(stations, what, round(real / wire, 3), None, None))
        verdicts += _writer_process_worth(rows, stations)
    return verdicts


def _writer_process_worth(rows: list[Row], stations: int) -> list[Row]:
    """real-writer (commits in a journal writer process) against real (commits in the
    server's process), where both ran: what the writer process buys (issue #12)."""
    out = []
    for key, what in (
        ("calls_per_s", "calls/s"),
        ("p99_ms", "p99 latency"),
        ("server_cpu_pct", "server CPU % (with its children)"),
    ):
        writer = _median(rows, "real-writer", stations, key)
        real = _median(rows, "real", stations, key)
        if writer is not None and real:
            ratio = round(writer / real, 3)
            out.append(verdict(stations, f"{what} real-writer / real (medians)", ratio, None, None))
    return out


def _judge_memory(rows: list[Row]) -> list[Row]:
    verdicts = []
    for row in rows:
        binding = row["server"] == "real" and row["stations"] >= 10_000
        what = f"KB per connected station, {row['server']}"
        kb = row["kb_per_station"]
        met = kb < 30 if binding else None
        verdicts.append(verdict(row["stations"], what, kb, "< 30" if binding else None, met))
    return verdicts


_COMMON = [
    ("server", "server"),
    ("stations", "stations"),
    ("connected", "connected"),
    ("calls/s", "calls_per_s"),
    ("p50 ms", "p50_ms"),
    ("p99 ms", "p99_ms"),
    ("max ms", "max_ms"),
    ("server CPU %", "server_cpu_pct"),
    ("client CPU %", "client_cpu_pct"),
]

LOAD_SECTIONS: list[Section] = [
    Section(
        name="throughput",
        title="Throughput: MeterValues back to back",
        what=(
            "Each station sends MeterValues (3 phases x Voltage, Current.Import, "
            "Power.Active.Import + Energy.Active.Import.Register) and waits for the answer "
            "before sending the next, for the whole window."
        ),
        run=lambda o: _run_sizes(o, o.throughput_sizes, "meter", o.meter_duration, o.repeat),
        columns=[
            *_COMMON,
            ("peak RSS MB", "peak_rss_mb"),
            ("journaled frames", "journaled_frames"),
        ],
        judge=_judge_throughput,
    ),
    Section(
        name="memory",
        title="Memory: stations connected, booted and heartbeating",
        what=(
            "All stations connect (in bounded batches) and boot; then each sends a "
            "Heartbeat every interval. KB per station = (RSS with all connected - RSS idle) "
            "/ stations, RSS sampled the moment the last station has booted."
        ),
        run=lambda o: _run_sizes(o, o.memory_sizes, "heartbeat", o.heartbeat_duration),
        columns=[
            *_COMMON,
            ("ramp s", "ramp_s"),
            ("idle RSS MB", "idle_rss_mb"),
            ("connected RSS MB", "connected_rss_mb"),
            ("KB/station", "kb_per_station"),
            ("peak RSS MB", "peak_rss_mb"),
        ],
        judge=_judge_memory,
    ),
    Section(
        name="client",
        title="The load generator: one client process or several, against the bare server",
        what=(
            "The bare server driven by 1 and by 2 load-generator processes (stations split "
            "between them). If two clients got clearly more answers out of the same server, "
            "one client would be the bottleneck of the throughput section."
        ),
        run=_run_clients,
        columns=[*_COMMON, ("client processes", "client_processes")],
        judge=_judge_clients,
    ),
    Section(
        name="tls",
        title="TLS cost: the real server over ws:// and over wss://",
        what=(
            "The real server (`real`) and the same serving wss:// (`real-tls`: TLS 1.3, the "
            "self-signed RSA-2048 certificate `chargecheck run --tls` makes, verified by the "
            "client). connections/s: stations connected and booted per second during the "
            "ramp (TCP + TLS + WebSocket handshakes + BootNotification); calls/s: MeterValues "
            "back to back, as in the throughput section."
        ),
        run=_run_tls,
        columns=[*_COMMON, ("connections/s", "connections_per_s"), ("ramp s", "ramp_s")],
        judge=_judge_tls,
    ),
]


def _progress(row: Row) -> None:
    sys.stderr.write(
        f"  {row['server']:>9} {row['stations']:>6} {row['mode']:<9} "
        f"{row['calls_per_s']:>9} calls/s  p99 {row['p99_ms']} ms  "
        f"server CPU {row['server_cpu_pct']} %  {row['kb_per_station']} KB/station\n"
    )
