"""Verdict values, the combination rule, selection of rows and settings profiles."""

import pytest

from chargecheck.script.runner import Case, SelectionError, select
from chargecheck.script.settings import SettingsError, load
from chargecheck.script.verdict import Criterion, Outcome, Verdict, combine

P, F, N, E = Outcome.PASS, Outcome.FAIL, Outcome.NOT_TESTED, Outcome.ERROR


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [([P, P], P), ([P, F], F), ([N, P], N), ([E, P], E), ([F, E, N], F), ([N, E], E), ([], E)],
)
def test_a_row_passes_only_if_every_criterion_passed(outcomes, expected):
    assert combine(outcomes) is expected


def test_verdict_round_trips_through_a_dict():
    verdict = Verdict(
        4,
        "Get configuration",
        "criteria",
        P,
        "OK, received 125 items",
        (Criterion("count", P, "125", (3, 4), None),),
        "2026-01-01T00:00:00.000Z",
        1.5,
        {"items": 125},
    )
    data = verdict.to_dict()
    assert data["evidence"] == [3, 4] and data["outcome"] == "PASS"
    assert Verdict.from_dict(data) == verdict
    with pytest.raises(ValueError, match="schema version"):
        Verdict.from_dict({**data, "schema_version": 99})


async def _noop(ctx):
    return "OK"


CASES = [Case(n, f"row {n}", "", _noop) for n in range(1, 6)]


def test_selection_keeps_the_order_given_and_skips():
    assert [c.row for c in select(CASES, only=[3, 1])] == [3, 1]
    assert [c.row for c in select(CASES, skip=[2, 4])] == [1, 3, 5]


def test_selection_of_a_row_that_does_not_exist_is_an_error():
    with pytest.raises(SelectionError, match="no row 9"):
        select(CASES, only=[9])


def test_settings_profiles_load_and_a_user_file_overrides(tmp_path):
    assert load().timeouts.reboot == 300
    demo = load("demo")
    assert demo.timeouts.reboot < 300 and demo.name == "demo"
    mine = tmp_path / "mine.toml"
    mine.write_text('connector = 2\n[meter]\ninterval = 10\nmeasurands = ["Voltage"]\n')
    settings = load(mine)
    assert settings.connector == 2 and settings.meter.interval == 10
    assert settings.meter.measurands == ("Voltage",) and settings.heartbeat.interval == 60
    assert load().ev_connected == ()
    mine.write_text("ev_connected = [1, 2]\n")
    assert load(mine).ev_connected == (1, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("conector = 2", "unknown setting 'conector'"),
        ("[meter]\ninterval = 'x'", "meter.interval"),
        ("timeouts = 3", "must be a table"),
        ("= broken", "cannot read"),
        ("ev_connected = [0]", "ev_connected.*connector ids >= 1"),
        ("ev_connected = ['1']", "ev_connected.*connector ids >= 1"),
    ],
)
def test_a_bad_settings_file_names_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=message):
        load(path)


def test_a_row_partly_not_tested_says_what_passed_and_stays_not_tested():
    from types import SimpleNamespace

    from chargecheck.script.runner import result_text

    criteria = [
        Criterion("remote stop", Outcome.PASS, "transaction 3", (), 1),
        Criterion("stop by disconnecting the car", Outcome.NOT_TESTED, "nobody unplugged", (), 1),
        Criterion("remote stop", Outcome.PASS, "transaction 4", (), 1),
    ]
    outcome = combine([c.outcome for c in criteria])
    text = result_text(outcome, "OK", SimpleNamespace(criteria=criteria))  # type: ignore[arg-type]
    assert outcome is Outcome.NOT_TESTED
    assert text == (
        "NOT TESTED: stop by disconnecting the car: nobody unplugged; "
        "PASS: remote stop (connector 1)"
    )
