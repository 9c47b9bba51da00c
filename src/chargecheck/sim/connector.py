"""One connector of the simulated station: what is physically true of it, what the
station decided about it, and the status that follows (OCPP 1.6 section 4.9).

The status is never set by hand: ``derive_status`` computes it from the connector's facts
with a table of rules, first match wins, and the station checks every change against
``chargecheck.protocol.status_table`` before it reports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chargecheck.protocol.status_table import ChargePointStatus as S
from chargecheck.sim.meter import Meter

# OCPP 1.6 section 7.6 ChargePointErrorCode, without NoError.
ERROR_CODES = frozenset(
    {
        "ConnectorLockFailure",
        "EVCommunicationError",
        "GroundFailure",
        "HighTemperature",
        "InternalError",
        "LocalListConflict",
        "OtherError",
        "OverCurrentFailure",
        "OverVoltage",
        "PowerMeterFailure",
        "PowerSwitchFailure",
        "ReaderFailure",
        "ResetFailure",
        "UnderVoltage",
        "WeakSignal",
    }
)


@dataclass(frozen=True, slots=True)
class Fault:
    """A hardware error on a connector (or on the station: connector 0)."""

    error_code: str
    info: str | None = None
    vendor_error_code: str | None = None

    def __post_init__(self) -> None:
        if self.error_code not in ERROR_CODES:
            raise ValueError(
                f"{self.error_code!r} is not an OCPP 1.6 ChargePointErrorCode "
                f"(one of {sorted(ERROR_CODES)})"
            )


@dataclass
class Physical:
    """What is true of a connector in the physical world: it survives a reboot of the
    station (the car stays plugged in while the charger restarts)."""

    plugged: bool = False
    ev_max_current: float = 32.0  # what the EV draws at most, A per phase
    fault: Fault | None = None
    lock_jammed: bool = False  # the cable lock cannot move (a plug half way in, a blocked lock)


@dataclass
class Transaction:
    local_id: int
    id_tag: str
    meter_start: int
    start: datetime
    real_id: int | None = None
    samples: list[dict[str, Any]] = field(default_factory=list)  # StopTxnSampledData
    # StartTransaction.conf was not Accepted and StopTransactionOnInvalidId is false: the
    # transaction goes on without energy (OCPP 1.6 sections 3.5.4 and 4.8)
    deauthorized: bool = False
    parent_id_tag: str | None = None  # of id_tag (7.14): a card of its group may stop it

    def to_dict(self) -> dict[str, Any]:
        return {
            "id_tag": self.id_tag,
            "meter_start": self.meter_start,
            "start": self.start.isoformat(),
            "samples": self.samples,
            "parent_id_tag": self.parent_id_tag,
        }

    @classmethod
    def from_dict(cls, local_id: int, d: dict[str, Any]) -> Transaction:
        return cls(
            local_id,
            d["id_tag"],
            int(d["meter_start"]),
            datetime.fromisoformat(d["start"]),
            samples=list(d.get("samples", [])),
            parent_id_tag=d.get("parent_id_tag"),
        )


@dataclass(frozen=True, slots=True)
class Reservation:
    """ReserveNow.req (OCPP 1.6 section 5.13): the connector is held for ``id_tag``."""

    reservation_id: int
    id_tag: str
    expiry: datetime
    parent_id_tag: str | None = None


@dataclass
class Connector:
    connector_id: int
    physical: Physical
    operative: bool = True
    scheduled_operative: bool | None = None  # ChangeAvailability answered Scheduled
    scheduled_until_unplugged: bool = False  # ... and it waits for the cable to be pulled
    authorized_tag: str | None = None  # authorised, waiting for the cable
    timed_out: bool = False  # ConnectionTimeOut expired with the cable in
    finishing: bool = False  # a transaction ended, the cable is still in
    # the EV is gone, the cable stays locked here for this idTag (chargecheck.sim.stopping)
    cable_held: str | None = None
    evse_suspended: bool = False  # the charging limit is 0, or the idTag was refused
    transaction: Transaction | None = None
    pending_profile: dict[str, Any] | None = None  # from RemoteStartTransaction
    reservation: Reservation | None = None  # held for an idTag (chargecheck.sim.reservations)
    reservation_id: int | None = None  # the reservation the next StartTransaction ends
    meter: Meter = field(default_factory=Meter)
    status: S | None = None  # the present status (None before the first derivation)
    reported: S | None = None  # the last status sent in a StatusNotification
    trail: list[S] = field(default_factory=list)  # statuses entered since ``reported``

    @property
    def fault(self) -> Fault | None:
        return self.physical.fault

    @property
    def plugged(self) -> bool:
        return self.physical.plugged

    @property
    def usable(self) -> bool:
        """May a new transaction start here?"""
        return self.operative and self.fault is None and self.transaction is None


@dataclass(frozen=True, slots=True)
class Quirks:
    """Defects that change how a status is derived (see ``chargecheck.sim.defects``)."""

    ignore_inoperative: bool = False  # wrong_status_after_change_availability
    no_preparing_on_plug: bool = False


Rule = Callable[[Connector, Quirks], bool]

# Connectors 1..n: the first rule that holds gives the status.
RULES: tuple[tuple[Rule, S], ...] = (
    (lambda c, q: c.fault is not None, S.FAULTED),
    (lambda c, q: c.transaction is not None and c.evse_suspended, S.SUSPENDED_EVSE),
    (
        lambda c, q: (
            c.transaction is not None and (not c.plugged or c.physical.ev_max_current <= 0)
        ),
        S.SUSPENDED_EV,
    ),
    (lambda c, q: c.transaction is not None, S.CHARGING),
    (lambda c, q: not c.operative and not q.ignore_inoperative, S.UNAVAILABLE),
    (lambda c, q: (c.plugged or c.cable_held is not None) and c.finishing, S.FINISHING),
    (lambda c, q: c.authorized_tag is not None, S.PREPARING),
    # Before a plugged cable: a car plugged into a reserved connector waits for its idTag.
    (lambda c, q: c.reservation is not None, S.RESERVED),
    (lambda c, q: c.plugged and not c.timed_out and not q.no_preparing_on_plug, S.PREPARING),
    (lambda c, q: True, S.AVAILABLE),
)

# Connector 0, the station itself: only Available, Unavailable and Faulted (section 4.9).
RULES_ZERO: tuple[tuple[Rule, S], ...] = (
    (lambda c, q: c.fault is not None, S.FAULTED),
    (lambda c, q: not c.operative and not q.ignore_inoperative, S.UNAVAILABLE),
    (lambda c, q: True, S.AVAILABLE),
)


def derive_status(connector: Connector, quirks: Quirks = Quirks()) -> S:
    rules = RULES_ZERO if connector.connector_id == 0 else RULES
    return next(status for rule, status in rules if rule(connector, quirks))
