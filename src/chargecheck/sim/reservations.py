"""Reservations of the station model: the Reservation profile of OCPP 1.6 (ReserveNow,
section 5.13; CancelReservation, 5.1; StartTransaction.req reservationId, 4.8).

A reservation holds one connector (1..n) for one idTag until its expiryDate; the
connector is Reserved while it lasts (section 4.9). The decisions, in one place:

- A station whose SupportedFeatureProfiles does not list Reservation answers every
  ReserveNow and CancelReservation Rejected (5.13: "configured not to accept
  reservations"; 5.1: it holds none).
- ReserveNow answers by the status of the connector: Available is Accepted, Faulted
  Faulted, Unavailable Unavailable, any other (Preparing, Charging, Finishing, Reserved
  for another reservation...) Occupied. An expiryDate already past is Rejected.
- Connector 0 reserves the station as a whole, only with ReserveConnectorZeroSupported
  true (section 9.3; else Rejected, 5.13): a Faulted or Unavailable station answers so;
  a station reservation held already is Occupied; else Accepted while some connector is
  Available (none: Faulted if all are Faulted, Unavailable if all are Unavailable, else
  Occupied). It holds no connector, but another idTag may take a connector only while
  another stays Available for the reserved one (5.13); the reserved idTag (or parent)
  authorised on any connector ends it, and that transaction carries its reservationId.
- A ReserveNow naming a reservationId the station holds replaces that reservation
  (section 5.13), wherever it was.
- Only the reserved idTag may use the connector, matched case-insensitively (IdToken is
  a CiString20), or an idTag whose parentIdTag (as an Authorize.conf, the local list or
  the cache tells it) matches the reservation's idTag or parentIdTag (5.13).
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


def offered(st: StationCore) -> bool:
    """Does the station take reservations: SupportedFeatureProfiles lists Reservation
    (the defect reservation_without_profile takes them all the same)?"""
    claimed = {p.strip().lower() for p in st.cfg_list("SupportedFeatureProfiles", [])}
    return "reservation" in claimed or "reservation_without_profile" in st.defects


def decide(st: StationCore, connector_id: int, reservation_id: int, expiry: datetime) -> Decision:
    """ReserveNow.conf for these fields (module docstring), without changing anything."""
    if not 0 <= connector_id < len(st.connectors) or st.seconds_until(expiry) <= 0:
        return Decision("Rejected")
    if connector_id == 0 and not st.cfg_bool("ReserveConnectorZeroSupported", False):
        return Decision("Rejected")
    station, c = st.connectors[0], st.connectors[connector_id]
    held = holder(st, reservation_id)
    if station.status in (S.FAULTED, S.UNAVAILABLE):
        status = RESERVE_ANSWERS[station.status]
    elif held is c:
        status = "Accepted"  # the same reservation again: renewed in place
    elif connector_id == 0:
        status = "Occupied" if station.reservation is not None else _station_answer(st)
    else:
        status = RESERVE_ANSWERS.get(c.status or S.AVAILABLE, "Occupied")
    if status != "Accepted":
        if "reserve_ignores_status" in st.defects and status != "Rejected":
            return Decision("Accepted")  # said, and nothing held
        return Decision(status)
    return Decision(status, c, held if held is not c else None)


def _station_answer(st: StationCore) -> str:
    """ReserveNow.conf of connector 0 by the statuses of the connectors (module docstring)."""
    found = {c.status or S.AVAILABLE for c in st.outlets}
    if S.AVAILABLE in found:
        return "Accepted"
    only = next(iter(found)) if len(found) == 1 else None
    return RESERVE_ANSWERS.get(only, "Occupied") if only is not None else "Occupied"


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


def matches(reservation: Reservation, id_tag: str, parent: str | None = None) -> bool:
    """Is ``id_tag`` (of parent ``parent``) the reservation's: the idTag or the parent
    idTag of the one match the idTag or parent idTag of the other (5.13)?"""
    theirs = {t.lower() for t in (reservation.id_tag, reservation.parent_id_tag) if t}
    return bool(theirs & {t.lower() for t in (id_tag, parent) if t})


def admits(c: Connector, id_tag: str, parent: str | None = None) -> bool:
    """May ``id_tag`` use ``c`` as far as ``c``'s own reservation goes: it is not
    reserved, or reserved for this idTag or its parent."""
    return c.reservation is None or matches(c.reservation, id_tag, parent)


def may_use(st: StationCore, c: Connector, id_tag: str, parent: str | None = None) -> bool:
    """May ``id_tag`` use ``c``: ``admits``, and a reservation of the station as a whole
    (connector 0) is the idTag's, or another connector stays Available for it (5.13)."""
    whole = st.connectors[0].reservation
    if not admits(c, id_tag, parent):
        return False
    if whole is None or matches(whole, id_tag, parent):
        return True
    return any(o is not c and o.status is S.AVAILABLE for o in st.outlets)


def claim(st: StationCore, c: Connector, id_tag: str = "", parent: str | None = None) -> None:
    """``id_tag`` was authorised on ``c``: the reservation of ``c``, or else the
    station's one if it is the idTag's, ends, and the next StartTransaction on ``c`` names
    it (section 4.8, reservationId)."""
    whole = st.connectors[0]
    if c.reservation is not None:
        c.reservation_id = c.reservation.reservation_id
        end(st, c, "its idTag is authorised")
    elif whole.reservation is not None and matches(whole.reservation, id_tag, parent):
        c.reservation_id = whole.reservation.reservation_id
        end(st, whole, f"its idTag is authorised on connector {c.connector_id}")


def expired(st: StationCore, connector_id: int) -> None:
    end(st, st.connectors[connector_id], "expired")
