"""The peer station's one EVSE (``tests.v201.peer201``): a socket for a detachable cable
(Connector.ConnectorType sType2), the car at the cable's other end, the driver's cards and
the transaction, as OCPP 2.0.1 part 2 describes them (blocks C, E, F and G), decided
without I/O: every message goes out through the station (``Station.emit`` / ``ask``), the
CSMS's answer comes back to a callback, the time is given to ``tick``.

Its choices where OCPP 2.0.1 leaves one (the bench's own simulator mostly chooses the
other way):

- the cable has two ends: pulled at the car it stays in the socket (the connector stays
  Occupied); the socket is locked while a session is on, and after the car left with
  UnlockOnEVSideDisconnect false it stays locked until the card that started it is
  presented again (E09.FR.03), which is then an unlock and nothing else;
- TxStartPoint EVConnected,PowerPathClosed (ReadOnly): the transaction starts when the
  car is connected, authorized or not; a card or a remote start before that only
  authorizes the next one, until EVConnectionTimeOut; a cable left plugged in across a
  reboot starts nothing until it is plugged in again;
- Started says chargingState EVConnected even when already authorized (an Updated with
  ChargingStateChanged follows when energy flows); chargingState is given only when it
  changed (E01.FR.18), meterValue only in Started, Ended and the periodic Updated events
  (E02.FR.09/10, E06.FR.11);
- a stop by the driver at the station leaves stoppedReason out (E06.FR.09, E07.FR.04 MAY)
  and carries the card that stopped it (E07.FR.02);
- TxStopPoint (ReadWrite, PowerPathClosed at first): the transaction ends when a point
  it names is no longer true; EnergyTransfer ends it at the car's first pause after
  energy flowed (StoppedByEV); the cable taken out of the socket always ends it;
- an authorization cache (AuthCacheCtrlr.Enabled), used offline only with
  LocalAuthorizeOffline true, and to stop a transaction with another card of its group
  (E07.FR.01, E08.FR.02); OfflineTxForUnknownIdEnabled lets a card the station does not
  know start a transaction offline (C15); DisableRemoteAuthorization leaves it to the
  cache alone.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ocpp.v201 import call

from tests.v201.peer201_model import DeviceModel, now_text

Answer = Callable[[Any], None]  # the CSMS's answer (a call_result), None: none came
CARD_TYPE = "ISO14443"
ENDS_AT_AUTHORIZATION_END = frozenset({"Authorized", "PowerPathClosed"})
ENDS_AT_EV_GONE = frozenset({"EVConnected", "PowerPathClosed"})
POWER_W = 11000  # what the car draws while charging


class NotPossible(Exception):
    """A physical act the EVSE cannot undergo now (the cable is not in the socket)."""


class Station(Protocol):
    """What the EVSE needs of the station around it."""

    model: DeviceModel

    @property
    def online(self) -> bool: ...

    def emit(self, payload: Any, on_answer: Answer | None = None) -> None: ...

    def ask(self, payload: Any, on_answer: Answer) -> None: ...

    def connector_changed(self) -> None: ...

    def transaction_over(self) -> None: ...


@dataclass
class Authorization:
    """An idToken the station accepted before a car is connected: it authorizes the next
    transaction until ``until`` (EVConnectionTimeOut)."""

    token: dict[str, Any]
    group: str | None
    remote_start_id: int | None
    until: float


@dataclass
class Transaction:
    transaction_id: str
    token: dict[str, Any] | None = None
    group: str | None = None
    authorized: bool = False
    suspended_by_evse: bool = False  # an invalid idToken with StopTxOnInvalidId false
    charging_state: str | None = None  # as last sent
    energy_flowed: bool = False
    last_sample: float = 0.0


def group_of(info: dict[str, Any]) -> str | None:
    return (info.get("group_id_token") or {}).get("id_token")


class Evse:
    """EVSE 1 with connector 1. The physical acts (``plug`` ... ``present_card``) and the
    CSMS's requests (``remote_start`` ...) change it and emit what OCPP asks."""

    def __init__(self, station: Station, now: Callable[[], float]) -> None:
        self.station, self.now = station, now
        self.model = station.model
        self.in_socket = False  # the cable is in the station's socket
        self.in_car = False  # ... and in the car
        self.ev_ready = True  # the car would draw energy
        self.locked_for: str | None = None  # the card that unlocks the socket
        self.pending: Authorization | None = None
        self.transaction: Transaction | None = None
        self.inoperative = False
        self.inoperative_scheduled = False
        self.seq_no = 0  # of TransactionEvents: counts on across transactions
        self.energy_wh = 0.0
        self.used: set[str] = set()  # every transactionId it used
        self.cache: dict[str, dict[str, Any]] = {}  # idToken -> its idTokenInfo
        self._ids = itertools.count(1)
        self._prefix = secrets.token_hex(3)

    @property
    def ev_connected(self) -> bool:
        return self.in_socket and self.in_car

    def state(self) -> str:
        """Connector.AvailabilityState (G01): Occupied while the cable is in the socket."""
        if self.inoperative and self.transaction is None:
            return "Unavailable"
        return "Occupied" if self.in_socket else "Available"

    def _stops(self) -> set[str]:
        return set(self.model.members("TxCtrlr.TxStopPoint"))

    # -- the physical acts ----------------------------------------------------------------

    def plug(self) -> None:
        """The cable into the socket and into the car (a car connected: E02)."""
        if self.ev_connected:
            return
        self.in_socket = self.in_car = True
        self.station.connector_changed()
        self._ev_arrived()

    def unplug(self) -> None:
        """The cable out of the socket (and the car): the session is over (G01.FR.04)."""
        if not self.in_socket:
            return
        self.in_socket = self.in_car = False
        self.locked_for = None
        if self.transaction is not None:
            self._end("EVCommunicationLost", "EVDisconnected")
        self.station.connector_changed()

    def ev_side_plug(self) -> None:
        if not self.in_socket:
            raise NotPossible("the cable is not in the station's socket")
        if not self.in_car:
            self.in_car = True
            self._ev_arrived()

    def ev_side_unplug(self) -> None:
        """The cable out of the car, left in the socket (E09, E10)."""
        if not self.in_socket:
            raise NotPossible("the cable is not in the station's socket")
        if not self.in_car:
            return
        self.in_car = False
        tx = self.transaction
        if tx is None:
            return
        lock = self._lock_token(tx)
        stops = self._stops()
        energy = "EnergyTransfer" in stops and tx.energy_flowed
        if stops & ENDS_AT_EV_GONE or energy:  # E06.FR.02, E06.FR.06, E06.FR.07
            self._end("EVCommunicationLost", "EVDisconnected")
        elif self.model.flag("TxCtrlr.StopTxOnEVSideDisconnect"):  # E09.FR.01: deauthorized
            tx.authorized = False
            if "Authorized" in stops:
                self._end("EVCommunicationLost", "EVDisconnected")
            else:
                self._event("Updated", "EVCommunicationLost")
        else:  # E10: the transaction waits for the car, the cable locked
            self._event("Updated", "EVCommunicationLost")
            return
        unlock = self.model.flag("OCPPCommCtrlr.UnlockOnEVSideDisconnect")
        self.locked_for = None if unlock else lock  # E09.FR.02, E09.FR.03

    def ev_suspend(self) -> None:
        """The car stops drawing energy: SuspendedEV (E01.FR.19), or the end of the
        transaction when TxStopPoint names EnergyTransfer (E06.FR.07)."""
        self.ev_ready = False
        tx = self.transaction
        if tx is None or not tx.authorized or not self.in_car:
            return
        if "EnergyTransfer" in self._stops() and tx.energy_flowed:
            self._end("ChargingStateChanged", "StoppedByEV")
        else:
            self._event("Updated", "ChargingStateChanged")

    def ev_resume(self) -> None:
        self.ev_ready = True
        tx = self.transaction
        if tx is not None and self._charging_state() != tx.charging_state:
            self._event("Updated", "ChargingStateChanged")

    def present_card(self, tag: str) -> None:
        """A card at the reader: the unlock of a locked socket (E09.FR.03), the stop of
        the running transaction (E07), or an authorization (C01)."""
        token = {"id_token": tag, "type": CARD_TYPE}
        if self.locked_for == tag:
            self.locked_for = None
            return
        tx = self.transaction
        if tx is not None and tx.authorized:
            if tx.token is not None and tx.token["id_token"] == tag:  # E07.FR.01: nobody asked
                self._stop_authorized(local=True, token=token)
            else:
                self._group_stop(tx, token)
            return
        self._authorize(token)

    # -- authorization (C01, C10, C15) --------------------------------------------------------

    def _cached(self, token: dict[str, Any]) -> dict[str, Any] | None:
        if not self.model.flag("AuthCacheCtrlr.Enabled"):
            return None
        return self.cache.get(token["id_token"])

    def _remember(self, token: dict[str, Any], info: dict[str, Any]) -> None:
        if self.model.flag("AuthCacheCtrlr.Enabled") and token.get("type") != "Central":
            self.cache[token["id_token"]] = info

    def _authorize(self, token: dict[str, Any]) -> None:
        known = self._cached(token)
        if not self.station.online:
            self._offline(token)
            return
        if self.model.flag("AuthCtrlr.DisableRemoteAuthorization"):
            if known is not None and known.get("status") == "Accepted":
                self._accept(token, group_of(known), None)
            return

        def answered(result: Any) -> None:
            if result is None:  # no answer: the station is offline after all
                self._offline(token)
                return
            info = getattr(result, "id_token_info", None) or {}
            self._remember(token, info)
            if info.get("status") == "Accepted":
                self._accept(token, group_of(info), None)

        self.station.ask(call.Authorize(id_token=token), answered)

    def _offline(self, token: dict[str, Any]) -> None:
        """Offline: the cache with LocalAuthorizeOffline (C10), else a card the station
        does not know with OfflineTxForUnknownIdEnabled (C15)."""
        known = self._cached(token)
        if self.model.flag("AuthCtrlr.LocalAuthorizeOffline") and known is not None:
            if known.get("status") == "Accepted":
                self._accept(token, group_of(known), None)
        elif self.model.flag("AuthCtrlr.OfflineTxForUnknownIdEnabled"):
            self._accept(token, None, None)

    def _group_stop(self, tx: Transaction, token: dict[str, Any]) -> None:
        """Another card than the one that started ``tx``: it stops it when it shares its
        groupIdToken (E07.FR.01; offline from the cache, E08.FR.02)."""

        def same_group(info: dict[str, Any] | None) -> None:
            group = group_of(info or {})
            accepted = (info or {}).get("status") == "Accepted"
            if accepted and group is not None and group == tx.group and self.transaction is tx:
                self._stop_authorized(local=True, token=token)

        if not self.station.online:
            same_group(self._cached(token))
            return

        def answered(result: Any) -> None:
            if result is None:
                same_group(self._cached(token))
                return
            info = getattr(result, "id_token_info", None) or {}
            self._remember(token, info)
            same_group(info)

        self.station.ask(call.Authorize(id_token=token), answered)

    def _accept(self, token: dict[str, Any], group: str | None, remote: int | None) -> None:
        """``token`` authorizes the transaction that runs without one, or the next one."""
        tx = self.transaction
        if tx is not None:
            if not tx.authorized:
                tx.token, tx.group, tx.authorized = token, group, True
                trigger = "RemoteStart" if remote is not None else "Authorized"
                self._event("Updated", trigger, token=token, remote=remote)  # E02.FR.01
            return
        if self.inoperative:
            return
        timeout = self.model.integer("TxCtrlr.EVConnectionTimeOut")
        self.pending = Authorization(token, group, remote, self.now() + timeout)
        if self.ev_connected:  # a cable left in across a reboot: PowerPathClosed now
            self._start("RemoteStart" if remote is not None else "Authorized")

    # -- the CSMS's requests -----------------------------------------------------------------

    def remote_start(self, token: dict[str, Any], remote_start_id: int) -> tuple[str, str | None]:
        """RequestStartTransaction (F01, F02): the status and the transactionId of a
        transaction already running (the cable plugged in first, F01)."""
        tx = self.transaction
        if self.inoperative or (tx is not None and tx.authorized):
            return "Rejected", None
        running = tx.transaction_id if tx is not None else None
        if self.model.flag("AuthCtrlr.AuthorizeRemoteStart") and self.station.online:

            def answered(result: Any) -> None:
                info = getattr(result, "id_token_info", None) or {}
                if info.get("status") == "Accepted":
                    self._accept(token, group_of(info), remote_start_id)

            self.station.ask(call.Authorize(id_token=token), answered)
        else:
            self._accept(token, None, remote_start_id)
        return "Accepted", running

    def remote_stop(self, transaction_id: str) -> str:
        """RequestStopTransaction (F03): Accepted for the running transaction."""
        tx = self.transaction
        if tx is None or tx.transaction_id != transaction_id:
            return "Rejected"
        if tx.authorized:
            self._stop_authorized(local=False)
        else:
            self._end("RemoteStop", "Remote")
        return "Accepted"

    def reset_now(self) -> None:
        """Reset Immediate: the transaction ends before the reboot (B12.FR.04)."""
        if self.transaction is not None:
            self._end("ResetCommand", "ImmediateReset")
        self.pending = None

    def power_lost(self) -> None:
        if self.transaction is not None:
            self._end("AbnormalCondition", "PowerLoss")  # E06.FR.16
        self.pending = None

    def set_operative(self, operative: bool) -> str:
        """ChangeAvailability (G03, G04): Scheduled while a transaction runs."""
        if not operative and self.transaction is not None:
            self.inoperative_scheduled = True
            return "Scheduled"
        self.inoperative, self.inoperative_scheduled = not operative, False
        self.station.connector_changed()
        return "Accepted"

    def answered_event(self, tx: Transaction, token: dict[str, Any] | None) -> Answer | None:
        """What the TransactionEventResponse's idTokenInfo does (E05): a token that is
        not valid deauthorizes the transaction it authorized."""
        if token is None:
            return None

        def answered(result: Any) -> None:
            info = getattr(result, "id_token_info", None) or {}
            if info:
                self._remember(token, info)
            if info.get("status", "Accepted") == "Accepted":
                return
            if self.transaction is tx and tx.authorized and tx.token == token:
                self._invalid(tx)

        return answered

    def _invalid(self, tx: Transaction) -> None:
        if not self.model.flag("TxCtrlr.StopTxOnInvalidId"):  # E05.FR.02
            tx.suspended_by_evse = True
            self._event("Updated", "ChargingStateChanged")
            return
        tx.authorized = False
        stops = self._stops()
        if stops & ENDS_AT_AUTHORIZATION_END or "EnergyTransfer" in stops:
            self._end("Deauthorized", "DeAuthorized")  # E05.FR.10
        else:
            self._event("Updated", "Deauthorized")  # E05.FR.09

    # -- the transaction (E01, E06, E07) ------------------------------------------------------

    def _ev_arrived(self) -> None:
        tx = self.transaction
        if tx is None:
            if not self.inoperative:
                self._start("CablePluggedIn")
            return
        self._event("Updated", "CablePluggedIn", evse=True)  # E02.FR.17

    def _start(self, trigger: str) -> None:
        """TxStartPoint EVConnected: the transaction starts with the car connected,
        authorized by a card or remote start that came first (E03, F02), if one did."""
        tx = Transaction(f"PEER-{self._prefix}-{next(self._ids)}", last_sample=self.now())
        self.transaction = tx
        self.used.add(tx.transaction_id)
        auth, self.pending = self.pending, None
        if auth is not None and auth.until < self.now():
            auth = None  # EVConnectionTimeOut passed: no longer authorized (E03, F02.FR.07)
        remote = auth.remote_start_id if auth is not None else None
        if remote is not None:
            trigger = "RemoteStart"
        token = auth.token if auth is not None else None
        self._event("Started", trigger, token=token, remote=remote, evse=True)
        if auth is not None:
            tx.token, tx.group, tx.authorized = auth.token, auth.group, True
            self._event("Updated", "ChargingStateChanged")

    def _stop_authorized(self, *, local: bool, token: dict[str, Any] | None = None) -> None:
        """The authorization ends (E07 at the card, F03 remote): the transaction ends
        where TxStopPoint says so (E06.FR.03/06/07), or goes on without it."""
        tx = self.transaction
        assert tx is not None
        tx.authorized = False
        self.locked_for = None  # E07.FR.07: the cable is unlocked
        stops = self._stops()
        trigger = "StopAuthorized" if local else "RemoteStop"
        if stops & ENDS_AT_AUTHORIZATION_END or ("EnergyTransfer" in stops and tx.energy_flowed):
            self._end(trigger, None if local else "Remote", token=token)
        else:
            self._event("Updated", trigger, token=token)

    def _end(self, trigger: str, reason: str | None, token: dict[str, Any] | None = None) -> None:
        self._event("Ended", trigger, reason=reason, token=token)
        self.transaction = None
        if self.inoperative_scheduled:
            self.inoperative, self.inoperative_scheduled = True, False
            self.station.connector_changed()
        self.station.transaction_over()

    def _lock_token(self, tx: Transaction) -> str | None:
        """The card that started ``tx`` (one a driver can present again)."""
        if tx.token is None or tx.token.get("type") == "Central":
            return None
        return str(tx.token["id_token"])

    def _charging_state(self) -> str:
        tx = self.transaction
        if not self.ev_connected:
            return "Idle"
        if tx is None or not tx.authorized:
            return "EVConnected"
        if tx.suspended_by_evse:
            return "SuspendedEVSE"
        return "Charging" if self.ev_ready else "SuspendedEV"

    def _event(
        self,
        event_type: str,
        trigger: str,
        *,
        reason: str | None = None,
        token: dict[str, Any] | None = None,
        remote: int | None = None,
        evse: bool = False,
    ) -> None:
        """A TransactionEvent, handed to the station (queued, E11/E12; offline true when
        made without a connection, E11.FR.02)."""
        tx = self.transaction
        assert tx is not None
        state = "EVConnected" if event_type == "Started" and self.ev_connected else None
        state = state or self._charging_state()
        info: dict[str, Any] = {"transaction_id": tx.transaction_id}
        if event_type == "Started" or state != tx.charging_state:
            info["charging_state"] = tx.charging_state = state
        tx.energy_flowed = tx.energy_flowed or state == "Charging"
        if reason is not None:
            info["stopped_reason"] = reason
        if remote is not None:
            info["remote_start_id"] = remote
        context = {
            "Started": "Transaction.Begin",
            "Ended": "Transaction.End",
            "Periodic": "Sample.Periodic",
        }.get("Periodic" if trigger == "MeterValuePeriodic" else event_type)
        meter = None
        if context is not None:
            sample = {
                "value": round(self.energy_wh),
                "measurand": "Energy.Active.Import.Register",
                "context": context,
            }
            meter = [{"timestamp": now_text(), "sampled_value": [sample]}]
        payload = call.TransactionEvent(
            event_type=event_type,
            timestamp=now_text(),
            trigger_reason=trigger,
            seq_no=self.seq_no,
            transaction_info=info,
            meter_value=meter,
            offline=None if self.station.online else True,
            evse={"id": 1, "connector_id": 1} if evse else None,
            id_token=token,
        )
        self.seq_no += 1
        self.station.emit(payload, self.answered_event(tx, token))

    def tick(self, seconds: float) -> None:
        """``seconds`` have passed: energy flows, an authorization lapses
        (EVConnectionTimeOut: no transaction to end), a periodic sample is due (E02.FR.10)."""
        now = self.now()
        if self.pending is not None and self.pending.until < now:
            self.pending = None
        tx = self.transaction
        if tx is None or self._charging_state() != "Charging":
            return
        self.energy_wh += POWER_W * seconds / 3600
        interval = self.model.integer("SampledDataCtrlr.TxUpdatedInterval")
        if interval > 0 and now - tx.last_sample >= interval:
            tx.last_sample = now
            self._event("Updated", "MeterValuePeriodic")

    def ongoing(self, transaction_id: str) -> bool:
        tx = self.transaction
        return tx is not None and tx.transaction_id == transaction_id

    def rebooted(self) -> None:
        self.pending = None
