"""EVSEs, their connectors and transactions as plain data, and the OCPP 2.0.1 connector
status each connector shows (part 2, ConnectorStatusEnumType; use case G01).

2.0.1 reports a connector's status with five values (1.6's Preparing, Charging,
Suspended* and Finishing are gone: a transaction's progress is its chargingState in
TransactionEvent). Which one a connector shows is decided by the first row of
``STATUS_RULES`` that holds: one table, read top to bottom.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ConnectorStatus(StrEnum):
    AVAILABLE = "Available"
    OCCUPIED = "Occupied"
    RESERVED = "Reserved"
    UNAVAILABLE = "Unavailable"
    FAULTED = "Faulted"


@dataclass
class Transaction:
    """A transaction as the station keeps it (and saves it, ``to_dict``)."""

    transaction_id: str
    evse_id: int
    connector_id: int
    seq_no: int = 0  # the seqNo its next TransactionEvent carries (starts at 0)
    charging_state: str | None = None  # the one last reported
    remote_start_id: int | None = None
    id_token: dict[str, Any] | None = None  # the IdTokenType that authorised it
    token_sent: bool = False  # the idToken went out in a TransactionEvent already
    charging_seconds: float = 0.0
    ended: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "transaction_id": self.transaction_id,
            "evse_id": self.evse_id,
            "connector_id": self.connector_id,
            "seq_no": self.seq_no,
            "charging_state": self.charging_state,
            "remote_start_id": self.remote_start_id,
            "id_token": self.id_token,
            "token_sent": self.token_sent,
            "charging_seconds": self.charging_seconds,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transaction:
        return cls(**data)


@dataclass
class Authorization:
    """The idToken an EVSE may charge for, and how it came."""

    id_token: dict[str, Any]  # IdTokenType
    remote_start_id: int | None = None
    since: float = 0.0  # station mono


@dataclass
class Connector:
    evse_id: int
    connector_id: int
    connector_type: str
    plugged: bool = False
    operative: bool = True  # ChangeAvailability at connector level
    faulted: bool = False
    status: ConnectorStatus | None = None  # what it shows now
    reported: ConnectorStatus | None = None  # what the CSMS was last told


@dataclass
class Evse:
    id: int
    max_power: float  # W
    connectors: list[Connector]
    operative: bool = True  # ChangeAvailability at EVSE level
    ev_ready: bool = True  # the car draws power when the station lets it
    authorization: Authorization | None = None
    transaction: Transaction | None = None
    session_over: bool = False  # a transaction ended with the cable still in
    energy_wh: float = 0.0  # the meter register
    metered_at: float = 0.0  # station mono of the register's last update
    conditions: dict[str, bool] = field(default_factory=dict)  # TxStart/StopPoint facts

    @property
    def plugged(self) -> bool:
        return any(c.plugged for c in self.connectors)

    @property
    def plugged_connector(self) -> int:
        return next((c.connector_id for c in self.connectors if c.plugged), 1)

    def connector(self, connector_id: int) -> Connector:
        for c in self.connectors:
            if c.connector_id == connector_id:
                return c
        raise ValueError(f"EVSE {self.id} has no connector {connector_id}")


Rule = tuple[ConnectorStatus, Callable[[Connector, Evse, bool], bool]]

# (status, holds(connector, its EVSE, station operative)): the first that holds wins.
# A connector in a transaction stays Occupied when made inoperative: the change waits
# for the transaction's end (use cases G03 / G04: Scheduled). Otherwise Occupied is the
# car's presence: once it leaves the connector is Available (G01.FR.04), even while a
# transaction waits for it (E10: a cable pulled at the car, StopTxOnEVSideDisconnect false).
STATUS_RULES: tuple[Rule, ...] = (
    (ConnectorStatus.FAULTED, lambda c, e, station: c.faulted),
    (
        ConnectorStatus.UNAVAILABLE,
        lambda c, e, station: (
            not (c.operative and e.operative and station) and e.transaction is None
        ),
    ),
    (
        ConnectorStatus.OCCUPIED,
        lambda c, e, station: (
            c.plugged
            or (e.transaction is not None and not (c.operative and e.operative and station))
        ),
    ),
    (ConnectorStatus.AVAILABLE, lambda c, e, station: True),
)


def derive_status(connector: Connector, evse: Evse, station_operative: bool) -> ConnectorStatus:
    for status, holds in STATUS_RULES:
        if holds(connector, evse, station_operative):
            return status
    raise AssertionError("the last rule always holds")
