"""Run ``chargecheck run`` against one station N times and say whether every run ended
as it should (issue #12): the proof by hand that a row is stable, not lucky once.

Each iteration starts ``chargecheck run --non-interactive`` on 127.0.0.1, port 0, reads
the port from its console, starts the station, waits for the bench to exit (bounded:
``--timeout``; a bench still running then is killed and counted as a hang), stops the
station and records the exit code, each row's verdict (from the JSON report), whether
the four reports exist, tracebacks and error lines in the bench's output, and the
duration. Stations (``--station``):

- ``sim``: ``chargecheck simulate`` (our simulator);
- ``peer``: ``python -m bench.peer_station`` (built on the ``ocpp`` package, not on our
  code; it reboots right after FirmwareStatusNotification Installed is answered);
- ``peer-notsupported``: the same, answering every ChangeConfiguration NotSupported.

Expected: with ``sim`` and ``peer`` every row PASS and exit 0; with
``peer-notsupported`` exit 1, row 5 (where selected) FAIL and every report written.
Nowhere a traceback or an error line. Exit 0 only if every iteration met that::

    python -m bench.run_loop --station peer --only 12,13 --times 20 --out /tmp/loop-b
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHARGECHECK = [sys.executable, "-m", "chargecheck"]
REPORT_SUFFIXES = (".md", ".html", ".json", ".junit.xml")
PORT_LINE = re.compile(r"ws://127\.0\.0\.1:(\d+)/")
# A traceback, or an exception's name with its message ("ValueError: ..."), or a bare
# "Error" word: never "NoError" / "CallError" inside a frame.
ERROR_LINE = re.compile(r"Traceback|\bError\b|\b[A-Z]\w*(Error|Exception):|\bERROR\b")
MAX_TIMES = 200
FIRMWARE_VERSION = "4.4.9-9999"


@dataclass
class Iteration:
    number: int
    exit_code: int | None = None
    hang: bool = False
    no_port: bool = False
    verdicts: dict[int, str] = field(default_factory=dict)
    reports: list[str] = field(default_factory=list)
    tracebacks: int = 0
    error_lines: list[str] = field(default_factory=list)
    station_tracebacks: int = 0
    duration: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class Output:
    """A child's stdout read line by line in a thread (so its pipe never fills up)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.port: int | None = None
        self.has_port = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.append(line)
            found = PORT_LINE.search(line)
            if found and self.port is None:
                self.port = int(found.group(1))
                self.has_port.set()
        self.has_port.set()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


def bench_command(args: argparse.Namespace, out: Path, firmware: Path | None) -> list[str]:
    command = [
        *CHARGECHECK,
        "run",
        "--non-interactive",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--settings",
        args.settings,
        "--out",
        str(out),
        "--only",
        args.only,
    ]
    return [*command, "--firmware", str(firmware)] if firmware is not None else command


def station_command(args: argparse.Namespace, port: int, out: Path) -> list[str]:
    url = f"ws://127.0.0.1:{port}/ocpp"
    if args.station == "sim":
        command = [*CHARGECHECK, "simulate", url, "CP-LOOP", "--state-dir", str(out / "sim")]
        if args.time_scale != 1.0:
            command += ["--time-scale", str(args.time_scale)]
        return command + shlex.split(args.station_args)
    command = [
        sys.executable,
        "-m",
        "bench.peer_station",
        url,
        "PEER-LOOP",
        "--max-seconds",
        str(args.timeout + 30),
    ]
    if args.station == "peer-notsupported":
        command += ["--change-configuration-answer", "NotSupported"]
    return command + shlex.split(args.station_args)


def stop(process: subprocess.Popen[str] | subprocess.Popen[bytes], grace: float = 10) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(grace)


def run_once(args: argparse.Namespace, number: int, firmware: Path | None) -> Iteration:
    result = Iteration(number)
    out = args.out / f"iter-{number}"
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    started = time.monotonic()
    bench = subprocess.Popen(
        bench_command(args, out, firmware),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    output = Output(bench)
    station = None
    with (out / "station.log").open("w") as station_log:
        try:
            output.has_port.wait(30)
            if output.port is None:
                result.no_port = True
            else:
                station = subprocess.Popen(
                    station_command(args, output.port, out),
                    stdout=station_log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=ROOT,
                )
            try:
                result.exit_code = bench.wait(args.timeout)
            except subprocess.TimeoutExpired:
                result.hang = True
        finally:
            stop(bench, grace=5)
            if station is not None:
                stop(station)
    result.duration = time.monotonic() - started
    output.join(10)
    (out / "bench.log").write_text("".join(output.lines))
    judge(args, result, out, output.lines)
    return result


def judge(args: argparse.Namespace, result: Iteration, out: Path, lines: list[str]) -> None:
    result.tracebacks = sum("Traceback" in line for line in lines)
    result.error_lines = [line.rstrip() for line in lines if ERROR_LINE.search(line)]
    station_log = (out / "station.log").read_text(errors="replace")
    result.station_tracebacks = station_log.count("Traceback")
    result.reports = [s for s in REPORT_SUFFIXES if list(out.glob(f"report-*{s}"))]
    reports = sorted(out.glob("report-*.json"))
    if reports:
        document = json.loads(reports[0].read_text())
        result.verdicts = {v["row"]: v["outcome"] for v in document["verdicts"]}
    rows = [int(r) for r in args.only.split(",")]
    notsupported = args.station == "peer-notsupported"
    expected_exit = 1 if notsupported else 0
    expected = {r: ("FAIL" if notsupported and r == 5 else "PASS") for r in rows}
    problems = result.problems
    if result.no_port:
        problems.append("the bench printed no URL")
    if result.hang:
        problems.append(f"hang: the bench still ran after {args.timeout:g} s")
    elif result.exit_code != expected_exit:
        problems.append(f"exit {result.exit_code}, expected {expected_exit}")
    for row in rows:
        got = result.verdicts.get(row)
        if notsupported and row != 5:
            if got not in ("PASS", "FAIL", "NOT TESTED"):
                problems.append(f"row {row} {got}")
        elif got != expected[row]:
            problems.append(f"row {row} {got}, expected {expected[row]}")
    if len(result.reports) != len(REPORT_SUFFIXES):
        problems.append(f"reports {', '.join(result.reports) or 'none'}")
    if result.tracebacks:
        problems.append(f"{result.tracebacks} traceback(s) in the bench's output")
    elif result.error_lines:
        problems.append(f"{len(result.error_lines)} error line(s) in the bench's output")
    if result.station_tracebacks:
        problems.append(f"{result.station_tracebacks} traceback(s) in the station's log")


def line_of(result: Iteration) -> str:
    verdicts = ", ".join(f"{row} {outcome}" for row, outcome in sorted(result.verdicts.items()))
    code = "hang" if result.hang else result.exit_code
    verdict = "ok" if result.ok else "NOT OK: " + "; ".join(result.problems)
    return (
        f"iter {result.number:>3}: exit {code}, rows [{verdicts or 'no report'}], "
        f"reports {len(result.reports)}/{len(REPORT_SUFFIXES)}, "
        f"tracebacks {result.tracebacks}, error lines {len(result.error_lines)}, "
        f"{result.duration:.1f} s -> {verdict}"
    )


def summary_of(args: argparse.Namespace, results: list[Iteration]) -> str:
    met = sum(r.ok for r in results)
    label = "PASS" if args.station != "peer-notsupported" else "as expected (exit 1, reports)"
    durations = [r.duration for r in results]
    return (
        f"{met}/{len(results)} {label}, {sum(r.tracebacks for r in results)} tracebacks, "
        f"{sum(r.hang for r in results)} hangs, "
        f"{sum(bool(r.error_lines) for r in results)} runs with error lines, "
        f"{sum(r.station_tracebacks for r in results)} station tracebacks; duration "
        f"min {min(durations):.1f} s, median {statistics.median(durations):.1f} s, "
        f"max {max(durations):.1f} s, total {sum(durations):.0f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run_loop", description=__doc__)
    parser.add_argument("--station", choices=["sim", "peer", "peer-notsupported"], required=True)
    parser.add_argument("--only", default="12,13", help="rows, e.g. 12,13")
    parser.add_argument("--times", type=int, default=20)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--settings", default="demo")
    parser.add_argument("--timeout", type=float, default=240.0, help="per run, seconds")
    parser.add_argument("--time-scale", type=float, default=1.0, help="sim only")
    parser.add_argument("--station-args", default="", help="more options for the station")
    parser.add_argument("--tail", type=int, default=40, help="bench lines shown on a failure")
    args = parser.parse_args(argv)
    if not 0 < args.times <= MAX_TIMES:
        parser.error(f"--times must be 1 to {MAX_TIMES}")
    args.out.mkdir(parents=True, exist_ok=True)
    firmware = None
    if "12" in args.only.split(","):
        from chargecheck.protocol.firmware_image import firmware_image

        firmware = args.out / "fw.bin"
        firmware.write_bytes(firmware_image(FIRMWARE_VERSION))
    print(f"station {args.station}, rows {args.only}, {args.times} times, out {args.out}")
    print(f"bench: {' '.join(bench_command(args, args.out / 'iter-K', firmware))}", flush=True)
    results = []
    for number in range(1, args.times + 1):
        result = run_once(args, number, firmware)
        results.append(result)
        print(line_of(result), flush=True)
        if not result.ok:
            for line in result.error_lines[:10]:
                print(f"    error line: {line[:300]}")
            log = (args.out / f"iter-{number}" / "bench.log").read_text().splitlines()
            for line in log[-args.tail :]:
                print(f"    | {line[:300]}")
    print(summary_of(args, results), flush=True)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
