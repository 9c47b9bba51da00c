"""Transactions of the station model: the physical inputs (cable, card, EV, faults),
authorisation, StartTransaction / StopTransaction and the meter values between them.

OCPP 1.6 references: Authorize (4.1), local authorisation and offline behaviour
(3.4, 3.5, 3.6), StartTransaction (4.8), StopTransaction (4.10), MeterValues (4.7),
ConnectionTimeOut, StopTransactionOnEVSideDisconnect, StopTransactionOnInvalidId (9.1).
The EV side disconnecting and a card of the starter's group: ``chargecheck.sim.stopping``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chargecheck.sim.connector import Connector, Fault, Transaction
from chargecheck.sim.core import StationCore
from chargecheck.sim.meter import ENERGY, NOMINAL_VOLTAGE, PHASES, amps_for_watts, meter_value
from chargecheck.sim.reservations import admits, claim, may_use
from chargecheck.sim.stopping import (
    ask_group_stop,
    group_stop,
    hold_cable,
    release_cable,
    releases,
    stops_on_ev_disconnect,
)

LOCK_FAILURE = "ConnectorLockFailure"  # OCPP 1.6 section 7.6
MAX_STOP_SAMPLES = 100  # StopTxnSampledData samples kept for one StopTransaction


class Transactions(StationCore):
    # -- physical inputs -----------------------------------------------------------

    def plug(self, connector_id: int) -> None:
        c = self.outlet(connector_id)
        if c.plugged:
            return
        c.physical.plugged = True
        c.timed_out = False
        c.finishing = False
        c.cable_held = None  # a cable held locked goes back into the EV
        self.log(f"cable plugged into connector {connector_id}")
        if c.transaction is not None:
            self.update_power(c)
        elif c.authorized_tag is not None and c.usable:
            self.start_transaction(c, c.authorized_tag)
        else:
            self.refresh_statuses()
            if c.usable:
                self.await_identification(c)
        self.refresh_statuses()

    def await_identification(self, c: Connector) -> None:
        """A car is plugged into ``c`` and nobody is identified: plug and charge starts,
        else ConnectionTimeOut (section 9.1) takes the connector back to Available; with
        the variant plug_first_stays_preparing it stays Preparing (nobody was authorised,
        so ConnectionTimeOut, counted "from successful authorization", does not run)."""
        if self.plug_and_charge_tag:
            self.authorize(c, self.plug_and_charge_tag)
        elif "plug_first_stays_preparing" not in self.variants:
            self.set_timer(f"connection:{c.connector_id}", self.connection_timeout)

    def unplug(self, connector_id: int) -> None:
        c = self.outlet(connector_id)
        if not c.plugged:
            return
        c.physical.plugged = False
        c.timed_out = False
        c.finishing = False
        self.cancel_timer(f"connection:{connector_id}")
        self.log(f"cable unplugged from connector {connector_id}")
        hold_cable(self, c)
        if c.transaction is not None and stops_on_ev_disconnect(self, c):
            reason = "Local" if "stop_reason_local" in self.defects else "EVDisconnected"
            self.stop_transaction(c, reason)
        elif c.transaction is not None:
            self.update_power(c)
        self.refresh_statuses()

    def present_id_tag(self, connector_id: int, id_tag: str) -> None:
        """A card at the reader of ``connector_id``: start there, or stop its transaction."""
        c = self.outlet(connector_id)
        self.log(f"idTag {id_tag} presented at connector {connector_id}")
        tx = c.transaction
        if tx is not None:
            if tx.id_tag.lower() == id_tag.lower():
                self.stop_transaction(c, "Local", id_tag=id_tag)
            elif not ask_group_stop(self, c, id_tag):
                self.log(f"idTag {id_tag} ignored: connector {connector_id} charges {tx.id_tag}")
        elif releases(c, id_tag):
            release_cable(self, c, f"{id_tag} presented")
        elif self.accepts_session(c):
            self.authorize(c, id_tag)
        else:
            self.log(f"idTag {id_tag} ignored: connector {connector_id} is {c.status}")

    def set_ev_max_current(self, connector_id: int, amps: float) -> None:
        c = self.outlet(connector_id)
        c.physical.ev_max_current = max(0.0, float(amps))
        self.log(f"EV on connector {connector_id} draws at most {amps} A")
        self.update_power(c)
        self.refresh_statuses()

    def inject_fault(self, connector_id: int, fault: Fault) -> None:
        c = self.connector(connector_id)
        self.log(f"fault {fault.error_code} on connector {connector_id}")
        if "no_fault_status" in self.defects:
            return
        c.physical.fault = fault
        if connector_id:
            self.update_power(c)
        self.refresh_statuses()

    def clear_fault(self, connector_id: int) -> None:
        c = self.connector(connector_id)
        if c.physical.fault is None:
            return
        c.physical.fault = None
        self.log(f"fault cleared on connector {connector_id}")
        if connector_id:
            self.update_power(c)
        self.refresh_statuses()

    def lock_failure(self, connector_id: int) -> None:
        """The cable lock of ``connector_id`` will not move: locking before a transaction
        fails (Faulted, ConnectorLockFailure: OCPP 1.6 section 7.6), UnlockConnector
        answers UnlockFailed (7.46). A fixed cable has no lock to fail."""
        c = self.outlet(connector_id)
        if "fixed_cable" in self.variants:
            raise ValueError(
                f"connector {connector_id} has a fixed cable: there is no lock to fail"
            )
        c.physical.lock_jammed = True
        self.log(f"the cable lock of connector {connector_id} is jammed")

    def clear_lock_failure(self, connector_id: int) -> None:
        c = self.outlet(connector_id)
        c.physical.lock_jammed = False
        self.log(f"the cable lock of connector {connector_id} moves again")
        if c.fault is not None and c.fault.error_code == LOCK_FAILURE:
            self.clear_fault(connector_id)

    def locked(self, c: Connector) -> bool:
        """Lock the cable before energy flows; a jammed lock faults the connector and the
        session being set up is over (OCPP 1.6 section 4.9 Faulted: "not available for
        energy delivery")."""
        if not c.physical.lock_jammed:
            return True
        self.cancel_timer(f"connection:{c.connector_id}")
        c.authorized_tag = None
        c.pending_profile = None
        c.physical.fault = Fault(LOCK_FAILURE, "cable lock failed")
        self.log(f"connector {c.connector_id}: the cable could not be locked")
        self.refresh_statuses()
        return False

    def outlet(self, connector_id: int) -> Connector:
        """Connector ``connector_id``, one a cable and a card reader go with: a
        ``ValueError`` for connector 0 or one the station does not have."""
        if connector_id == 0:
            raise ValueError("connector 0 is the station itself: no cable, no card reader")
        return self.connector(connector_id)

    def accepts_session(self, c: Connector) -> bool:
        """May a new session start at ``c`` (a card, a RemoteStartTransaction)? With the
        variant finishing_until_unplugged, not while it is Finishing: section 4.9,
        Finishing "is not yet available for a new user, e.g. the cable has not been
        removed"; a RemoteStartTransaction there is Rejected (section 5.11)."""
        if c.finishing and "finishing_until_unplugged" in self.variants:
            return False
        return c.usable

    @property
    def plug_and_charge_tag(self) -> str | None:
        if self.settings.plug_and_charge_id_tag:
            return self.settings.plug_and_charge_id_tag
        if self.cfg_bool("PlugAndChargeEnabled", False):
            return self.config.value("PlugAndChargeIdentifier") or None
        return None

    @property
    def connection_timeout(self) -> float:
        return float(self.cfg_int("ConnectionTimeOut", 60))

    # -- authorisation (sections 3.4 - 3.6, 4.1) -------------------------------------------

    def authorize(self, c: Connector, id_tag: str) -> None:
        if "reservation_ignores_parent" in self.defects and not admits(c, id_tag):
            self.log(f"connector {c.connector_id} is reserved: {id_tag} refused unasked")
            return
        if self.cfg_bool("LocalPreAuthorize", False) and self.known_status(id_tag) == "Accepted":
            self.authorized(c, id_tag)
        elif self.may_report:
            self.link.submit("Authorize", {"idTag": id_tag}, connector=c.connector_id, idTag=id_tag)
        else:
            self.authorize_offline(c, id_tag)

    def authorize_offline(self, c: Connector, id_tag: str) -> None:
        """Section 3.6: LocalAuthorizeOffline uses the local list and cache; an unknown
        idTag may start only if AllowOfflineTxForUnknownId."""
        known = self.known_status(id_tag)
        if known is not None and self.cfg_bool("LocalAuthorizeOffline", True):
            if known == "Accepted":
                self.authorized(c, id_tag)
                return
        elif known is None and self.cfg_bool("AllowOfflineTxForUnknownId", False):
            self.authorized(c, id_tag)
            return
        self.log(f"idTag {id_tag} not authorised offline (known as {known})")

    def known_status(self, id_tag: str) -> str | None:
        """The idTag's status from the local list, else from the authorisation cache; an
        entry past its expiryDate is Expired (OCPP 1.6 section 7.20, IdTagInfo)."""
        if self.cfg_bool("LocalAuthListEnabled", False):
            info = self.store.get("local_list", {}).get("tags", {}).get(id_tag)
            if info is not None:
                return self._status_now(info)
        if self.authorization_cache:
            info = self.store.get("auth_cache", {}).get(id_tag)
            if info is not None:
                return self._status_now(info)
        return None

    def known_parent(self, id_tag: str) -> str | None:
        """The idTag's parentIdTag from the local list, else from the cache (7.14)."""
        for info in (
            self.store.get("local_list", {}).get("tags", {}).get(id_tag),
            self.store.get("auth_cache", {}).get(id_tag) if self.authorization_cache else None,
        ):
            if info is not None and info.get("parentIdTag"):
                return str(info["parentIdTag"])
        return None

    def _status_now(self, info: dict[str, Any]) -> str:
        status, expiry = str(info.get("status")), info.get("expiryDate")
        if status == "Accepted" and isinstance(expiry, str):
            try:
                expired = self.seconds_until(datetime.fromisoformat(expiry)) <= 0
            except ValueError:
                expired = False  # a date the station cannot read does not expire the tag
            if expired:
                return "Expired"
        return status

    def remember(self, id_tag: str, info: dict[str, Any]) -> None:
        if self.authorization_cache:
            cache = self.store.get("auth_cache", {})
            cache[id_tag] = info
            self.store.put("auth_cache", cache)

    def authorize_result(self, context: dict[str, Any], payload: dict[str, Any] | None) -> None:
        c = self.connectors[context["connector"]]
        id_tag = context["idTag"]
        if context.get("stop"):  # a card of the running transaction's group? (4.1, 7.14)
            if payload is not None:
                self.remember(id_tag, payload["idTagInfo"])
                group_stop(self, c, id_tag, payload["idTagInfo"])
            return
        if payload is None:  # no answer: as if offline (section 3.6)
            self.authorize_offline(c, id_tag)
            return
        info = payload["idTagInfo"]
        self.remember(id_tag, info)
        if info["status"] == "Accepted" or "start_after_rejected_authorize" in self.defects:
            self.authorized(c, id_tag, info.get("parentIdTag"))
        else:
            self.log(f"idTag {id_tag} not authorised: {info['status']}; nothing starts")

    def authorized(self, c: Connector, id_tag: str, parent: str | None = None) -> None:
        """``id_tag`` (its ``parent`` from the Authorize.conf, else from the local list or
        the cache) may start at ``c``, unless a reservation stands in its way (5.13)."""
        if not self.accepts_session(c):
            self.log(f"connector {c.connector_id} cannot start now ({c.status})")
            return
        parent = parent or self.known_parent(id_tag)
        if not may_use(self, c, id_tag, parent):
            self.log(f"connector {c.connector_id} is reserved: {id_tag} cannot start there")
            return
        claim(self, c, id_tag, parent)
        if c.finishing:
            # A new session with the car still plugged in (a RemoteStartTransaction or a card
            # after a stop, no unplug): OCPP 1.6 section 4.9 has no Finishing -> Charging,
            # only F2 Finishing -> Preparing (the user restarts a charging session, which
            # makes a new transaction), then B3 Preparing -> Charging.
            c.finishing = False
        c.timed_out = False
        if c.plugged:
            self.refresh_statuses()
            self.start_transaction(c, id_tag)
        else:
            c.authorized_tag = id_tag
            if "connection_timeout_ignored" not in self.defects:  # 9.1 ConnectionTimeOut
                self.set_timer(f"connection:{c.connector_id}", self.connection_timeout)
            self.refresh_statuses()

    def connection_timed_out(self, connector_id: int) -> None:
        """ConnectionTimeOut (section 9.1) expired before a transaction started."""
        c = self.connectors[connector_id]
        if c.transaction is not None:
            return
        self.log(f"ConnectionTimeOut on connector {connector_id}")
        c.authorized_tag = None
        c.pending_profile = None
        c.reservation_id = None
        c.timed_out = c.plugged
        self.refresh_statuses()

    # -- transactions -------------------------------------------------------------------

    def start_transaction(self, c: Connector, id_tag: str) -> None:
        if not self.locked(c):
            return
        self.cancel_timer(f"connection:{c.connector_id}")
        c.authorized_tag = None
        self.read_meter(c)
        local_id = self.store.next_number("local_transaction")
        tx = Transaction(local_id, id_tag, c.meter.register_wh, self.now.utc)
        tx.parent_id_tag = self.known_parent(id_tag)
        c.transaction = tx
        self.store.save_transaction(local_id, c.connector_id, tx.to_dict())
        self.log(f"transaction {local_id} starts on connector {c.connector_id} for {id_tag}")
        payload = {
            "connectorId": c.connector_id,
            "idTag": id_tag,
            "meterStart": tx.meter_start,
            "timestamp": self.now.text,
        }
        if c.reservation_id is not None:  # section 4.8: this transaction ends a reservation
            payload["reservationId"], c.reservation_id = c.reservation_id, None
            if "start_without_reservation_id" in self.defects:
                del payload["reservationId"]
        self.link.submit_transaction("StartTransaction", payload, local_id)
        self.update_power(c)
        self.refresh_statuses()
        if self.cfg_bool("MeterValuesOnTransactionStart", True):
            self.send_meter_values(c, "Transaction.Begin")
        self.keep_stop_sample(c, "Transaction.Begin")
        self.schedule_meter(c)

    def transaction_started(self, local_id: int, payload: dict[str, Any]) -> None:
        """StartTransaction.conf: the real transactionId and the idTag's verdict."""
        real_id = int(payload["transactionId"])
        self.store.set_real_id(local_id, real_id)
        info = payload["idTagInfo"]
        c = self.connector_of(local_id)
        if c is None or c.transaction is None:
            return  # ended already (e.g. delivered after the station came back online)
        c.transaction.real_id = real_id
        c.transaction.parent_id_tag = info.get("parentIdTag") or c.transaction.parent_id_tag
        self.remember(c.transaction.id_tag, info)
        if c.pending_profile is not None:
            status = self.profiles.set(c.connector_id, c.pending_profile, real_id)
            self.log(f"RemoteStartTransaction chargingProfile: {status}")
            c.pending_profile = None
            self.save_profiles()
            self.update_power(c)
        if info["status"] != "Accepted":
            self.deauthorize(c)
        self.refresh_statuses()

    def deauthorize(self, c: Connector) -> None:
        """StartTransaction.conf did not accept the idTag of ``c``'s transaction (one
        started offline, say): sections 3.5.4 and 4.8, with StopTransactionOnInvalidId true
        the transaction stops with reason DeAuthorized, with false only the energy does."""
        assert c.transaction is not None
        if "invalid_id_keeps_charging" in self.variants:  # legal: the text says SHOULD
            self.log(f"transaction {c.transaction.local_id}: idTag not accepted, charging on")
            return
        if self.cfg_bool("StopTransactionOnInvalidId", True):
            self.stop_transaction(c, "DeAuthorized")
            return
        self.log(f"transaction {c.transaction.local_id}: idTag not accepted, energy stopped")
        c.transaction.deauthorized = True
        self.update_power(c)

    def stop_transaction(self, c: Connector, reason: str, *, id_tag: str | None = None) -> None:
        tx = c.transaction
        assert tx is not None
        self.read_meter(c)
        if self.cfg_bool("MeterValuesOnTransactionStop", True):
            self.send_meter_values(c, "Transaction.End")
        self.keep_stop_sample(c, "Transaction.End")
        payload: dict[str, Any] = {
            "transactionId": tx.local_id,  # replaced by the real id when sent
            "meterStop": c.meter.register_wh,
            "timestamp": self.now.text,
            "reason": reason,
        }
        if id_tag is not None:
            payload["idTag"] = id_tag
        if tx.samples:
            payload["transactionData"] = tx.samples
        lost = "offline_stop_lost" in self.defects and tx.real_id is None and not self.may_report
        if not lost:  # the defect: a transaction started offline is never reported stopped
            self.link.submit_transaction("StopTransaction", payload, tx.local_id)
        self.store.end_transaction(tx.local_id)
        self.log(f"transaction {tx.local_id} stops on connector {c.connector_id}: {reason}")
        c.transaction = None
        c.pending_profile = None
        c.evse_suspended = False
        self.profiles.transaction_ended(c.connector_id)
        self.save_profiles()
        self.cancel_timer(f"meter:{c.connector_id}")
        c.meter.set_current(0.0, 0.0, self.now.mono)
        self.store.put(f"energy:{c.connector_id}", c.meter.energy_wh)
        c.finishing = c.plugged or c.cable_held is not None
        self.refresh_statuses()  # applies a ChangeAvailability that was Scheduled

    # -- power and meter values -------------------------------------------------------------

    def update_power(self, c: Connector) -> None:
        """Re-evaluate what the connector draws: EV demand, socket rating, charging limit."""
        tx = c.transaction
        if c.connector_id == 0:
            return
        rating = float(self.cfg_int(f"Socket{c.connector_id}-MaxCurrent", 32))
        limit_w = None
        if tx is not None and "ignore_charging_limit" not in self.defects:
            limit_w = self.profiles.limit_w(
                c.connector_id, self.now.utc, tx.start, tx.real_id, NOMINAL_VOLTAGE, PHASES
            )
        offered = rating if limit_w is None else min(rating, amps_for_watts(limit_w))
        limited = limit_w is not None and limit_w <= 0
        c.evse_suspended = tx is not None and (tx.deauthorized or limited)
        drawing = tx is not None and c.plugged and c.fault is None and not c.evse_suspended
        amps = min(c.physical.ev_max_current, offered) if drawing else 0.0
        c.meter.set_current(amps, offered if tx is not None else 0.0, self.now.mono)

    def update_all_power(self) -> None:
        for c in self.outlets:
            self.update_power(c)
        self.refresh_statuses()

    def schedule_meter(self, c: Connector) -> None:
        interval = self.cfg_int("MeterValueSampleInterval", 60)
        if interval > 0 and c.transaction is not None:
            self.set_timer(f"meter:{c.connector_id}", interval)
        else:
            self.cancel_timer(f"meter:{c.connector_id}")

    def meter_tick(self, connector_id: int) -> None:
        c = self.connectors[connector_id]
        tx = c.transaction
        if tx is None:
            return
        self.update_power(c)  # the limit in force now caps this interval's power
        self.refresh_statuses()
        self.send_meter_values(c, "Sample.Periodic")
        self.keep_stop_sample(c, "Sample.Periodic")
        self.schedule_meter(c)

    def measurands(self, key: str) -> list[str]:
        chosen = self.cfg_list(key, [ENERGY])
        if "missing_measurands" in self.defects:
            return [ENERGY] if ENERGY in chosen else []
        return chosen

    def read_meter(self, c: Connector) -> None:
        """Bring the register up to now and keep it on disk before it is reported: a
        meter is hardware, a power cut must not take back energy already reported."""
        c.meter.advance(self.now.mono)
        self.store.put(f"energy:{c.connector_id}", c.meter.energy_wh)

    def sample(self, c: Connector, key: str, context: str) -> dict[str, Any] | None:
        self.read_meter(c)
        values = c.meter.sampled_values(self.measurands(key), context)
        return meter_value(self.now.text, values) if values else None

    def send_meter_values(
        self, c: Connector, context: str, key: str = "MeterValuesSampledData"
    ) -> None:
        """MeterValues.req of the measurands of ``key``; part of the transaction if one runs."""
        if "no_meter_values" in self.defects:
            return
        value = self.sample(c, key, context)
        if value is None:
            return
        payload: dict[str, Any] = {"connectorId": c.connector_id, "meterValue": [value]}
        tx = c.transaction
        if tx is not None and self._drops_offline(context):
            return
        if tx is not None:
            payload["transactionId"] = tx.local_id  # replaced by the real id when sent
            self.link.submit_transaction("MeterValues", payload, tx.local_id)
        elif self.may_report:
            self.link.submit("MeterValues", payload)

    def _drops_offline(self, context: str) -> bool:
        """The defect offline_meter_values_dropped: a periodic or clock-aligned sample of
        a transaction taken offline is thrown away, not queued (section 3.7 MUST queue)."""
        dropped = (
            "offline_meter_values_dropped" in self.defects
            and not self.may_report
            and context in ("Sample.Periodic", "Sample.Clock")
        )
        if dropped:
            self.log(f"offline: {context} sample not queued (offline_meter_values_dropped)")
        return dropped

    def schedule_aligned(self) -> None:
        """ClockAlignedDataInterval (section 9.1): samples at whole multiples of the
        interval since midnight (station time, UTC); 0 switches them off."""
        interval = self.cfg_int("ClockAlignedDataInterval", 0)
        if interval <= 0:
            self.cancel_timer("aligned")
            return
        utc = self.now.utc
        since_midnight = utc.hour * 3600 + utc.minute * 60 + utc.second + utc.microsecond / 1e6
        self.set_timer("aligned", interval - since_midnight % interval)

    def aligned_tick(self) -> None:
        for c in self.outlets:
            self.send_meter_values(c, "Sample.Clock", "MeterValuesAlignedData")
            self.keep_stop_sample(c, "Sample.Clock", "StopTxnAlignedData")
        self.schedule_aligned()

    def keep_stop_sample(self, c: Connector, context: str, key: str = "StopTxnSampledData") -> None:
        tx = c.transaction
        if tx is None:
            return
        value = self.sample(c, key, context)
        if value is not None:
            tx.samples.append(value)
            del tx.samples[1:-MAX_STOP_SAMPLES]  # keep the Transaction.Begin one
            self.store.save_transaction(tx.local_id, c.connector_id, tx.to_dict())

    def connector_of(self, local_id: int) -> Connector | None:
        """The connector where local transaction ``local_id`` runs, if it still does."""
        for c in self.outlets:
            if c.transaction is not None and c.transaction.local_id == local_id:
                return c
        return None
