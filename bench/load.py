"""The load generator: N stations against one Central System, in P client processes.

    python -m bench.load --url ws://127.0.0.1:9000/ocpp/ --stations 1000 --duration 10
    python -m bench.load --url wss://127.0.0.1:9000/ocpp/ --ca-file cert.pem ...

Each station connects (at most ``--ramp`` handshakes in flight per process), sends a
BootNotification, and once every station of every process is ready, either sends
MeterValues back to back awaiting each answer (``--mode meter``) or a Heartbeat every
``--heartbeat-interval`` seconds (``--mode heartbeat``), for ``--duration`` seconds.

Prints JSON lines on stdout: ``{"event": "ready", ...}`` when all stations are
connected and booted (a runner samples the server's memory then), ``{"event": "go"}``
when the load starts, and finally ``{"event": "result", ...}``: connections made,
answered calls per second, latency p50 / p99 / max in ms, client CPU, problems seen.
Loopback only; every wait is bounded, and the processes stop by themselves.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import IO, Any
from urllib.parse import urlsplit

from bench.stations import Plan
from bench.stats import Latencies

LOOPBACK = {"127.0.0.1", "::1", "localhost"}


class LoadError(RuntimeError):
    """The generator itself failed (a worker died or never got ready in time)."""


def split(stations: int, processes: int) -> list[tuple[int, int]]:
    """(first, count) of each process's share, as even as can be."""
    base, extra = divmod(stations, processes)
    shares, first = [], 0
    for i in range(processes):
        count = base + (1 if i < extra else 0)
        if count:
            shares.append((first, count))
        first += count
    return shares


def _read_event(stream: IO[str], deadline: float, what: str) -> dict[str, Any]:
    """The next JSON event line of a worker, or ``LoadError`` after ``deadline``."""
    box: list[str] = []
    reader = threading.Thread(target=lambda: box.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(max(0.0, deadline - time.monotonic()))
    if not box:
        raise LoadError(f"no {what} from a load worker in time")
    if not box[0]:
        raise LoadError(f"a load worker exited before its {what}")
    event: dict[str, Any] = json.loads(box[0])
    return event


def run(plan: Plan, processes: int, *, uvloop: bool = True) -> dict[str, Any]:
    """Run the load; yields events to stdout as it goes and returns the result."""
    host = urlsplit(plan.url).hostname
    if host not in LOOPBACK:
        raise LoadError(f"the bench only loads loopback servers, not {host!r}")
    workers: list[subprocess.Popen[str]] = []
    try:
        for first, count in split(plan.stations, processes):
            share = dataclasses.replace(plan, first=first, stations=count)
            command = [sys.executable, "-m", "bench.stations", "--plan"]
            command.append(json.dumps(dataclasses.asdict(share)))
            if not uvloop:
                command.append("--no-uvloop")
            workers.append(
                subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            )
        ramp_deadline = time.monotonic() + plan.connect_timeout * (
            2 + plan.stations / max(1, plan.ramp * len(workers))
        )
        ready = [_read_event(w.stdout, ramp_deadline, "ready") for w in workers]  # type: ignore[arg-type]
        connected = sum(e["connected"] for e in ready)
        ramp_s = max(e.get("ramp_s", 0.0) for e in ready)
        booted = sum(e["booted"] for e in ready)
        ramp_problems = sum((Counter(e["problems"]) for e in ready), Counter())
        _emit("ready", connected=connected, booted=booted, problems=ramp_problems)
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        _emit("go")
        end_deadline = time.monotonic() + plan.duration + 30.0
        results = [_read_event(w.stdout, end_deadline, "result") for w in workers]  # type: ignore[arg-type]
    finally:
        for worker in workers:
            if worker.stdin is not None and not worker.stdin.closed:
                worker.stdin.close()  # a worker still waiting for "go" sees EOF and stops
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    latencies = Latencies()
    for result in results:
        latencies.merge(Latencies.from_json(result["latencies"]))
    answered = sum(r["answered"] for r in results)
    window = plan.duration
    client_cpu = sum(r["client_cpu_s"] for r in results)
    return {
        "event": "result",
        "mode": plan.mode,
        "engine": plan.engine,
        "stations": plan.stations,
        "processes": len(workers),
        "connected": connected,
        "booted": booted,
        # Connections opened and booted per second during the ramp (TCP, TLS when wss://,
        # WebSocket handshake, BootNotification answered), all worker processes together.
        "connections_per_s": round(booted / ramp_s, 1) if ramp_s else None,
        "window_s": window,
        "answered": answered,
        "calls_per_s": round(answered / window, 1),
        "latency_ms": latencies.summary_ms(),
        "in_flight_at_end": sum(r["in_flight_at_end"] for r in results),
        "client_cpu_pct": round(100.0 * client_cpu / window, 1),
        "problems": dict(ramp_problems + sum((Counter(r["problems"]) for r in results), Counter())),
    }


def _emit(event: str, **fields: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def parse_args(argv: list[str] | None = None) -> tuple[Plan, int, bool]:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--url", required=True, help="ws://127.0.0.1:PORT/ocpp/ (loopback)")
    parser.add_argument("--stations", type=int, default=100)
    parser.add_argument("--processes", type=int, default=1, help="client processes")
    parser.add_argument("--mode", choices=["meter", "heartbeat"], default="meter")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load")
    parser.add_argument("--heartbeat-interval", type=float, default=5.0)
    parser.add_argument("--ramp", type=int, default=100, help="handshakes at once per process")
    parser.add_argument("--connect-timeout", type=float, default=30.0)
    parser.add_argument("--engine", choices=["wire", "asyncio"], default="wire")
    parser.add_argument("--prefix", default="LG", help="identity prefix")
    parser.add_argument("--no-uvloop", action="store_true")
    parser.add_argument("--ca-file", help="wss://: the server's certificate (PEM) to trust")
    args = parser.parse_args(argv)
    url = args.url if args.url.endswith("/") else args.url + "/"
    plan = Plan(
        url=url,
        stations=args.stations,
        prefix=args.prefix,
        mode=args.mode,
        duration=args.duration,
        heartbeat_interval=args.heartbeat_interval,
        ramp=args.ramp,
        connect_timeout=args.connect_timeout,
        engine=args.engine,
        ca_file=args.ca_file,
    )
    return plan, max(1, args.processes), not args.no_uvloop


def main(argv: list[str] | None = None) -> None:
    plan, processes, uvloop = parse_args(argv)
    result = run(plan, processes, uvloop=uvloop)
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
