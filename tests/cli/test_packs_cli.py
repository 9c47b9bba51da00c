"""``--script`` and ``chargecheck scripts`` as a user runs them (issue #16): a bad script
pack is refused with one line naming its file and line, exit code 2, before the Central
System starts; a good one runs its rows by id and the reports carry its name and ids."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from junitparser import JUnitXml

from chargecheck.script.catalogue import CATALOGUE
from tests.cli.processes import CHARGECHECK, run_against_simulate

PACK = """\
[pack]
name = "bench-test"
title = "Bench test of {model}"

[[row]]
id = "TC_A"
function = "Boot notification"
criteria = "the station boots"
cases = ["seed.row01"]

[[row]]
id = "TC_B"
function = "Configuration and trigger"
criteria = '''
GetConfiguration lists the keys
TriggerMessage gets a StatusNotification'''
cases = ["seed.row04", "seed.row18"]
"""

# kind -> (what replaces what in PACK, the line named, words of the error)
BAD = {
    "bad TOML": (('criteria = "the station boots"', "criteria = the station"), 8, "not valid TOML"),
    "unknown key": (('id = "TC_B"', 'id = "TC_B"\nnote = "x"'), 13, "unknown key 'note'"),
    "missing field": (('function = "Boot notification"\n', ""), 5, "row 1 has no 'function'"),
    "duplicate row id": (('id = "TC_B"', 'id = "TC_A"'), 12, "duplicate row id 'TC_A'"),
    "unknown case": (('"seed.row18"', '"TC_999_CS"'), 17, "unknown case 'TC_999_CS'"),
}


def _chargecheck(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CHARGECHECK, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.mark.parametrize("command", ["run", "demo"])
@pytest.mark.parametrize("kind", list(BAD))
def test_a_bad_pack_is_refused_with_its_file_and_line_before_anything_starts(
    tmp_path, kind, command
):
    (old, new), line, words = BAD[kind]
    pack = tmp_path / "bad.toml"
    pack.write_text(PACK.replace(old, new, 1), encoding="utf-8")
    out = tmp_path / "out"
    extra = ["--port", "0", "--non-interactive"] if command == "run" else []
    done = _chargecheck(command, "--script", str(pack), "--out", str(out), *extra)
    assert done.returncode == 2, done.stdout + done.stderr
    (message,) = done.stderr.splitlines()
    assert message.startswith(f"chargecheck: error: --script: {pack}:{line}: "), message
    assert words in message, message
    assert "Central System at" not in done.stdout
    assert not out.exists()  # no journal, no server: nothing started


def test_scripts_lists_the_shipped_packs_with_their_rows():
    done = _chargecheck("scripts")
    assert done.returncode == 0, done.stderr  # 1: a shipped pack cannot be run
    row = next(line for line in done.stdout.splitlines() if "greenflux-2020" in line)
    assert "(default)" in row and "TestScript Charge Station" in row and "18" in row
    row = next(line for line in done.stdout.splitlines() if "octt16-cs" in line)
    assert "OCPP 1.6 charge point test cases" in row and f" {len(CATALOGUE)} " in row
    assert "ocpp16-cs" not in done.stdout  # the old name runs, but is not listed


def test_the_coverage_table_names_every_official_case_and_what_the_simulator_gives_it():
    from chargecheck.script.catalogue.coverage import recorded_outcomes
    from chargecheck.script.catalogue.octt import OFFICIAL

    done = _chargecheck("scripts", "--cases", "octt16-cs")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()  # a pipe: a Markdown table, one line a row
    assert lines[0] == f"Coverage of octt16-cs: {len(CATALOGUE)} rows"
    rows = {line.split(" | ")[0][2:]: line.split(" | ") for line in lines if line.startswith("| ")}
    outcomes = recorded_outcomes()
    for official in OFFICIAL:
        cells = rows[official.id]
        assert cells[1:4] == [official.title, official.profile, official.manual], cells
        if official.id not in CATALOGUE:
            assert cells[4] == "not in this pack |", cells
        else:
            assert cells[4].removesuffix(" |") == outcomes[official.id].replace("|", "\\|")
    assert {i for i in rows if i.startswith("CC_")} == {i for i in CATALOGUE if i.startswith("CC_")}


def test_the_shipped_coverage_document_is_what_the_command_prints():
    done = _chargecheck("scripts", "--cases", "octt16-cs")
    assert done.returncode == 0, done.stderr
    document = Path(__file__).parents[2] / "docs" / "octt16-cs-coverage.md"
    text = document.read_text(encoding="utf-8")
    # else: chargecheck scripts --cases octt16-cs, written below the document's first line
    assert text.split("\n", 2)[2] == done.stdout


def test_the_old_pack_name_runs_the_renamed_pack_and_says_so(tmp_path):
    done = _chargecheck("scripts", "--cases", "ocpp16-cs")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"Coverage of octt16-cs: {len(CATALOGUE)} rows"
    (note,) = done.stderr.splitlines()
    assert note.startswith("chargecheck: note: --cases: the script pack ocpp16-cs was renamed")
    assert "octt16-cs" in note and "--only" in note


def test_an_unknown_row_id_or_pack_name_is_refused_before_anything_starts(tmp_path):
    done = _chargecheck("demo", "--only", "TC_010_CS", "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "no row TC_010_CS in the script (rows are 1-18) of script pack greenflux-2020" in (
        done.stderr
    )
    done = _chargecheck("demo", "--script", "nonesuch", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "no script pack nonesuch" in done.stderr
    assert not (tmp_path / "out").exists()


def test_demo_runs_a_pack_file_and_the_reports_carry_its_name_and_row_ids(tmp_path):
    pack = tmp_path / "mine.toml"
    pack.write_text(PACK, encoding="utf-8")
    out = tmp_path / "out"
    done = _chargecheck("demo", "--script", str(pack), "--out", str(out), timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    (report,) = out.glob("report-*.json")
    document = json.loads(report.read_text())
    assert document["script"] == {"name": "bench-test", "title": "Bench test of {model}"}
    assert document["title"] == "Bench test of NG920-61002"
    rows = [(v["row"], v["id"], v["outcome"]) for v in document["verdicts"]]
    assert rows == [(1, "TC_A", "PASS"), (2, "TC_B", "PASS")]
    names = {c["name"] for v in document["verdicts"] for c in v["criteria"]}
    assert "the station lists its configuration" in names  # seed.row04's
    assert any("TriggerMessage" in n for n in names)  # and seed.row18's, in the one row
    markdown = next(out.glob("report-*.md")).read_text()
    assert "| TC_B | Configuration and trigger |" in markdown


def test_run_takes_a_pack_and_only_a_row_id_and_junit_names_them(tmp_path):
    pack = tmp_path / "mine.toml"
    pack.write_text(PACK, encoding="utf-8")
    junit = tmp_path / "ci.xml"
    code, output = run_against_simulate(
        tmp_path, ["--script", str(pack), "--only", "TC_B", "--quiet", "--junit", str(junit)]
    )
    assert code == 0, output[-3000:]
    (suite,) = list(JUnitXml.fromfile(str(junit)))
    assert suite.name == "bench-test"
    assert [(c.name, c.classname) for c in suite] == [
        ("TC_B_configuration_and_trigger", "bench-test")
    ]
