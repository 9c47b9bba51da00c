"""The catalogue's connection-loss cases (``chargecheck.script.catalogue.outages``: TC_036_CS,
TC_037_2_CS, TC_037_3_CS, TC_039_CS) against the simulator over loopback, the bench making
the outages itself: each PASSes against the healthy simulator with evidence on every PASS,
FAILs against the defect that breaks its SHALL on the criterion naming it, and is NOT
TESTED (never FAIL) where the station may legally do otherwise, cannot be brought to start
offline, or nobody does the physical steps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chargecheck.csms.session import Message
from chargecheck.script.catalogue.outages import in_order, stamp
from chargecheck.script.verdict import Outcome
from tests.script.catalogue_run import (
    edit_key,
    fails_on,
    not_passed,
    not_tested_because,
    passed_with_evidence,
    run_case,
    run_cases,
)

IDS = ["TC_036_CS", "TC_037_2_CS", "TC_037_3_CS", "TC_039_CS"]
OFFLINE_STARTS = IDS[1:]


async def test_every_outage_case_passes_against_the_simulator_with_evidence(tmp_path, monkeypatch):
    verdicts = await run_cases(tmp_path, monkeypatch, IDS)
    passed_with_evidence(*verdicts.values())
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
    verdict = await run_case(tmp_path, monkeypatch, case_id, (defect,))
    assert all(c.evidence for c in fails_on(verdict, criterion))


# Runs no station can be brought through: each case NOT TESTED with the reason, never FAIL.
NOT_TESTED = [
    # drop_offline_queue loses the StartTransaction and the StopTransaction alike: from the
    # Central System that looks like a station that started nothing offline, which 3.5.4
    # allows; the StartTransaction alone lost is the FAIL of TC_037_2_CS and TC_037_3_CS.
    pytest.param(
        ["TC_039_CS"],
        {"defects": ("drop_offline_queue",)},
        "the station may have started none",
        id="reports nothing of an offline transaction",
    ),
    pytest.param(
        IDS, {"nobody": True}, "non-interactive run", id="nobody to plug or present a card"
    ),
    pytest.param(
        OFFLINE_STARTS,
        {
            "edits": [
                edit_key("AllowOfflineTxForUnknownId", readonly=True, value=False),
                edit_key("AuthorizationCacheEnabled", readonly=True, value=False),
            ]
        },
        "cannot be made to start offline for a new idTag",
        id="cannot start offline for a new idTag",
    ),
]


@pytest.mark.parametrize(("ids", "run", "reason"), NOT_TESTED)
async def test_an_outage_case_the_station_cannot_be_brought_through_is_not_tested(
    tmp_path, monkeypatch, ids, run, reason
):
    verdicts = await run_cases(tmp_path, monkeypatch, ids, **run)
    for i in ids:
        not_tested_because(verdicts[i], reason)


async def test_without_unknown_offline_authorization_the_cache_starts_offline(
    tmp_path, monkeypatch
):
    edit = edit_key("AllowOfflineTxForUnknownId", readonly=True, value=False)
    verdicts = await run_cases(tmp_path, monkeypatch, OFFLINE_STARTS, edits=[edit])
    failed = {i: not_passed(v) for i, v in verdicts.items() if v.outcome is not Outcome.PASS}
    assert not failed, failed


async def test_a_read_only_stop_transaction_on_invalid_id_is_not_tested_where_it_differs(
    tmp_path, monkeypatch
):
    edit = edit_key("StopTransactionOnInvalidId", readonly=True, value=True)
    verdicts = await run_cases(tmp_path, monkeypatch, ["TC_037_2_CS", "TC_037_3_CS"], edits=[edit])
    kept = verdicts["TC_037_2_CS"]
    not_tested_because(kept, "StopTransactionOnInvalidId (true) cannot be set to false")
    assert verdicts["TC_037_3_CS"].outcome is Outcome.PASS, not_passed(verdicts["TC_037_3_CS"])


@pytest.mark.parametrize("case_id", ["TC_037_2_CS", "TC_037_3_CS"])
async def test_a_station_that_charges_on_after_an_invalid_start_is_not_tested_never_failed(
    tmp_path, monkeypatch, case_id
):
    variants = ["invalid_id_keeps_charging"]
    verdict = await run_case(tmp_path, monkeypatch, case_id, variants=variants)
    not_tested_because(verdict, "3.5.4 and 4.8: when the StartTransaction.conf is not Accepted")
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
