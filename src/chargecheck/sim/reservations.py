"""Reservations of the station model: the Reservation profile of OCPP 1.6 (ReserveNow,
section 5.13; CancelReservation, 5.1; StartTransaction.req reservationId, 4.8).

A reservation holds one connector (1..n) for one idTag until its expiryDate; the
connector is Reserved while it lasts (section 4.9). The decisions, in one place:

- ReserveNow answers by the status of the connector: Available is Accepted, Faulted
  Faulted, Unavailable Unavailable, any other (Preparing, Charging, Finishing, Reserved
  for another reservation...) Occupied. Connector 0 (a reservation of the station as a
  whole, ReserveConnectorZeroSupported) and an expiryDate already past are Rejected.
- A ReserveNow naming a reservationId the station holds replaces that reservation
  (section 5.13), wherever it was.
- Only the reserved idTag may use the connector, matched case-insensitively (IdToken is
  a CiString20); its parentIdTag is not matched (the station would need the presented
  idTag's group, which only an Authorize.conf tells).
- The reservation ends when its idTag is authorised on the connector (the transaction
  that follows carries ``reservationId``), when it expires, is cancelled, or when the
  connector is made Inoperative (section 4.9 has no Unavailable -> Reserved).
- Reservations live in the station's memory: a reboot ends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from chargecheck.protocol.status_table import ChargePointStatus as S
from chargecheck.sim.connector import Connector, Reservation

if TYPE_CHECKING:
    from chargecheck.sim.core import StationCore

# ReserveNow.conf status by the present status of the connector (section 5.13).
RESERVE_ANSWERS = {S.AVAILABLE: "Accepted", S.FAULTED: "Faulted", S.UNAVAILABLE: "Unavailable"}


@dataclass(frozen=True, slots=True)
class Decision:
    """What a ReserveNow.req gets: ``status``, and on Accepted the connector to hold and
    the reservation of the same id it replaces elsewhere, if any."""

    status: str
    connector: Connector | None = None
    replaced: Connector | None = None


def decide(st: StationCore, connector_id: int, reservation_id: int, expiry: datetime) -> Decision:
    """ReserveNow.conf for these fields (module docstring), without changing anything."""
    if not 0 < connector_id < len(st.connectors) or st.seconds_until(expiry) <= 0:
        return Decision("Rejected")
    station, c = st.connectors[0], st.connectors[connector_id]
    held = holder(st, reservation_id)
    if station.status in (S.FAULTED, S.UNAVAILABLE):
        status = RESERVE_ANSWERS[station.status]
    elif held is c:
        status = "Accepted"  # the same reservation again: renewed in place
    else:
        status = RESERVE_ANSWERS.get(c.status or S.AVAILABLE, "Occupied")
    if status != "Accepted":
        return Decision(status)
    return Decision(status, c, held if held is not c else None)


def reserve(st: StationCore, c: Connector, reservation: Reservation) -> None:
    end(st, c, "replaced")
    c.reservation = reservation
    st.set_timer(f"reservation:{c.connector_id}", st.seconds_until(reservation.expiry))
    st.log(
        f"reservation {reservation.reservation_id}: connector {c.connector_id} for "
        f"{reservation.id_tag} until {reservation.expiry.isoformat()}"
    )


def end(st: StationCore, c: Connector, why: str) -> None:
    """End the reservation of ``c``, if it has one."""
    if c.reservation is None:
        return
    st.log(f"reservation {c.reservation.reservation_id} on connector {c.connector_id}: {why}")
    c.reservation = None
    st.cancel_timer(f"reservation:{c.connector_id}")


def holder(st: StationCore, reservation_id: int) -> Connector | None:
    """The connector holding reservation ``reservation_id``, if any."""
    return next(
        (
            c
            for c in st.connectors
            if c.reservation is not None and c.reservation.reservation_id == reservation_id
        ),
        None,
    )


def admits(c: Connector, id_tag: str) -> bool:
    """May ``id_tag`` use ``c``: it is not reserved, or reserved for this idTag."""
    return c.reservation is None or c.reservation.id_tag.lower() == id_tag.lower()


def claim(st: StationCore, c: Connector) -> None:
    """The reserved idTag was authorised on ``c``: the reservation ends, and the next
    StartTransaction on ``c`` names it (section 4.8, reservationId)."""
    if c.reservation is not None:
        c.reservation_id = c.reservation.reservation_id
        end(st, c, "its idTag is authorised")


def expired(st: StationCore, connector_id: int) -> None:
    end(st, st.connectors[connector_id], "expired")
