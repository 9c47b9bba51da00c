"""OCPP 1.6 section 4.9: the connector status transition table."""

import pytest

from chargecheck.protocol.status_table import (
    TRANSITIONS,
    ChargePointStatus,
    allowed,
    transition_name,
)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Available", "Preparing"),
        ("Preparing", "Charging"),
        ("Charging", "SuspendedEVSE"),
        ("SuspendedEVSE", "Charging"),
        ("Charging", "Finishing"),
        ("Finishing", "Available"),
        ("Faulted", "Available"),
        ("Unavailable", "Available"),
        ("Preparing", "Available"),
    ],
)
def test_transitions_of_a_normal_session_are_allowed(old, new):
    assert allowed(1, old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Available", "Finishing"),
        ("Preparing", "Reserved"),
        ("Preparing", "Unavailable"),
        ("Finishing", "Charging"),
        ("Reserved", "Charging"),
        ("Unavailable", "Finishing"),
    ],
)
def test_transitions_the_spec_does_not_list_are_refused(old, new):
    assert not allowed(1, old, new)


def test_connector_zero_only_moves_between_available_unavailable_faulted():
    assert allowed(0, "Available", "Unavailable")
    assert allowed(0, "Faulted", "Available")
    assert not allowed(0, "Available", "Charging")


def test_unknown_status_names_are_never_allowed():
    assert not allowed(1, "Available", "Occupied")


def test_every_status_has_a_row_and_never_lists_itself():
    assert set(TRANSITIONS) == set(ChargePointStatus)
    assert all(status not in targets for status, targets in TRANSITIONS.items())


def test_transition_names_follow_the_spec_numbering():
    assert transition_name("Available", "Preparing") == "A2"
    assert transition_name("Faulted", "Unavailable") == "I8"
