"""The connector status state machine of OCPP 1.6 section 4.9 (StatusNotification).

Everything about allowed status transitions lives in this table: the simulator obeys
it, the conformance checks judge by it, the reports draw from it. The table maps a
status to the statuses the specification allows next; its cells are the spec's
numbered transitions (A2 = Available -> Preparing, ...).
"""

from __future__ import annotations

from enum import StrEnum


class ChargePointStatus(StrEnum):
    AVAILABLE = "Available"
    PREPARING = "Preparing"
    CHARGING = "Charging"
    SUSPENDED_EV = "SuspendedEV"
    SUSPENDED_EVSE = "SuspendedEVSE"
    FINISHING = "Finishing"
    RESERVED = "Reserved"
    UNAVAILABLE = "Unavailable"
    FAULTED = "Faulted"


S = ChargePointStatus

# The spec's letter for each state, as used in its transition names (A1..I8).
LETTER = {
    S.AVAILABLE: "A",
    S.PREPARING: "B",
    S.CHARGING: "C",
    S.SUSPENDED_EV: "D",
    S.SUSPENDED_EVSE: "E",
    S.FINISHING: "F",
    S.RESERVED: "G",
    S.UNAVAILABLE: "H",
    S.FAULTED: "I",
}

# OCPP 1.6 section 4.9, the table of status transitions for connectors > 0, exactly as
# printed. The printed table has no Preparing -> Unavailable cell (B8), although section
# 5.2 makes a station with a car plugged in and no transaction go Unavailable on an
# Accepted ChangeAvailability(Inoperative); the conformance checks (``status`` module) make
# such a move a note when a command in the trace explains it. B8 is not added here: the
# table stays the spec's, and the simulator reads it.
TRANSITIONS: dict[ChargePointStatus, frozenset[ChargePointStatus]] = {
    S.AVAILABLE: frozenset(
        {
            S.PREPARING,
            S.CHARGING,
            S.SUSPENDED_EV,
            S.SUSPENDED_EVSE,
            S.RESERVED,
            S.UNAVAILABLE,
            S.FAULTED,
        }
    ),
    S.PREPARING: frozenset(
        {S.AVAILABLE, S.CHARGING, S.SUSPENDED_EV, S.SUSPENDED_EVSE, S.FINISHING, S.FAULTED}
    ),
    S.CHARGING: frozenset(
        {S.AVAILABLE, S.SUSPENDED_EV, S.SUSPENDED_EVSE, S.FINISHING, S.UNAVAILABLE, S.FAULTED}
    ),
    S.SUSPENDED_EV: frozenset(
        {S.AVAILABLE, S.CHARGING, S.SUSPENDED_EVSE, S.FINISHING, S.UNAVAILABLE, S.FAULTED}
    ),
    S.SUSPENDED_EVSE: frozenset(
        {S.AVAILABLE, S.CHARGING, S.SUSPENDED_EV, S.FINISHING, S.UNAVAILABLE, S.FAULTED}
    ),
    S.FINISHING: frozenset({S.AVAILABLE, S.PREPARING, S.UNAVAILABLE, S.FAULTED}),
    S.RESERVED: frozenset({S.AVAILABLE, S.PREPARING, S.UNAVAILABLE, S.FAULTED}),
    S.UNAVAILABLE: frozenset(
        {S.AVAILABLE, S.PREPARING, S.CHARGING, S.SUSPENDED_EV, S.SUSPENDED_EVSE, S.FAULTED}
    ),
    S.FAULTED: frozenset(
        {
            S.AVAILABLE,
            S.PREPARING,
            S.CHARGING,
            S.SUSPENDED_EV,
            S.SUSPENDED_EVSE,
            S.FINISHING,
            S.RESERVED,
            S.UNAVAILABLE,
        }
    ),
}

# Section 4.9: "ConnectorId 0 ... the only statuses are Available, Unavailable and Faulted".
CONNECTOR_ZERO_STATUSES = frozenset({S.AVAILABLE, S.UNAVAILABLE, S.FAULTED})

# Statuses in which a transaction may be running on the connector.
TRANSACTION_STATUSES = frozenset({S.CHARGING, S.SUSPENDED_EV, S.SUSPENDED_EVSE})


def allowed(connector_id: int, old: str, new: str) -> bool:
    """Whether section 4.9 allows a StatusNotification to move ``old`` -> ``new``.

    Repeating the same status is not a transition and is allowed. Unknown status
    names are never allowed.
    """
    try:
        before, after = S(old), S(new)
    except ValueError:
        return False
    if connector_id == 0:
        return before in CONNECTOR_ZERO_STATUSES and after in CONNECTOR_ZERO_STATUSES
    return before == after or after in TRANSITIONS[before]


def transition_name(old: str, new: str) -> str:
    """The spec's name of a transition, e.g. ``A2`` for Available -> Preparing."""
    return f"{LETTER[S(old)]}{list(LETTER).index(S(new)) + 1}"
