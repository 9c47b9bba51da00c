"""``check_command``: findings printed grouped by severity, exit code by strictness."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from chargecheck.conformance import CheckSettings, check_command

from .journal_trace import TraceWriter


def _console() -> Console:
    return Console(record=True, width=200, color_system=None)


def _journal_with_findings(path: Path) -> tuple[Path, int]:
    w = TraceWriter(path)
    w.connect()
    w.status(1, "Charging", "HighTemperature")
    w.status(1, "Reserved")
    w.status(1, "Available", timestamp="2024-05-01T14:00:00+02:00")
    unique_id, _ = w.bench_call("GetDiagnostics", {"location": "ftp://127.0.0.1/x"})
    w.station_error(unique_id, "NotSupported", "meterValue[0] [bold]")
    w.journal.close()
    return path, w.run_id


def test_prints_findings_grouped_worst_first_and_fails_when_strict(tmp_path: Path) -> None:
    db, run_id = _journal_with_findings(tmp_path / "j.sqlite")
    console = _console()
    assert check_command(db, run_id, console=console) == 1
    text = console.export_text()
    assert "1 violation(s), 1 warning(s), 2 note(s)" in text
    assert text.index("Violations (1)") < text.index("Warnings (1)") < text.index("Notes (2)")
    assert "Charging -> Reserved (C7)" in text
    assert "meterValue[0] [bold]" in text  # printed as text, not taken for markup
    assert "FAIL" in text


def test_not_strict_reports_violations_without_failing(tmp_path: Path) -> None:
    db, run_id = _journal_with_findings(tmp_path / "j.sqlite")
    console = _console()
    assert check_command(db, run_id, settings=CheckSettings(strict=False), console=console) == 0
    assert "strict mode is off" in console.export_text()


def test_clean_run_exits_zero(tmp_path: Path) -> None:
    w = TraceWriter(tmp_path / "j.sqlite")
    w.connect()
    w.status(1, "Available")
    w.journal.close()
    console = _console()
    assert check_command(tmp_path / "j.sqlite", w.run_id, console=console) == 0
    assert "no violation of OCPP 1.6 found" in console.export_text()


def test_missing_journal_or_run_exits_two(tmp_path: Path) -> None:
    console = _console()
    assert check_command(tmp_path / "absent.sqlite", 1, console=console) == 2
    assert not (tmp_path / "absent.sqlite").exists()
    db, _ = _journal_with_findings(tmp_path / "j.sqlite")
    assert check_command(db, 42, console=console) == 2
    assert "no run 42" in console.export_text()
