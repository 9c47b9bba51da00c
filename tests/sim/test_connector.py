"""The status a connector's facts give (OCPP 1.6 section 4.9), rule by rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chargecheck.sim.connector import (
    Connector,
    Fault,
    Physical,
    Quirks,
    Transaction,
    derive_status,
)


def connector(connector_id: int = 1, *, plugged: bool = False, **facts) -> Connector:
    c = Connector(connector_id, Physical(plugged=plugged))
    for name, value in facts.items():
        setattr(c, name, value)
    return c


TX = Transaction(1, "T", 0, datetime(2030, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("facts", "status"),
    [
        ({}, "Available"),
        ({"plugged": True}, "Preparing"),
        ({"authorized_tag": "T"}, "Preparing"),
        ({"plugged": True, "timed_out": True}, "Available"),
        ({"plugged": True, "transaction": TX}, "Charging"),
        ({"plugged": True, "transaction": TX, "evse_suspended": True}, "SuspendedEVSE"),
        ({"plugged": False, "transaction": TX}, "SuspendedEV"),
        ({"plugged": True, "finishing": True}, "Finishing"),
        ({"operative": False}, "Unavailable"),
        ({"operative": False, "plugged": True, "finishing": True}, "Unavailable"),
        ({"operative": False, "plugged": True, "transaction": TX}, "Charging"),
    ],
)
def test_the_first_rule_that_holds_gives_the_status(facts, status):
    assert derive_status(connector(**facts)) == status


def test_a_fault_wins_over_everything_and_an_ev_at_zero_amps_is_suspended_ev():
    c = connector(plugged=True, transaction=TX)
    c.physical.ev_max_current = 0
    assert derive_status(c) == "SuspendedEV"
    c.physical.fault = Fault("GroundFailure")
    assert derive_status(c) == "Faulted"


def test_connector_zero_is_only_available_unavailable_or_faulted():
    zero = connector(0, plugged=True, finishing=True)
    assert derive_status(zero) == "Available"
    zero.operative = False
    assert derive_status(zero) == "Unavailable"
    zero.physical.fault = Fault("PowerMeterFailure")
    assert derive_status(zero) == "Faulted"


def test_quirks_bend_the_rules_for_the_defects():
    assert derive_status(connector(plugged=True), Quirks(no_preparing_on_plug=True)) == "Available"
    assert derive_status(connector(operative=False), Quirks(ignore_inoperative=True)) == "Available"


def test_a_fault_needs_an_ocpp_error_code():
    with pytest.raises(ValueError, match="ChargePointErrorCode"):
        Fault("NoError")
