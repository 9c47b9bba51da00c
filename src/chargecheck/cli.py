"""The ``chargecheck`` command line: the bench (run, demo), the simulator (simulate), and
past runs (runs, report, check, diff).

A bad option gets one line that says what is wrong and what to do, and exit code 2.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from chargecheck.report.commands import diff_command, report_command, runs_command
from chargecheck.sim.command import simulate

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
console = Console()
T = TypeVar("T")

if TYPE_CHECKING:
    from chargecheck.script.settings import Settings


@app.callback()
def _root() -> None:
    """chargecheck: OCPP 1.6J acceptance test bench for EV charge stations."""


def usage_error(message: str) -> NoReturn:
    """One line on standard error, exit code 2."""
    print(f"chargecheck: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def parse_rows(text: str, option: str, what: str = "row numbers") -> list[int]:
    """``"6,7"`` -> ``[6, 7]``; anything else is a usage error."""
    if not text:
        return []
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        usage_error(f"{option} takes {what} separated by commas, e.g. {option} 1,2")


def load_settings(source: str | None) -> Settings:
    from chargecheck.script.settings import SettingsError, load

    try:
        return load(source)
    except SettingsError as exc:
        usage_error(f"{exc} (see chargecheck/script/profiles/bench.toml for every setting)")


@app.command()
def run(
    port: int = typer.Option(9000, help="Port the Central System listens on."),
    host: str = typer.Option(
        "0.0.0.0",
        help="Address the Central System and its FTP/HTTP servers listen on (0.0.0.0: every "
        "IPv4 interface; '::' every IPv6 one).",
    ),
    public_host: str = typer.Option(
        None,
        help="Host written into the FTP/HTTP URLs given to the station (firmware, "
        "diagnostics) instead of the address the station reached the bench at (the default); "
        "for a NAT in between or a DNS name.",
    ),
    station: str = typer.Option(
        None, help="Identity of the station to test (default: the first to connect)."
    ),
    settings: str = typer.Option(None, help="Settings profile name (bench, demo) or TOML file."),
    only: str = typer.Option("", help="Rows to run, in this order, e.g. 6,7."),
    skip: str = typer.Option("", help="Rows to leave out, e.g. 10."),
    out: Path = typer.Option(Path("runs"), help="Directory for the journal, files and reports."),
    firmware: Path = typer.Option(None, help="Firmware file the station installs in row 12."),
    firmware_version: str = typer.Option(
        None,
        help="The firmwareVersion the station reports after installing --firmware (row 12 "
        "checks it; without it, only a chargecheck image's version is known).",
    ),
    password: str = typer.Option(
        None, help="HTTP Basic Auth password the station must give (security profile 1)."
    ),
    non_interactive: bool = typer.Option(
        False, "--non-interactive", help="Make every physical step NOT TESTED at once."
    ),
    ev_connected: str = typer.Option(
        "",
        help="Connectors with an EV (or EV simulator) connected for the whole run, e.g. 1,2: "
        "steps that only need a car connected there ask nobody.",
    ),
    junit: Path = typer.Option(None, help="Also write the JUnit XML report to this path."),
    quiet: bool = typer.Option(False, "--quiet", help="No line per message, only rows."),
    lenient: bool = typer.Option(
        False,
        "--lenient",
        help="Protocol violations found in the trace do not fail the run (rows still do).",
    ),
) -> None:
    """Wait for a station, run the 18-row script, write the reports. Exit 0 only if no row
    failed."""
    from chargecheck.run import NoStation, RunOptions, run_bench
    from chargecheck.script.cases import CASES
    from chargecheck.script.operator import ConsoleOperator, NonInteractiveOperator, Operator
    from chargecheck.script.runner import SelectionError, select

    chosen = load_settings(settings)
    if station:
        from dataclasses import replace

        chosen = replace(chosen, station=station)
    rows_only, rows_skip = parse_rows(only, "--only"), parse_rows(skip, "--skip")
    if ev_connected:
        from dataclasses import replace

        connectors = parse_rows(ev_connected, "--ev-connected", "connector ids")
        if any(c < 1 for c in connectors):
            usage_error("--ev-connected takes connector ids from 1, e.g. --ev-connected 1,2")
        chosen = replace(chosen, ev_connected=tuple(connectors))
    try:
        select(CASES, rows_only, rows_skip)
    except SelectionError as exc:
        usage_error(str(exc))
    if firmware is not None and not firmware.is_file():
        usage_error(f"--firmware {firmware}: no such file")
    if firmware_version is not None and firmware is None:
        usage_error("--firmware-version names the version of --firmware FILE: give both")
    options = RunOptions(
        chosen,
        out=out,
        host=host,
        port=port,
        public_host=public_host,
        passwords={"*": password} if password else {},
        only=rows_only,
        skip=rows_skip,
        firmware=firmware,
        firmware_version=firmware_version,
        strict=not lenient,
        show_frames=not quiet,
    )
    operator: Operator = NonInteractiveOperator() if non_interactive else ConsoleOperator(console)
    try:
        summary = _run_async(run_bench(options, operator, console))
    except NoStation as exc:
        print(f"chargecheck: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    if junit is not None and "junit" in summary.reports:
        junit.write_bytes(summary.reports["junit"].read_bytes())
    raise SystemExit(summary.exit_code)


@app.command()
def demo(
    out: Path = typer.Option(Path("runs"), help="Directory for the journal, files and reports."),
) -> None:
    """Start the simulated Alfen NG920 and the bench over loopback; run all 18 rows."""
    from chargecheck.demo import run_demo

    started = time.monotonic()
    summary = _run_async(run_demo(out, console))
    console.print(f"demo finished in {time.monotonic() - started:.1f} s")
    raise SystemExit(summary.exit_code)


@app.command()
def check(
    run_id: int = typer.Argument(..., help="Run id (see chargecheck runs)."),
    db: Path = typer.Option(Path("runs/journal.sqlite"), help="The journal of the runs."),
    lenient: bool = typer.Option(False, "--lenient", help="Exit 0 even with violations."),
) -> None:
    """Print the protocol findings of a past run, grouped by severity."""
    from chargecheck.conformance import CheckSettings
    from chargecheck.conformance.command import check_command

    raise SystemExit(
        check_command(db, run_id, settings=CheckSettings(strict=not lenient), console=console)
    )


def _run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop where it is installed (it is a dependency off Windows)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


app.command("report")(report_command)
app.command("runs")(runs_command)
app.command("diff")(diff_command)


app.command()(simulate)


def main() -> None:
    try:
        # Outside standalone mode an Exit's code comes back as the return value.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            raise SystemExit(code)
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.Abort:
        raise SystemExit(130) from None
    except typer.TyperException as exc:  # a usage error: unknown option, bad value, ...
        context = getattr(exc, "ctx", None)
        command = f" {context.command.name}" if context is not None and context.parent else ""
        format_message = getattr(exc, "format_message", None)
        message = format_message() if callable(format_message) else str(exc)
        usage_error(f"{message} (see chargecheck{command} --help)")
