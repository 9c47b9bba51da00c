"""Command-line entry points for reports: ``report``, ``runs`` and ``diff``.

Registered in ``chargecheck.cli`` with one line each. A bad argument (a run id that is
not in the journal, a journal that does not exist) prints one line saying what is wrong
and what to do, and exits with code 2; nothing here prints a traceback for the user's
mistake.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from chargecheck.clock import Clock
from chargecheck.journal.store import Journal, RunInfo
from chargecheck.report.compare import changed_rows
from chargecheck.report.model import (
    OUTCOMES,
    LogEntry,
    ReportError,
    StationIdentity,
    decode_entry,
    load_verdicts,
    script_info,
    station_identity,
)
from chargecheck.script.verdict import Outcome, Verdict
from chargecheck.terminal import output_console

DEFAULT_DB = Path("runs/journal.sqlite")

# Outcome -> rich style, for tables in the terminal.
_STYLES = {
    Outcome.PASS: "green",
    Outcome.FAIL: "bold red",
    Outcome.NOT_TESTED: "yellow",
    Outcome.ERROR: "magenta",
}

_DB_OPTION = typer.Option(DEFAULT_DB, "--db", help="The journal (SQLite) holding the runs.")


def _console() -> Console:
    return output_console(highlight=False)


def _usage_error(message: str) -> typer.Exit:
    Console(stderr=True, highlight=False, soft_wrap=True).print(f"error: {message}", markup=False)
    return typer.Exit(2)


def _open(db: Path) -> Journal:
    if not db.is_file():
        raise _usage_error(
            f"no journal at {db}: pass --db PATH to the journal.sqlite a run wrote "
            f"(chargecheck run and demo write it in their --out directory)"
        )
    clock = Clock()
    try:
        return Journal(db, clock.utc_text, clock.mono)
    except sqlite3.Error as exc:
        raise _usage_error(f"{db} is not a chargecheck journal ({exc}): pass --db PATH") from None


def _run_id(text: str, db: Path) -> int:
    if not text.isdigit():
        raise _usage_error(
            f"run id must be a number, got {text!r}: `chargecheck runs --db {db}` lists the runs"
        )
    return int(text)


def _load(journal: Journal, run_id: int, db: Path) -> tuple[RunInfo, list[Verdict]]:
    try:
        run = journal.run(run_id)
    except KeyError:
        raise _usage_error(
            f"no run {run_id} in {db}: `chargecheck runs --db {db}` lists the runs"
        ) from None
    try:
        return run, list(load_verdicts(journal, run_id))
    except ReportError as exc:
        raise _usage_error(f"{exc} in {db}") from None


def _lazy_entries(journal: Journal, run_id: int) -> Iterator[LogEntry]:
    return (decode_entry(e) for e in journal.entries(run_id))


def report_command(
    run_id: str = typer.Argument(..., help="The run to report (`chargecheck runs` lists them)."),
    db: Path = _DB_OPTION,
    formats: list[str] | None = typer.Option(
        None, "--format", "-f", help="md, html, json or junit; repeat for several (default: all)."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Directory for the reports (default: the journal's directory)."
    ),
) -> None:
    """Regenerate the reports of a past run from its journal."""
    from chargecheck.report.writer import FORMATS, write_reports

    chosen = formats or list(FORMATS)
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise _usage_error(
            f"unknown format {', '.join(unknown)}: use --format with {', '.join(FORMATS)}"
        )
    journal = _open(db)
    try:
        number = _run_id(run_id, db)
        _load(journal, number, db)
        try:
            written = write_reports(journal, number, out or db.parent, chosen)
        except ReportError as exc:
            raise _usage_error(str(exc)) from None
    finally:
        journal.close()
    console = _console()
    for name, path in written.items():
        console.print(f"{name:5} {path}", markup=False, soft_wrap=True)


@dataclass(frozen=True)
class RunLine:
    """One run as ``chargecheck runs`` lists it (and ``chargecheck serve``'s list page)."""

    run: RunInfo
    station: StationIdentity
    pack: str
    counts: dict[Outcome, int] | None  # None: a verdict record cannot be read

    @property
    def started(self) -> str:
        return self.run.started_utc[:19].replace("T", " ")


def run_lines(journal: Journal) -> list[RunLine]:
    """Every run of the journal with its station, script pack and outcome counts."""
    lines = []
    for run in journal.runs():
        counts: dict[Outcome, int] | None
        try:
            verdicts = load_verdicts(journal, run.id)
        except ReportError:
            verdicts, counts = (), None  # an unreadable record: not zero
        else:
            counts = {o: sum(v.outcome is o for v in verdicts) for o in OUTCOMES}
        station = station_identity(run, verdicts, _lazy_entries(journal, run.id))
        lines.append(RunLine(run, station, script_info(run.info).name, counts))
    return lines


def runs_command(db: Path = _DB_OPTION) -> None:
    """List the runs in a journal with their station and outcome counts."""
    journal = _open(db)
    try:
        lines = run_lines(journal)
    finally:
        journal.close()
    if not lines:
        _console().print(f"No runs in {db} yet.", markup=False)
        return
    table = Table(title=f"Runs in {db}", title_justify="left")
    for name in ("Run", "Kind", "Station", "Model", "Firmware", "Date (UTC)"):
        table.add_column(name, justify="right" if name == "Run" else "left")
    for outcome in OUTCOMES:
        table.add_column(str(outcome), justify="right", style=_STYLES[outcome])
    for line in lines:
        station = line.station
        table.add_row(
            str(line.run.id),
            Text(line.run.kind),
            Text(station.identity or "-"),
            Text(station.model or "-"),
            Text(station.firmware_version or "-"),
            line.started,
            *("?" if line.counts is None else str(line.counts[o] or "-") for o in OUTCOMES),
        )
    _console().print(table)


def diff_command(
    run_a: str = typer.Argument(..., help="The earlier run."),
    run_b: str = typer.Argument(..., help="The later run."),
    db: Path = _DB_OPTION,
) -> None:
    """Show the rows whose outcome changed between two runs (exit 1 on PASS -> FAIL).

    A row that passed in RUN_A and fails in RUN_B is a regression: a firmware upgrade
    that broke something.
    """
    journal = _open(db)
    try:
        a, b = _run_id(run_a, db), _run_id(run_b, db)
        (info_a, before), (info_b, after) = _load(journal, a, db), _load(journal, b, db)
        stations = [
            station_identity(info, tuple(verdicts), _lazy_entries(journal, info.id))
            for info, verdicts in ((info_a, before), (info_b, after))
        ]
    finally:
        journal.close()
    console = _console()
    for label, info, station in (("A", info_a, stations[0]), ("B", info_b, stations[1])):
        console.print(
            f"Run {label}: {info.id}  station {station.identity or '-'}  "
            f"model {station.model or '-'}  firmware {station.firmware_version or '-'}  "
            f"started {info.started_utc[:19].replace('T', ' ')} UTC",
            markup=False,
            highlight=False,
        )
    changes = changed_rows(before, after)
    if not changes:
        console.print("No row changed outcome.")
        return
    table = Table(title="Rows whose outcome changed", title_justify="left")
    for name in ("#", "Function", f"Run {a}", f"Run {b}", f"Result in run {b}"):
        table.add_column(name, justify="right" if name == "#" else "left")
    for change in changes:
        table.add_row(
            str(change.row),
            Text(change.function),
            _styled(change.before),
            _styled(change.after) + (" (regression)" if change.regression else ""),
            Text(change.result_after),
        )
    console.print(table)
    regressions = [c.row for c in changes if c.regression]
    if regressions:
        console.print(
            f"[bold red]Regression:[/] row {', '.join(map(str, regressions))} "
            f"went from PASS to FAIL"
        )
        raise typer.Exit(1)


def _styled(outcome: Outcome | None) -> str:
    if outcome is None:
        return "(not run)"
    return f"[{_STYLES[outcome]}]{outcome}[/]"
