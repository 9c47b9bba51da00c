"""``chargecheck report``, ``runs`` and ``diff``: files written, tables, exit codes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chargecheck.cli import app
from chargecheck.journal import Journal
from chargecheck.report import write_reports
from chargecheck.report.compare import changed_rows
from chargecheck.script.verdict import Outcome, Verdict
from tests.report.recorded import BOOT

P, F, N, E = Outcome.PASS, Outcome.FAIL, Outcome.NOT_TESTED, Outcome.ERROR

runner = CliRunner(env={"COLUMNS": "200"})


def _add_run(journal: Journal, firmware: str, outcomes: dict[int, Outcome]) -> int:
    run_id = journal.start_run("bench", "ACE0001593")
    for row, outcome in outcomes.items():
        values = {"request": {**BOOT, "firmwareVersion": firmware}} if row == 1 else {}
        verdict = Verdict(row, f"function {row}", "", outcome, "OK" if outcome is P else "FAIL: x")
        journal.add_record(run_id, "verdict", {**verdict.to_dict(), "values": values})
    journal.end_run(run_id)
    return run_id


def test_write_reports_names_files_by_run_and_format(recorded, tmp_path):
    journal, rec = recorded
    written = write_reports(journal, rec.run_id, tmp_path / "out")
    assert {k: p.name for k, p in written.items()} == {
        "md": f"report-{rec.run_id}.md",
        "html": f"report-{rec.run_id}.html",
        "json": f"report-{rec.run_id}.json",
        "junit": f"report-{rec.run_id}.junit.xml",
    }
    assert all(p.stat().st_size > 0 for p in written.values())
    only = write_reports(journal, rec.run_id, tmp_path / "md", formats=["md"])
    assert list(only) == ["md"] and [p.name for p in (tmp_path / "md").iterdir()] == [
        f"report-{rec.run_id}.md"
    ]


def test_report_command_regenerates_the_chosen_formats(recorded, tmp_path):
    journal, rec = recorded
    journal.flush()
    out = tmp_path / "again"
    result = runner.invoke(
        app,
        ["report", str(rec.run_id), "--db", journal.path, "--format", "md", "-f", "junit",
         "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["report-1.junit.xml", "report-1.md"]
    assert "report-1.md" in result.output
    assert (out / "report-1.md").read_text().startswith("## TestScript Charge Station NG920")


def test_report_command_writes_next_to_the_journal_by_default(recorded, tmp_path):
    journal, rec = recorded
    result = runner.invoke(app, ["report", str(rec.run_id), "--db", journal.path])
    assert result.exit_code == 0, result.output
    assert (Path(journal.path).parent / "report-1.html").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "1", "--db", "{missing}"], "error: no journal at"),
        (["report", "42", "--db", "{db}"], "error: no run 42 in"),
        (["report", "one", "--db", "{db}"], "error: run id must be a number, got 'one'"),
        (["report", "1", "--db", "{db}", "--format", "pdf"], "error: unknown format pdf"),
        (["runs", "--db", "{missing}"], "error: no journal at"),
        (["diff", "1", "7", "--db", "{db}"], "error: no run 7 in"),
        (
            ["report", "1", "--db", "{garbage}"],
            "error: .*garbage.sqlite is not a chargecheck journal",
        ),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_code_2(recorded, tmp_path, args, message):
    journal, _ = recorded
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database, it is a text file" * 100)
    paths = {"missing": str(tmp_path / "nope.sqlite"), "db": journal.path, "garbage": str(garbage)}
    result = runner.invoke(app, [a.format(**paths) for a in args])
    assert result.exit_code == 2
    assert re.match(message, result.stderr), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert (
        "lists the runs" in result.stderr
        or "--db" in result.stderr
        or "--format" in (result.stderr)
    )


def test_runs_lists_each_run_with_station_firmware_and_counts(recorded):
    journal, _ = recorded
    _add_run(journal, "4.5.0-1", {1: P, 2: F, 3: N, 4: E, 5: P})
    result = runner.invoke(app, ["runs", "--db", journal.path])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "ACE0001593" in line]
    assert len(lines) == 2
    first, second = (line.replace("│", " ").split() for line in lines)
    assert first[:5] == ["1", "bench", "ACE0001593", "NG920-61002", "4.4.0-3106"]
    assert first[-4:] == ["5", "1", "1", "1"]
    assert second[4] == "4.5.0-1" and second[-4:] == ["2", "1", "1", "1"]


def test_runs_on_an_empty_journal_says_so(tmp_path):
    from chargecheck.clock import Clock

    clock = Clock()
    Journal(tmp_path / "empty.sqlite", clock.utc_text, clock.mono).close()
    result = runner.invoke(app, ["runs", "--db", str(tmp_path / "empty.sqlite")])
    assert result.exit_code == 0 and "No runs in" in result.output


def test_diff_exits_1_when_a_row_went_from_pass_to_fail(recorded):
    journal, _ = recorded
    older = _add_run(journal, "4.3.0-999", {1: P, 2: P, 3: P, 4: P, 6: P, 10: N, 17: P, 18: P})
    result = runner.invoke(app, ["diff", str(older), "1", "--db", journal.path])
    assert result.exit_code == 1, result.output
    assert "firmware 4.3.0-999" in result.output and "firmware 4.4.0-3106" in result.output
    changed = [line for line in result.output.splitlines() if line.startswith("│")]
    assert [line.split("│")[1].strip() for line in changed] == ["6", "17"]
    assert "(regression)" in changed[0] and "(regression)" not in changed[1]
    assert "Regression: row 6 went from PASS to FAIL" in result.output


def test_diff_exits_0_when_nothing_regressed(recorded):
    journal, _ = recorded
    older = _add_run(journal, "4.3.0-999", {1: P, 6: P})
    result = runner.invoke(app, ["diff", "1", str(older), "--db", journal.path])
    assert result.exit_code == 0, result.output
    same = runner.invoke(app, ["diff", "1", "1", "--db", journal.path])
    assert same.exit_code == 0 and "No row changed outcome." in same.output


def test_changed_rows_names_rows_only_one_run_has():
    def v(row: int, outcome: Outcome) -> Verdict:
        return Verdict(row, f"f{row}", "", outcome, "")

    changes = changed_rows([v(1, P), v(2, P), v(3, F)], [v(1, P), v(2, F), v(4, P)])
    assert [(c.row, c.before, c.after, c.regression) for c in changes] == [
        (2, P, F, True),
        (3, F, None, False),
        (4, None, P, False),
    ]
    assert changed_rows([v(1, P), v(2, E)], [v(2, F)])[1].regression is False


def test_the_installed_command_regenerates_a_report_in_a_real_process(recorded, tmp_path):
    journal, rec = recorded
    journal.flush()
    command = Path(sys.executable).parent / "chargecheck"
    if not command.exists():
        pytest.skip(f"the chargecheck command is not installed next to {sys.executable}")
    done = subprocess.run(
        [str(command), "report", str(rec.run_id), "--db", journal.path, "--format", "json",
         "--out", str(tmp_path / "proc")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "proc" / f"report-{rec.run_id}.json").is_file()
    missing = subprocess.run(
        [str(command), "runs", "--db", str(tmp_path / "nowhere.sqlite")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert missing.returncode == 2 and missing.stderr.startswith("error: no journal at")
    assert "Traceback" not in missing.stderr


def test_a_run_with_an_unreadable_verdict_is_listed_with_unknown_counts_and_not_reported(
    recorded,
):
    journal, _ = recorded
    broken = journal.start_run("bench", "CP-OLD")
    journal.add_record(broken, "verdict", {"schema_version": 0, "row": 2})
    listed = runner.invoke(app, ["runs", "--db", journal.path])
    assert listed.exit_code == 0, listed.output
    (line,) = [line for line in listed.output.splitlines() if "CP-OLD" in line]
    assert line.replace("│", " ").split()[-4:] == ["?", "?", "?", "?"]
    refused = runner.invoke(app, ["report", str(broken), "--db", journal.path])
    assert refused.exit_code == 2
    assert refused.stderr.startswith(f"error: run {broken} has an unreadable verdict record")


def test_runs_reads_the_station_from_the_boot_frame_when_nothing_else_names_it(recorded):
    from tests.report.recorded import Recorder

    journal, rec = recorded
    bare = journal.start_run("demo", None)
    other = Recorder(journal, rec.clock, bare, station="DEMO-7")
    other.station_call(
        "BootNotification",
        {"chargePointVendor": "V", "chargePointModel": "M-1", "firmwareVersion": "fw-9"},
        {"status": "Accepted", "interval": 60, "currentTime": "2020-02-18T15:00:00.000Z"},
    )
    journal.flush()  # the command reads the file through its own connection
    listed = runner.invoke(app, ["runs", "--db", journal.path])
    (line,) = [line for line in listed.output.splitlines() if "DEMO-7" in line]
    assert line.replace("│", " ").split()[:5] == [str(bare), "demo", "DEMO-7", "M-1", "fw-9"]
