"""The benchmark runner (``make bench``): sections of measurements, one report.

    python -m bench.run [--quick] [--sections throughput,memory] [--processes 2] ...

Each section starts every server under test in its own process, drives it with the
load generator (``bench.load``, its own processes), samples the server's CPU and RSS
from /proc, and returns rows; the runner writes them all to
``bench/results/<name>.md`` (Markdown tables) and ``<name>.json``. A section is an
entry of ``SECTIONS``: a name, a title, a ``run`` that returns rows, the columns to
show, and a ``judge`` that compares rows against the targets.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.commands import COMMAND_SECTIONS
from bench.fleet import FLEET_SECTION
from bench.options import RESULTS, Options
from bench.procfs import raise_open_files_limit
from bench.report import machine, render
from bench.sections import LOAD_SECTIONS, Section

SECTIONS: list[Section] = [*LOAD_SECTIONS, *COMMAND_SECTIONS, FLEET_SECTION]


def run(opts: Options) -> dict[str, Any]:
    raise_open_files_limit()
    report: dict[str, Any] = {
        "machine": machine(),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(opts).items()},
        "sections": {},
    }
    for section in SECTIONS:
        if section.name not in opts.sections:
            continue
        sys.stderr.write(f"{section.title}\n")
        rows = section.run(opts)
        report["sections"][section.name] = {"rows": rows, "verdicts": section.judge(rows)}
    opts.out.mkdir(parents=True, exist_ok=True)
    (opts.out / f"{opts.name}.json").write_text(json.dumps(report, indent=2) + "\n")
    (opts.out / f"{opts.name}.md").write_text(render(report, SECTIONS))
    return report


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny run: 3 stations, 1 s, no demo")
    parser.add_argument("--sections", help=f"comma list of {', '.join(s.name for s in SECTIONS)}")
    parser.add_argument("--servers", help="comma list of bare,real,bare-wire")
    parser.add_argument("--throughput-sizes", help="comma list of station counts")
    parser.add_argument("--memory-sizes", help="comma list of station counts")
    parser.add_argument("--client-sizes", help="comma list of station counts")
    parser.add_argument("--client-processes", help="comma list of process counts")
    parser.add_argument("--tls-sizes", help="comma list of station counts (section tls)")
    parser.add_argument("--meter-duration", type=float)
    parser.add_argument("--heartbeat-duration", type=float)
    parser.add_argument("--heartbeat-interval", type=float)
    parser.add_argument("--processes", type=int, help="load-generator processes")
    parser.add_argument("--ramp", type=int, help="handshakes in flight per load process")
    parser.add_argument("--engine", choices=["wire", "asyncio"])
    parser.add_argument("--repeat", type=int, help="throughput runs per (server, size)")
    parser.add_argument("--simulate-counts", help="comma list of simulated station counts")
    parser.add_argument("--simulate-duration", type=float)
    parser.add_argument("--simulate-charging-counts", help="comma list of charging station counts")
    parser.add_argument("--simulate-charging-interval", type=int, help="meter interval, s")
    parser.add_argument("--simulate-charging-window", type=float, help="sampled window, s")
    parser.add_argument("--fleet-count", type=int, help="stations of the fleet section")
    parser.add_argument("--fleet-interval", type=int, help="fleet meter interval, s")
    parser.add_argument("--fleet-window", type=float, help="fleet sampled window, s")
    parser.add_argument("--fleet-ramp", type=float, help="fleet stations started per second")
    parser.add_argument("--out", type=Path, help=f"directory for the report ({RESULTS})")
    parser.add_argument("--name", help="report file name without suffix (latest; quick)")
    parser.add_argument("--no-uvloop", action="store_true")
    parser.add_argument("--default-gc", action="store_true", help="servers keep CPython's GC")
    args = parser.parse_args(argv)
    opts = Options()
    if args.quick:
        opts = Options(
            throughput_sizes=[3],
            memory_sizes=[3],
            client_sizes=[3],
            meter_duration=1.0,
            heartbeat_duration=1.0,
            heartbeat_interval=0.3,
            simulate_counts=[3],
            simulate_duration=2.0,
            simulate_charging_counts=[3],
            simulate_charging_interval=1,
            simulate_charging_window=2.0,
            fleet_count=3,
            fleet_interval=1,
            fleet_window=2.0,
            repeat=1,
            # the demo takes minutes
            tls_sizes=[3],
            sections=[
                "throughput",
                "memory",
                "client",
                "tls",
                "simulate",
                "simulate_charging",
                "fleet",
            ],
            name="quick",
        )
    for key in ("sections", "servers"):
        if getattr(args, key):
            setattr(opts, key, getattr(args, key).split(","))
    lists = ("throughput_sizes", "memory_sizes", "client_sizes", "client_processes", "tls_sizes")
    for key in (*lists, "simulate_counts", "simulate_charging_counts"):
        if getattr(args, key):
            setattr(opts, key, [int(n) for n in getattr(args, key).split(",")])
    for key in (
        "meter_duration",
        "heartbeat_duration",
        "heartbeat_interval",
        "processes",
        "ramp",
        "engine",
        "repeat",
        "simulate_duration",
        "simulate_charging_interval",
        "simulate_charging_window",
        "fleet_count",
        "fleet_interval",
        "fleet_window",
        "fleet_ramp",
        "out",
        "name",
    ):
        if getattr(args, key) is not None:
            setattr(opts, key, getattr(args, key))
    opts.uvloop = not args.no_uvloop
    opts.tuned_gc = not args.default_gc
    return opts


def main(argv: list[str] | None = None) -> None:
    opts = parse_args(argv)
    report = run(opts)
    missed = [
        v for body in report["sections"].values() for v in body["verdicts"] if v["met"] is False
    ]
    sys.stderr.write(f"wrote {opts.out / opts.name}.md and .json\n")
    for v in missed:
        sys.stderr.write(f"target missed: {v['what']} at {v['stations']}: {v['value']}\n")


if __name__ == "__main__":
    main()
