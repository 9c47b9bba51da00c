"""How the station answers the Central System's CALLs (OCPP 1.6 chapter 5), one handler
per action in ``HANDLERS``.

A handler returns the CALLRESULT payload and, when the answer has consequences, a
follow-up that the station runs after the CALLRESULT is on its way: the Central System
sees "Accepted" before the StatusNotification or StartTransaction the action causes. A
handler may raise ``PeerProtocolError`` to answer with a CALLERROR. An action without a
handler is answered with CALLERROR NotSupported; the security extension's handlers are
``chargecheck.sim.security_calls``'.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chargecheck.sim import reservations
from chargecheck.sim.charging import UNIT_NAMES
from chargecheck.sim.connector import Reservation
from chargecheck.sim.meter import NOMINAL_VOLTAGE, PHASES, SUPPORTED_MEASURANDS
from chargecheck.sim.security_calls import SECURITY_HANDLERS
from chargecheck.sim.stopping import release_cable

if TYPE_CHECKING:
    from chargecheck.sim.connector import Connector
    from chargecheck.sim.station import Station

Payload = dict[str, Any]
Answer = tuple[Payload, Callable[[], None] | None]
Handler = Callable[["Station", Payload], Answer]

MEASURAND_KEYS = frozenset(
    {"metervaluessampleddata", "stoptxnsampleddata", "metervaluesaligneddata", "stoptxnaligneddata"}
)


def _status(status: str, then: Callable[[], None] | None = None) -> Answer:
    return {"status": status}, then


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _valid(st: Station, connector_id: int, *, zero: bool = True) -> bool:
    return (0 if zero else 1) <= connector_id < len(st.connectors)


# -- Core profile --------------------------------------------------------------------------


def change_availability(st: Station, p: Payload) -> Answer:
    """Section 5.2: "When a transaction is in progress Charge Point SHALL respond with
    availability status 'Scheduled'", applied when it ends; otherwise Accepted and in force
    at once, a car plugged in or not (the variant scheduled_availability waits for the
    cable: ``StationCore.availability_wait``)."""
    connector_id, operative = p["connectorId"], p["type"] == "Operative"
    if not _valid(st, connector_id):
        return _status("Rejected")
    targets = st.connectors if connector_id == 0 else [st.connectors[connector_id]]
    waits = {
        c.connector_id: wait
        for c in targets
        if c.operative != operative and (wait := st.availability_wait(c)) is not None
    }

    def apply() -> None:
        for c in targets:
            if c.connector_id in waits:
                c.scheduled_operative = operative
                c.scheduled_until_unplugged = waits[c.connector_id] == "cable"
            else:
                if not operative:
                    reservations.end(st, c, "the connector is made Inoperative")
                st.apply_availability(c, operative)
        st.refresh_statuses()

    return _status("Scheduled" if waits else "Accepted", apply)


def change_configuration(st: Station, p: Payload) -> Answer:
    """Section 5.3; an accepted value takes effect at once (intervals are rescheduled)."""
    if "change_configuration_not_supported" in st.defects:
        return _status("NotSupported")
    key, value = p["key"], p["value"]
    secured = _SECURITY_CHANGES.get(key.lower()) if st.implements_security else None
    if secured is not None:  # the security whitepaper's rules, not the key table's
        return _status(*secured(st, value))
    if (
        key.lower() in MEASURAND_KEYS
        and not {item.strip() for item in value.split(",") if item.strip()} <= SUPPORTED_MEASURANDS
    ):
        return _status("Rejected")  # a measurand this meter cannot read
    status = st.config.change(key, value)
    if status == "Rejected" and "accept_unapplied_value" in st.defects:
        return _status("Accepted")  # the defect: says Accepted, keeps the old value
    if status in ("Accepted", "RebootRequired"):
        st.save_configuration()
    effect = _EFFECTS.get(key.lower()) if status == "Accepted" else None
    return _status(status, (lambda: effect(st)) if effect else None)


def configure(st: Station, key: str, value: str) -> str:
    """A key set at the station itself (its service panel): the checks and effects of a
    ChangeConfiguration.req (section 5.3), with no Central System involved; its status."""
    payload, then = change_configuration(st, {"key": key, "value": value})
    if then is not None:
        then()
    return str(payload["status"])


def _reschedule_meters(st: Station) -> None:
    for c in st.outlets:
        st.schedule_meter(c)


_SECURITY_CHANGES: dict[str, Callable[[Station, str], tuple[str, Callable[[], None] | None]]] = {
    "securityprofile": lambda st, value: st.security_profile_change(value),
    "authorizationkey": lambda st, value: st.authorization_key_change(value),
}

_EFFECTS: dict[str, Callable[[Station], None]] = {
    "heartbeatinterval": lambda st: st.schedule_heartbeat(),
    "metervaluesampleinterval": _reschedule_meters,
    "clockaligneddatainterval": lambda st: st.schedule_aligned(),
}


def clear_cache(st: Station, p: Payload) -> Answer:
    """Section 5.4; Rejected by a station that has no cache to clear (7.20)."""
    if "clear_cache_rejected" in st.defects or not st.has_authorization_cache:
        return _status("Rejected")
    st.store.put("auth_cache", {})
    return _status("Accepted")


def data_transfer(st: Station, p: Payload) -> Answer:
    """Section 5.6: this station defines no vendor messages of its own."""
    own = p["vendorId"] == st.config.identity.get("chargePointVendor")
    return _status("UnknownMessageId" if own else "UnknownVendorId")


def get_configuration(st: Station, p: Payload) -> Answer:
    if "get_configuration_empty" in st.defects:
        return {"configurationKey": []}, None
    entries, unknown = st.config.get(p.get("key"))
    payload: Payload = {"configurationKey": entries}
    if unknown:
        payload["unknownKey"] = unknown
    return payload, None


def remote_start_transaction(st: Station, p: Payload) -> Answer:
    """Section 5.11; honours AuthorizeRemoteTxRequests (Authorize first if true)."""
    profile = p.get("chargingProfile")
    if "remote_start_rejected" in st.defects or not st.boot_accepted:
        return _status("Rejected")
    if (
        profile is not None
        and profile.get("chargingProfilePurpose") != "TxProfile"
        and "remote_start_any_profile_purpose" not in st.defects
    ):
        return _status("Rejected")  # 5.11, 6.34: the purpose MUST be TxProfile
    connector_id, id_tag = p.get("connectorId"), p["idTag"]
    if "local_list_remote_start_lost" in st.defects and id_tag in st.local_list_tags:
        return _status("Accepted")  # and nothing follows
    c: Connector | None
    if connector_id is None:
        free = [
            c for c in st.outlets if st.accepts_session(c) and reservations.may_use(st, c, id_tag)
        ]
        c = next((c for c in free if c.plugged), free[0] if free else None)
    else:
        c = st.connectors[connector_id] if _valid(st, connector_id, zero=False) else None
    if c is not None and c.transaction is not None and "remote_start_busy_accepted" in st.defects:
        return _status("Accepted")  # the defect: on a connector in a transaction, then nothing
    if c is None or not st.accepts_session(c) or not reservations.may_use(st, c, id_tag):
        return _status("Rejected")  # a connector reserved for another idTag too (5.13)
    chosen = c

    def start() -> None:
        chosen.pending_profile = profile
        if st.cfg_bool("AuthorizeRemoteTxRequests", False):
            st.authorize(chosen, id_tag)
        else:
            st.authorized(chosen, id_tag)

    return _status("Accepted", start)


def remote_stop_transaction(st: Station, p: Payload) -> Answer:
    wanted = p["transactionId"]
    running = [c for c in st.outlets if c.transaction and c.transaction.real_id == wanted]
    if not running:
        return _status("Rejected")
    return _status("Accepted", lambda: st.stop_transaction(running[0], "Remote"))


def reset(st: Station, p: Payload) -> Answer:
    kind = p["type"]
    return _status("Accepted", lambda: st.reset(kind))


def unlock_connector(st: Station, p: Payload) -> Answer:
    """Section 5.18; NotSupported (7.46: "no connector lock") for a connector that does
    not exist and, with the variant fixed_cable, for every one: a transaction goes on.
    A jammed lock (``lock_failure``) answers UnlockFailed, after the transaction ends."""
    connector_id = p["connectorId"]
    if not _valid(st, connector_id, zero=False) or "fixed_cable" in st.variants:
        return _status("NotSupported")
    c = st.connectors[connector_id]
    # 5.18: the answer SHALL indicate whether it was able to unlock (a jammed lock: no)
    jammed = c.physical.lock_jammed and "unlock_failure_unlocked" not in st.defects
    unlocked = "UnlockFailed" if jammed else "Unlocked"

    def unlock() -> None:
        if c.transaction is not None:
            st.stop_transaction(c, "UnlockCommand")
        if not c.physical.lock_jammed:  # a cable held since the EV left (4.10) comes free
            release_cable(st, c, "UnlockConnector")

    return _status(unlocked, unlock)


# -- Firmware Management ---------------------------------------------------------------


def get_diagnostics(st: Station, p: Payload) -> Answer:
    name = st.get_diagnostics(
        p["location"],
        _moment(p.get("startTime")),
        _moment(p.get("stopTime")),
        p.get("retries"),
        p.get("retryInterval"),
    )
    return {"fileName": name}, st.start_upload


def update_firmware(st: Station, p: Payload) -> Answer:
    retrieve = _moment(p["retrieveDate"])
    assert retrieve is not None
    st.update_firmware(p["location"], retrieve, p.get("retries"), p.get("retryInterval"))
    return {}, None


# -- Local Auth List Management (section 5.15, 5.10) ------------------------------------


def _local_lists(st: Station) -> bool:
    """Does the station support Local Authorization Lists? Only when it claims the
    LocalAuthListManagement profile in SupportedFeatureProfiles (section 3.3; the defect
    local_list_without_profile answers as if it did)."""
    claimed = {f.strip().lower() for f in st.cfg_list("SupportedFeatureProfiles", [])}
    return "localauthlistmanagement" in claimed or "local_list_without_profile" in st.defects


def get_local_list_version(st: Station, p: Payload) -> Answer:
    """Section 5.10: -1 SHALL tell that the station does not support local lists."""
    if not _local_lists(st) or not st.cfg_bool("LocalAuthListEnabled", False):
        return {"listVersion": -1}, None  # "does not support Local Authorization Lists"
    return {"listVersion": int(st.store.get("local_list", {}).get("version", 0))}, None


def send_local_list(st: Station, p: Payload) -> Answer:
    """Section 5.15; NotSupported without local list support (7.47), Failed when the list
    cannot be stored: too long, or its storage broken (``Station.local_list_broken``,
    the control interface's ``/local_list_failure``)."""
    if not _local_lists(st) or not st.cfg_bool("LocalAuthListEnabled", False):
        return _status("NotSupported")
    saved = st.store.get("local_list", {"version": 0, "tags": {}})
    version, entries = p["listVersion"], p.get("localAuthorizationList", [])
    full = p["updateType"] == "Full"
    if not full and version <= saved["version"]:
        return _status("VersionMismatch")
    tags = {} if full else dict(saved["tags"])
    for entry in entries:
        if "idTagInfo" in entry:
            tags[entry["idTag"]] = entry["idTagInfo"]
        else:
            tags.pop(entry["idTag"], None)
    too_many = len(entries) > st.cfg_int("SendLocalListMaxLength", 100)
    if too_many or len(tags) > st.cfg_int("LocalAuthListMaxLength", 1000):
        return _status("Failed")
    if st.local_list_broken:  # nothing stored; the defect says Accepted all the same
        return _status("Accepted" if "local_list_failure_accepted" in st.defects else "Failed")
    st.store.put("local_list", {"version": version, "tags": tags})
    return _status("Accepted")


# -- Reservation (sections 5.13, 5.1; the rules are chargecheck.sim.reservations') --------


def reserve_now(st: Station, p: Payload) -> Answer:
    if not reservations.offered(st):
        return _status("Rejected")  # 5.13: configured not to accept reservations
    expiry = _moment(p["expiryDate"])
    assert expiry is not None
    reservation_id = p["reservationId"]
    decision = reservations.decide(st, p["connectorId"], reservation_id, expiry)
    c, replaced = decision.connector, decision.replaced
    if c is None:
        return _status(decision.status)
    held = Reservation(reservation_id, p["idTag"], expiry, p.get("parentIdTag"))

    def reserve() -> None:
        if replaced is not None:
            reservations.end(st, replaced, f"replaced by one on connector {c.connector_id}")
        reservations.reserve(st, c, held)

    return _status(decision.status, reserve)


def cancel_reservation(st: Station, p: Payload) -> Answer:
    c = reservations.holder(st, p["reservationId"]) if reservations.offered(st) else None
    if c is None:  # no such reservation (5.1); the defect says Accepted all the same
        return _status(
            "Accepted" if "cancel_unknown_reservation_accepted" in st.defects else "Rejected"
        )
    return _status("Accepted", lambda: reservations.end(st, c, "cancelled"))


# -- Smart Charging (sections 5.5, 5.7, 5.16) ---------------------------------------------


def set_charging_profile(st: Station, p: Payload) -> Answer:
    if "set_charging_profile_rejected" in st.defects:
        return _status("Rejected")
    connector_id, profile = p["connectorId"], p["csChargingProfiles"]
    tx = st.connectors[connector_id].transaction if _valid(st, connector_id) else None
    purpose = profile.get("chargingProfilePurpose")
    if tx is not None and purpose == "TxProfile" and "tx_profile_any_transaction" in st.defects:
        profile = {**profile, "transactionId": tx.real_id}  # whatever transaction it names
    ignored = "tx_default_not_during_transaction" in st.defects
    if tx is not None and purpose == "TxDefaultProfile" and ignored:
        return _status("Accepted")  # and never installed
    status = st.profiles.set(connector_id, profile, tx.real_id if tx else None)
    if status != "Accepted":
        return _status(status)
    st.save_profiles()
    return _status(status, st.update_all_power)


def clear_charging_profile(st: Station, p: Payload) -> Answer:
    status = st.profiles.clear(
        p.get("id"), p.get("connectorId"), p.get("chargingProfilePurpose"), p.get("stackLevel")
    )
    if status != "Accepted":
        return _status(status)
    st.save_profiles()
    return _status(status, st.update_all_power)


def get_composite_schedule(st: Station, p: Payload) -> Answer:
    """Section 5.7; Rejected for a connector that does not exist or a chargingRateUnit
    not in ChargingScheduleAllowedChargingRateUnit ("not able to report the requested
    schedule", e.g. A with the variant power_only)."""
    connector_id, unit = p["connectorId"], p.get("chargingRateUnit")
    if not _valid(st, connector_id) or (
        unit is not None and UNIT_NAMES.get(unit) not in st.profiles.allowed_units
    ):
        return _status("Rejected")
    tx = st.connectors[connector_id].transaction
    schedule = st.profiles.composite_schedule(
        connector_id,
        p["duration"],
        unit,
        st.now.utc,
        tx.start if tx else None,
        tx.real_id if tx else None,
        NOMINAL_VOLTAGE,
        PHASES,
    )
    payload: Payload = {"status": "Accepted", "connectorId": connector_id}
    payload["scheduleStart"] = st.now.text
    if schedule is not None:
        payload["chargingSchedule"] = schedule
    return payload, None


# -- Remote Trigger (section 5.17) -----------------------------------------------------------


def trigger_message(st: Station, p: Payload) -> Answer:
    if "trigger_message_rejected" in st.defects:
        return _status("Rejected")
    connector_id = p.get("connectorId")
    if connector_id is not None and not _valid(st, connector_id):
        return _status("Rejected")
    what = p["requestedMessage"]
    if what == "Heartbeat" and "trigger_heartbeat_ignored" in st.defects:
        return _status("Accepted")
    return _status("Accepted", lambda: st.send_triggered(what, connector_id))


HANDLERS: dict[str, Handler] = {
    "CancelReservation": cancel_reservation,
    "ChangeAvailability": change_availability,
    "ChangeConfiguration": change_configuration,
    "ClearCache": clear_cache,
    "ClearChargingProfile": clear_charging_profile,
    "DataTransfer": data_transfer,
    "GetCompositeSchedule": get_composite_schedule,
    "GetConfiguration": get_configuration,
    "GetDiagnostics": get_diagnostics,
    "GetLocalListVersion": get_local_list_version,
    "RemoteStartTransaction": remote_start_transaction,
    "RemoteStopTransaction": remote_stop_transaction,
    "ReserveNow": reserve_now,
    "Reset": reset,
    "SendLocalList": send_local_list,
    "SetChargingProfile": set_charging_profile,
    "TriggerMessage": trigger_message,
    "UnlockConnector": unlock_connector,
    "UpdateFirmware": update_firmware,
    **SECURITY_HANDLERS,
}
