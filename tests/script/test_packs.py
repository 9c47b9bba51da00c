"""Script packs (issue #16): the seed's pack is the seed word for word and runs the seed's
case functions; a bad pack is refused naming its file, line and what is valid; a row of
several cases is one verdict judged by all of them; the reports carry the pack."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from chargecheck.clock import Clock
from chargecheck.journal import Journal
from chargecheck.report import load_run, render_json, render_junit, render_markdown, report_schema
from chargecheck.script.cases import CASES
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import NonInteractiveOperator, StepNotDone
from chargecheck.script.packs import (
    DEFAULT_PACK,
    PackError,
    load_pack,
    pack_cases,
    pack_file,
    parse_pack,
    shipped,
)
from chargecheck.script.runner import Case, SelectionError, run_case, select
from chargecheck.script.seed import ROWS
from chargecheck.script.settings import load
from chargecheck.script.verdict import Criterion, Outcome, Verdict
from tests.conftest import UNIT, open_station

# -- the seed's pack ----------------------------------------------------------------------


def test_the_seed_pack_holds_the_seeds_18_rows_word_for_word():
    pack = load_pack("greenflux-2020")
    assert [(r.id, r.function, r.criteria, r.cases) for r in pack.rows] == [
        (str(n), function, criteria, (f"seed.row{n:02d}",))
        for n, (function, criteria) in ROWS.items()
    ]


def test_the_default_pack_is_the_seeds_and_runs_the_seeds_case_functions():
    pack = load_pack(None)
    assert pack.name == DEFAULT_PACK == "greenflux-2020"
    assert [(c.row, c.id, c.function, c.acceptance_criteria, c.runs) for c in pack_cases(pack)] == [
        (c.row, str(c.row), c.function, c.acceptance_criteria, (c.run,)) for c in CASES
    ]


def test_every_shipped_pack_is_named_as_its_file():
    assert DEFAULT_PACK in shipped()
    for name in shipped():
        path = pack_file(name)
        assert parse_pack(path.read_text(encoding="utf-8"), str(path)).name == name


# -- bad packs ------------------------------------------------------------------------------

GOOD = """\
[pack]
name = "mine"
title = "My script for {model}"

[[row]]
id = "A"
function = "Boot"
criteria = '''
first line
[not a table]
last line'''
cases = ["seed.row01"]

[[row]]
id = "B"
function = "Configuration"
criteria = "one line"
cases = ["seed.row04", "seed.row05"]
"""


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "pack.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}:"), message
    return message[len(str(path)) + 1 :]


def test_a_good_pack_loads_with_its_rows_in_order(tmp_path):
    path = tmp_path / "pack.toml"
    path.write_text(GOOD, encoding="utf-8")
    pack = load_pack(str(path))
    assert (pack.name, pack.title, [r.id for r in pack.rows]) == (
        "mine",
        "My script for {model}",
        ["A", "B"],
    )
    assert pack.rows[0].criteria == "first line\n[not a table]\nlast line"
    assert pack.ocpp == "1.6"  # a pack that names no version is for 1.6
    path.write_text(GOOD.replace('title = "My', 'ocpp = "2.0.1"\ntitle = "My'), encoding="utf-8")
    assert load_pack(str(path)).ocpp == "2.0.1"
    cases = pack_cases(pack)
    seed = {c.row: c.run for c in CASES}
    assert [(c.row, c.id, c.runs) for c in cases] == [
        (1, "A", (seed[1],)),
        (2, "B", (seed[4], seed[5])),
    ]


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (('criteria = "one line"', "criteria = one line"), 17, "not valid TOML"),
        (('function = "Boot"', 'function = "Boot"\nfunktion = "x"'), 8, "unknown key 'funktion'"),
        (('title = "My', 'titel = "x"\ntitle = "My'), 3, "[pack] has an unknown key 'titel'"),
        (("", "\n[extra]\nx = 1\n"), 20, "unknown key 'extra'"),
        (('function = "Configuration"\n', ""), 14, "row 2 has no 'function'"),
        (('name = "mine"\n', ""), 1, "[pack] has no 'name'"),
        (('id = "B"', 'id = "A"'), 15, "duplicate row id 'A' (first at line 6)"),
        (('"seed.row05"', '"seed.row19"'), 18, "unknown case 'seed.row19'"),
        (('id = "B"', 'id = "B,C"'), 15, "must be a word of"),
        (('cases = ["seed.row01"]', "cases = []"), 12, "cases must be a non-empty list"),
        (("{model}", "{modle}"), 3, "title names {modle}"),
        (('title = "My', 'header = ["Colour"]\ntitle = "My'), 3, "unknown station field 'Colour'"),
        (
            ('title = "My', 'ocpp = "2.1"\ntitle = "My'),
            3,
            "ocpp must name an OCPP version (1.6, 2.0.1)",
        ),
    ],
    ids=[
        "bad-toml",
        "unknown-row-key",
        "unknown-pack-key",
        "unknown-table",
        "missing-row-field",
        "missing-pack-field",
        "duplicate-id",
        "unknown-case",
        "bad-id",
        "no-cases",
        "bad-title-field",
        "bad-header-field",
        "bad-ocpp-version",
    ],
)
def test_a_bad_pack_is_refused_naming_the_line_and_what_is_valid(tmp_path, change, line, words):
    old, new = change
    text = GOOD.replace(old, new, 1) if old else GOOD + new
    assert text != GOOD
    message = _error(tmp_path, text)
    assert message.startswith(f"{line}: "), message
    assert words in message, message


def test_an_unknown_case_suggests_the_nearest_and_says_what_cases_exist(tmp_path):
    message = _error(tmp_path, GOOD.replace('"seed.row05"', '"seed.row5"'))
    assert "did you mean" in message and "seed.row05" in message
    assert "cases are seed.row01 .. seed.row18" in message


def test_a_pack_with_no_rows_and_a_name_nobody_shipped_are_refused(tmp_path):
    assert "no [[row]]" in _error(tmp_path, GOOD.split("[[row]]")[0])
    with pytest.raises(PackError, match="no script pack nonesuch: give a shipped pack's name"):
        load_pack("nonesuch")


# -- selecting rows by id -----------------------------------------------------------------


def test_rows_are_selected_by_id_numbers_for_the_seed_and_words_for_others(tmp_path):
    seed = pack_cases(load_pack())
    assert [c.id for c in select(seed, only=["6", 7])] == ["6", "7"]
    assert [c.row for c in select(seed, skip=["10"])] == [n for n in range(1, 19) if n != 10]
    path = tmp_path / "pack.toml"
    path.write_text(GOOD, encoding="utf-8")
    mine = pack_cases(load_pack(str(path)))
    assert [c.id for c in select(mine, only=["B", "A"])] == ["B", "A"]
    with pytest.raises(SelectionError, match="no row 6 in the script \\(rows are A, B\\)"):
        select(mine, only=["6"])


# -- a row of several cases ------------------------------------------------------------------


def _part(outcome: Outcome | None, text: str = "OK", *, raises: Exception | None = None):
    async def run(ctx: CaseContext) -> str:
        if outcome is not None:
            ctx.record(f"judged {outcome}", outcome)
        if raises is not None:
            raise raises
        return text

    return run


async def _verdict(central, *runs) -> Verdict:
    station = await open_station(central)
    session = await central.wait_for_station("CP1", 10 * UNIT)
    ctx = CaseContext(session, load("demo"), NonInteractiveOperator(), central)
    try:
        return await run_case(Case(1, "f", "c", runs[0], "X", tuple(runs[1:])), ctx, Clock())
    finally:
        await station.ws.close()


async def test_a_row_of_several_cases_fails_when_one_fails_and_keeps_every_criterion(central):
    verdict = await _verdict(central, _part(Outcome.PASS), _part(Outcome.FAIL), _part(Outcome.PASS))
    assert verdict.outcome is Outcome.FAIL
    assert verdict.id == "X"
    assert [c.outcome for c in verdict.criteria] == [Outcome.PASS, Outcome.FAIL, Outcome.PASS]


async def test_a_case_of_the_row_that_judged_nothing_makes_the_row_an_error(central):
    verdict = await _verdict(central, _part(Outcome.PASS), _part(None))
    assert verdict.outcome is Outcome.ERROR
    assert "case 2 of the row judged nothing" in verdict.result


async def test_a_physical_step_not_done_leaves_the_row_not_tested_and_the_next_case_runs(central):
    verdict = await _verdict(
        central,
        _part(None, raises=StepNotDone("nobody plugged the car")),
        _part(Outcome.PASS, "OK, second"),
    )
    assert verdict.outcome is Outcome.NOT_TESTED
    assert [c.name for c in verdict.criteria] == ["physical step", "judged PASS"]


async def test_a_row_of_several_passing_cases_passes_with_each_ones_words(central):
    verdict = await _verdict(central, _part(Outcome.PASS, "OK"), _part(Outcome.PASS, "OK, 125"))
    assert (verdict.outcome, verdict.result) == (Outcome.PASS, "OK, 125")


# -- the reports carry the pack -----------------------------------------------------------


def _report_of(tmp_path: Path, script: dict | None):
    clock = Clock()
    journal = Journal(tmp_path / "journal.sqlite", clock.utc_text, clock.mono)
    info = {"script": script} if script is not None else {}
    run_id = journal.start_run("demo", central_system="chargecheck 9.9", **info)
    boot = {"chargePointVendor": "Alfen BV", "chargePointModel": "NG920", "iccid": "8946"}
    journal.update_run(run_id, station="CP1", boot=boot)
    for row, row_id, outcome in ((1, "TC_001_CS", Outcome.PASS), (2, "TC_010_CS", Outcome.FAIL)):
        criterion = Criterion("c", outcome)
        verdict = Verdict(row, "Cold boot", "a\nb", outcome, "OK", (criterion,), id=row_id)
        journal.add_record(run_id, "verdict", verdict.to_dict())
    journal.end_run(run_id)
    try:
        return load_run(journal, run_id)
    finally:
        journal.close()


PACK_INFO = {
    "name": "ocpp16-test",
    "title": "Open cases for {vendor} {model}",
    "header": ["Manufacturer Name", "ICCID"],
}


def test_markdown_and_json_carry_the_packs_title_header_and_row_ids(tmp_path):
    report = _report_of(tmp_path, PACK_INFO)
    lines = render_markdown(report).splitlines()
    assert lines[0] == "## Open cases for Alfen BV NG920"
    assert lines[2:4] == ["Manufacturer Name: Alfen BV  ", "ICCID: 8946  "]
    assert any(line.startswith("| TC_010_CS | Cold boot |") for line in lines)
    document = json.loads(render_json(report))
    jsonschema.Draft202012Validator(report_schema()).validate(document)
    assert document["script"] == {"name": "ocpp16-test", "title": PACK_INFO["title"]}
    assert [(v["row"], v["id"]) for v in document["verdicts"]] == [
        (1, "TC_001_CS"),
        (2, "TC_010_CS"),
    ]


def test_junit_names_the_suite_and_classes_by_the_pack_and_cases_by_row_id(tmp_path):
    from junitparser import JUnitXml

    path = tmp_path / "report.xml"
    path.write_text(render_junit(_report_of(tmp_path, PACK_INFO)), encoding="utf-8")
    (suite,) = list(JUnitXml.fromfile(str(path)))
    assert suite.name == "ocpp16-test"
    assert [(c.name, c.classname) for c in suite] == [
        ("TC_001_CS_cold_boot", "ocpp16-test"),
        ("TC_010_CS_cold_boot", "ocpp16-test"),
    ]


def test_a_run_recorded_before_packs_is_reported_as_the_seeds(tmp_path):
    report = _report_of(tmp_path, None)
    assert report.script.name == "greenflux-2020"
    first = render_markdown(report).splitlines()[0]
    assert first == "## TestScript Charge Station NG920 connected with OCPP 1.6 to chargecheck 9.9"
