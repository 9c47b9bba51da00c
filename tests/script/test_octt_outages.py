"""The catalogue's connection-loss cases (``chargecheck.script.catalogue.outages``: TC_036_CS,
TC_037_2_CS, TC_037_3_CS, TC_039_CS) against the simulator over loopback, the bench making
the outages itself: each PASSes against the healthy simulator with evidence on every PASS,
FAILs against the defect that breaks its SHALL on the criterion naming it, and is NOT
TESTED (never FAIL) where the station may legally do otherwise, cannot be brought to start
offline, or nobody does the physical steps."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

import tests.script.test_catalogue as catalogue_tests
from chargecheck.csms.session import Message
from chargecheck.script.catalogue.outages import in_order, stamp
from chargecheck.script.verdict import Outcome, Verdict
from tests.script.test_catalogue import SHIPPED_PROFILE, _not_passed, _run

IDS = ["TC_036_CS", "TC_037_2_CS", "TC_037_3_CS", "TC_039_CS"]
OFFLINE_STARTS = IDS[1:]


def _read_only(name: str, value: str) -> tuple[str, str]:
    """A profile edit: the bool key ``name`` read-only at ``value``."""
    old = next(
        line.strip().rstrip(",")
        for line in SHIPPED_PROFILE.read_text(encoding="utf-8").splitlines()
        if f'name = "{name}"' in line
    )
    return old, f'{{ name = "{name}", type = "bool", readonly = true, value = {value} }}'


async def _run_edited(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ids: list[str], *edits: tuple[str, str]
) -> dict[str, Verdict]:
    """``_run`` against the shipped profile with each (old, new) text replaced."""
    text = SHIPPED_PROFILE.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "edited.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(catalogue_tests, "_profile", lambda tmp, core_only=False: path)
    return await _run(tmp_path, monkeypatch, ids)


async def test_every_outage_case_passes_against_the_simulator_with_evidence(tmp_path, monkeypatch):
    verdicts = await _run(tmp_path, monkeypatch, IDS)
    failed = {i: _not_passed(v) for i, v in verdicts.items() if v.outcome is not Outcome.PASS}
    assert not failed, failed
    assert all(v.result.startswith("OK") for v in verdicts.values())
    bare = [(i, c.name) for i, v in verdicts.items() for c in v.criteria if not c.evidence]
    assert not bare, bare
    queued = verdicts["TC_036_CS"].criteria[1]
    assert "sampled offline, delivered after" in queued.detail


FAILS = [
    ("offline_meter_values_dropped", "TC_036_CS", "MeterValues sampled while offline"),
    ("drop_offline_queue", "TC_036_CS", "MeterValues sampled while offline"),
    ("drop_offline_queue", "TC_037_2_CS", "StartTransaction of the offline transaction"),
    ("drop_offline_queue", "TC_037_3_CS", "StartTransaction of the offline transaction"),
    ("offline_stop_lost", "TC_039_CS", "StopTransaction of the offline transaction"),
    ("offline_queue_newest_first", "TC_036_CS", "in chronological order (3.7 SHALL)"),
]


@pytest.mark.parametrize(("defect", "case_id", "criterion"), FAILS)
async def test_an_outage_case_fails_against_the_defect_that_breaks_its_shall(
    tmp_path, monkeypatch, defect, case_id, criterion
):
    verdict = (await _run(tmp_path, monkeypatch, [case_id], (defect,)))[case_id]
    assert verdict.outcome is Outcome.FAIL, verdict.result
    failed = [c for c in verdict.criteria if c.outcome is Outcome.FAIL]
    assert failed and all(criterion in c.name for c in failed), _not_passed(verdict)
    assert all(c.evidence for c in failed)


async def test_a_station_that_reports_nothing_of_an_offline_transaction_is_not_tested(
    tmp_path, monkeypatch
):
    # drop_offline_queue loses the StartTransaction and the StopTransaction alike: from the
    # Central System that looks like a station that started nothing offline, which 3.5.4
    # allows; the StartTransaction alone lost is the FAIL of TC_037_2_CS and TC_037_3_CS.
    verdict = (await _run(tmp_path, monkeypatch, ["TC_039_CS"], ("drop_offline_queue",)))[
        "TC_039_CS"
    ]
    assert verdict.outcome is Outcome.NOT_TESTED, verdict.result
    assert "the station may have started none" in verdict.result


async def test_with_nobody_to_plug_or_present_a_card_the_outage_cases_are_not_tested(
    tmp_path, monkeypatch
):
    verdicts = await _run(tmp_path, monkeypatch, IDS, nobody=True)
    for i in IDS:
        assert verdicts[i].outcome is Outcome.NOT_TESTED, (i, verdicts[i].result)
        assert "non-interactive run" in verdicts[i].result


async def test_without_unknown_offline_authorization_the_cache_starts_offline(
    tmp_path, monkeypatch
):
    edit = _read_only("AllowOfflineTxForUnknownId", "false")
    verdicts = await _run_edited(tmp_path, monkeypatch, OFFLINE_STARTS, edit)
    failed = {i: _not_passed(v) for i, v in verdicts.items() if v.outcome is not Outcome.PASS}
    assert not failed, failed


async def test_a_station_that_cannot_start_offline_for_a_new_idtag_is_not_tested(
    tmp_path, monkeypatch
):
    edits = (
        _read_only("AllowOfflineTxForUnknownId", "false"),
        _read_only("AuthorizationCacheEnabled", "false"),
    )
    verdicts = await _run_edited(tmp_path, monkeypatch, OFFLINE_STARTS, *edits)
    for i in OFFLINE_STARTS:
        assert verdicts[i].outcome is Outcome.NOT_TESTED, (i, verdicts[i].result)
        assert "cannot be made to start offline for a new idTag" in verdicts[i].result


async def test_a_read_only_stop_transaction_on_invalid_id_is_not_tested_where_it_differs(
    tmp_path, monkeypatch
):
    edit = _read_only("StopTransactionOnInvalidId", "true")
    verdicts = await _run_edited(tmp_path, monkeypatch, ["TC_037_2_CS", "TC_037_3_CS"], edit)
    kept = verdicts["TC_037_2_CS"]
    assert kept.outcome is Outcome.NOT_TESTED, kept.result
    assert "StopTransactionOnInvalidId (true) cannot be set to false" in kept.result
    assert verdicts["TC_037_3_CS"].outcome is Outcome.PASS, _not_passed(verdicts["TC_037_3_CS"])


@pytest.mark.parametrize("case_id", ["TC_037_2_CS", "TC_037_3_CS"])
async def test_a_station_that_charges_on_after_an_invalid_start_is_not_tested_never_failed(
    tmp_path, monkeypatch, case_id
):
    import chargecheck.demo as demo

    monkeypatch.setattr(
        demo, "run_demo", partial(demo.run_demo, variants=["invalid_id_keeps_charging"])
    )
    verdict = (await _run(tmp_path, monkeypatch, [case_id]))[case_id]
    assert verdict.outcome is Outcome.NOT_TESTED, verdict.result
    assert "3.5.4 and 4.8: when the StartTransaction.conf is not Accepted" in verdict.result
    start, after = verdict.criteria
    assert start.outcome is Outcome.PASS and after.outcome is Outcome.NOT_TESTED


# -- the pure parts -------------------------------------------------------------------------------


def _message(index: int, action: str, payload: dict[str, object]) -> Message:
    import json

    frame = json.dumps([2, f"u{index}", action, payload])
    return Message(index, index, f"u{index}", action, frame, 0.0, 1)


def test_a_message_is_stamped_by_its_timestamp_or_its_first_meter_value():
    stop = _message(0, "StopTransaction", {"timestamp": "2026-12-06T10:00:05Z"})
    assert stamp(stop) == datetime(2026, 12, 6, 10, 0, 5, tzinfo=UTC)
    values = {"meterValue": [{"timestamp": "2026-12-06T10:00:01.500+00:00", "sampledValue": []}]}
    assert stamp(_message(1, "MeterValues", values)) == datetime(
        2026, 12, 6, 10, 0, 1, 500000, tzinfo=UTC
    )
    assert stamp(_message(2, "StopTransaction", {"timestamp": "not a time"})) is None
    assert stamp(_message(3, "StopTransaction", {"timestamp": "2026-12-06T10:00:05"})) is None


def test_messages_are_in_order_only_if_no_timestamp_goes_back():
    def mv(i: int, second: int) -> Message:
        at = f"2026-12-06T10:00:{second:02d}Z"
        return _message(i, "MeterValues", {"meterValue": [{"timestamp": at, "sampledValue": []}]})

    ok, detail = in_order([mv(0, 1), mv(1, 2), mv(2, 2)])
    assert ok and "out of order" not in detail
    ok, detail = in_order([mv(0, 1), mv(1, 3), mv(2, 2)])
    assert not ok
    assert detail.endswith("out of order: MeterValues 10:00:02 came after MeterValues 10:00:03")
