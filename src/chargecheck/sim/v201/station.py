"""The simulated OCPP 2.0.1 charging station, sans I/O: inputs in, actions out.

Inputs (each carries the station time ``now``)::

    Station201(settings, store, now, physical=...)      power on
    connected(now) / disconnected(now)                   the WebSocket
    receive(text, now)                                   a frame arrived
    on_time(now)                                         a timer is due
    step(now, station.plug, 1) ...                       a physical act

Outputs: ``take_actions()`` (``SendFrame``, ``Reboot``) and ``next_deadline()`` (station
seconds). The shell (``chargecheck.sim.v201.shell``) owns the socket, clock and timers.

Boot (use cases B01-B03): BootNotification first, with the reason of the last reboot
(PowerUp, RemoteReset, LocalReset). Accepted: the interval becomes
OCPPCommCtrlr.HeartbeatInterval (if not 0), a StatusNotification for every connector
follows (B01), then heartbeats. Pending: nothing of the station's own is sent (B02.FR.02)
but what the CSMS asks for; RequestStart/StopTransaction are Rejected (B02.FR.05); the
BootNotification goes again after ``interval``. Rejected: every request of the CSMS but a
TriggerMessage(BootNotification) is answered CALLERROR SecurityError (B03) and the
BootNotification goes again after ``interval``.

A reconnection without reboot sends no BootNotification; after an outage longer than
OCPPCommCtrlr.OfflineThreshold every connector's status is reported again, after a
shorter one only those that changed (B04). Queued TransactionEvents go in order.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from chargecheck.protocol.frames import Call, CallError, encode_frame
from chargecheck.sim.actions import Reboot
from chargecheck.sim.model_base import Answer
from chargecheck.sim.station_clock import Now
from chargecheck.sim.store import StationStore
from chargecheck.sim.v201.central_calls import HANDLERS, REJECTED_WHILE_PENDING, WHILE_PENDING
from chargecheck.sim.v201.core import Physical, Station201Settings
from chargecheck.sim.v201.evse import Evse
from chargecheck.sim.v201.link import Outcome
from chargecheck.sim.v201.transactions import CAUSES, Transactions

BOOT_RETRY = 30.0  # station seconds before a BootNotification that failed goes again
REBOOT_GRACE = 30.0  # station seconds a reboot waits for the link to deliver what it holds


class Station201(Transactions):
    TRIGGERABLE = frozenset(
        {
            "BootNotification",
            "Heartbeat",
            "StatusNotification",
            "MeterValues",
            "TransactionEvent",
            "FirmwareStatusNotification",
            "LogStatusNotification",
        }
    )

    def __init__(
        self,
        settings: Station201Settings,
        store: StationStore,
        now: Now,
        *,
        physical: Physical | None = None,
    ) -> None:
        super().__init__(settings, store, now, physical=physical)
        self.boot_reason = str(store.get("boot_reason") or "PowerUp")
        store.put("boot_reason", "PowerUp")  # unless a reset says otherwise before the next
        self.rebooting = False
        self.pending_reboot: str | None = None  # the Reset type waited for
        self.offline_since: float | None = now.mono
        # EVSE id -> the token whose AuthorizeRequest is on its way
        self.authorizing: dict[int, dict[str, Any]] = {}
        # EVSE id -> remoteStartId of a remote start waiting for its AuthorizeResponse
        self.remote_ids: dict[int, int] = {}
        self.link.load_queue()
        self.log(f"power on ({self.boot_reason})")
        self.end_lost_transactions()
        self.refresh_statuses()
        for e in self.evses.values():
            e.conditions = self.facts(e)

    # -- the physical world ---------------------------------------------------------------

    def plug(self, evse_id: int, connector_id: int = 1) -> None:
        e = self.evse(evse_id)
        c = e.connector(connector_id)
        if c.plugged:
            return
        c.plugged = True
        self.physical[(evse_id, connector_id)] = True
        self.cancel_timer(f"connection:{e.id}")
        if "no_status_on_plug" in self.defects:
            self.quietly_refresh(e)
        self.tx_event(e, "plug")

    def unplug(self, evse_id: int, connector_id: int = 1) -> None:
        e = self.evse(evse_id)
        c = e.connector(connector_id)
        if not c.plugged:
            return
        c.plugged = False
        self.physical[(evse_id, connector_id)] = False
        # E09 / E10: this station's cables are attached (cType2), so a plug out is a
        # disconnect at the EV side: StopTxOnEVSideDisconnect deauthorizes the transaction
        # (E09.FR.01), else it waits EVConnectionTimeOut for the car to come back (E10.FR.02).
        stop = self.model.boolean("TxCtrlr", "StopTxOnEVSideDisconnect", True)
        if e.transaction is not None and not e.plugged:
            if stop and "ev_side_disconnect_ignored" not in self.defects:
                e.authorization = None
            elif e.authorization is not None:
                timeout = self.model.integer("TxCtrlr", "EVConnectionTimeOut", 60)
                self.set_timer(f"connection:{e.id}", timeout)
        self.tx_event(e, "unplug")
        if not e.plugged:
            e.session_over = False
            e.authorization = None if e.transaction is None else e.authorization

    def set_ev_ready(self, evse_id: int, ready: bool) -> None:
        """The car starts (True) or stops (False) drawing power (SuspendedEV)."""
        e = self.evse(evse_id)
        e.ev_ready = ready
        self.tx_event(e, "ev_state")

    def present_id_token(self, evse_id: int, id_token: str, token_type: str = "ISO14443") -> None:
        """A card at ``evse_id``: the token charging there stops (E07: no Authorize for the
        same token); another is authorised (C01: AuthorizeRequest, or the offline rules)."""
        e = self.evse(evse_id)
        token = {"idToken": id_token, "type": token_type}
        if e.id in self.authorizing:
            self.log(f"EVSE {e.id}: {id_token} ignored, an AuthorizeRequest is on its way")
            return
        auth = e.authorization
        if auth is not None:
            if auth.id_token["idToken"] == id_token:
                self.deauthorize(e, "local_stop")
            else:
                self.log(f"EVSE {e.id}: {id_token} ignored, {auth.id_token['idToken']} holds it")
            return
        if e.transaction is None and (e.session_over or not self.usable(e)):
            self.log(f"EVSE {e.id}: {id_token} ignored, the EVSE cannot start now")
            return
        if self.link.online and self.link.registration == "Accepted":
            self.link.submit("Authorize", {"idToken": token})
            self.authorizing[e.id] = token
        else:
            self._authorize_offline(e, token)

    def _authorize_offline(self, e: Evse, token: dict[str, Any]) -> None:
        """C01 offline: a station without its CSMS starts for an unknown id only with
        LocalAuthorizeOffline and OfflineTxForUnknownIdEnabled."""
        m = self.model
        if m.boolean("AuthCtrlr", "LocalAuthorizeOffline", True) and m.boolean(
            "AuthCtrlr", "OfflineTxForUnknownIdEnabled", False
        ):
            self.authorize(e, token, "authorized", None)
        else:
            self.log(f"EVSE {e.id}: {token['idToken']} refused offline")

    # -- the connection ---------------------------------------------------------------------

    def _connected(self) -> None:
        self.link.online = True
        offline_for = None if self.offline_since is None else self.now.mono - self.offline_since
        self.offline_since = None
        self.log("connected")
        self.cancel_timer("boot")
        if self.link.registration != "Accepted":
            self.send_boot()
            return
        threshold = self.model.integer("OCPPCommCtrlr", "OfflineThreshold", 60)
        long = (offline_for or 0) > threshold
        if {"offline_reports_all", "offline_reports_changed_only"} & self.defects:
            long = "offline_reports_all" in self.defects
        for c in self.connectors():  # B04
            if long or c.status != c.reported:
                self.report_status(c)

    def _disconnected(self) -> None:
        self.log("disconnected")
        self.offline_since = self.now.mono
        for item in self.link.disconnected():
            if item.action == "StatusNotification":  # not delivered: reported again once back
                payload = item.payload
                self.evse(payload["evseId"]).connector(payload["connectorId"]).reported = None
            if item.action == "Authorize":
                for evse_id, token in list(self.authorizing.items()):
                    if token == item.payload["idToken"]:
                        del self.authorizing[evse_id]
                        self._authorize_offline(self.evses[evse_id], token)

    def send_boot(self) -> None:
        self.link.submit_boot(self.boot_payload(self.boot_reason))

    def _boot_result(self, outcome: Outcome) -> None:
        if outcome.payload is None:
            self.set_timer("boot", BOOT_RETRY)
            return
        status, interval = outcome.payload["status"], int(outcome.payload["interval"])
        was = self.link.registration
        self.link.registration = status
        self.log(f"boot {status} (interval {interval})")
        if status == "Accepted":
            if interval > 0:  # B01: the interval is the heartbeat interval
                address = self.model.address("OCPPCommCtrlr", "HeartbeatInterval")
                self.model.set_internal(address, str(interval))
                self.save_device_model()
            if was != "Accepted":
                self.report_all_statuses()
            self.schedule_heartbeat()
            return
        # Pending or Rejected: again after ``interval`` (0: the station's own choice).
        self.set_timer("boot", interval if interval > 0 else BOOT_RETRY)
        if status == "Rejected" and "rejected_boot_chatters" in self.defects:
            call = self.endpoint.call("Heartbeat", {}, self.now.mono, self._limits().call_timeout)
            self._send_text(encode_frame(call))  # past the link: B03.FR.02 forbids it
        if status == "Pending" and "boot_ignores_pending" in self.defects:
            self.report_all_statuses()
            self.schedule_heartbeat()

    def schedule_heartbeat(self) -> None:
        interval = self.model.integer("OCPPCommCtrlr", "HeartbeatInterval", 0)
        if interval > 0 and self.may_report:
            self.set_timer("heartbeat", interval)
        else:
            self.cancel_timer("heartbeat")

    def variables_changed(self) -> None:
        """After a SetVariables: the intervals it may have changed apply at once."""
        self.schedule_heartbeat()
        for e in self.running():
            self.schedule_meter(e)

    # -- frames in ---------------------------------------------------------------------------

    def _gate(self, call: Call) -> dict[str, Any] | str | None:
        """What the registration state makes of ``call``: None (answer it), a payload
        (B02.FR.05), or a CALLERROR code (B03)."""
        registration = self.link.registration
        if registration == "Accepted":
            return None
        if registration == "Pending":
            if call.action in WHILE_PENDING:
                return None
            if call.action in REJECTED_WHILE_PENDING:
                return {"status": "Rejected"}
            return "SecurityError"
        boot = call.payload.get("requestedMessage") == "BootNotification"
        if "rejected_boot_answers" in self.defects:
            return None
        return None if call.action == "TriggerMessage" and boot else "SecurityError"

    def _answer(self, call: Call) -> None:
        gate = self._gate(call)
        if isinstance(gate, str):
            reason = f"{call.action} refused: the registration is {self.link.registration}"
            self._send_text(encode_frame(CallError(call.unique_id, gate, reason)))
            return
        if gate is not None and call.action in HANDLERS:  # B02.FR.05: answered by the gate
            self._send_answer(call, encode_frame(self.endpoint.result(call, gate)), None)
            return
        super()._answer(call)

    def _handler(self, action: str) -> Callable[[dict[str, Any]], Answer] | None:
        handler = HANDLERS.get(action)
        return None if handler is None else partial(handler, self)

    def _call_ended(self, outcome: Outcome) -> None:
        item = outcome.item
        if item.action == "Authorize":
            self._authorize_result(item.payload["idToken"], outcome.payload)
        elif item.action == "TransactionEvent" and outcome.payload is not None:
            self._transaction_answered(item.payload, outcome.payload)

    def _authorize_result(self, token: dict[str, Any], answer: dict[str, Any] | None) -> None:
        for evse_id, waiting in list(self.authorizing.items()):
            if waiting != token:
                continue
            del self.authorizing[evse_id]
            e = self.evses[evse_id]
            status = (answer or {}).get("idTokenInfo", {}).get("status")
            if status == "Accepted" and e.authorization is None:
                remote = self.remote_ids.pop(evse_id, None)
                self.authorize(e, token, "remote_start" if remote else "authorized", remote)
            else:
                self.remote_ids.pop(evse_id, None)
                self.log(f"EVSE {evse_id}: {token['idToken']} not authorised ({status})")

    def _transaction_answered(self, sent: dict[str, Any], answer: dict[str, Any]) -> None:
        """A TransactionEventResponse refusing the idToken ends the charging (E05 / E06:
        Deauthorized) when TxCtrlr.StopTxOnInvalidId says so."""
        status = (answer.get("idTokenInfo") or {}).get("status", "Accepted")
        e = self.find_transaction(sent["transactionInfo"]["transactionId"])
        if status == "Accepted" or e is None or e.authorization is None:
            return
        if "invalid_token_kept" in self.defects:
            return
        if self.model.boolean("TxCtrlr", "StopTxOnInvalidId", True):
            self.deauthorize(e, "deauthorized")

    # -- remote start (F01 / F02) ----------------------------------------------------------------

    def evse_for_remote_start(self, evse_id: int | None) -> Evse | None:
        """The EVSE a RequestStartTransaction can start on, or None (Rejected): usable,
        not authorised already, no cable left from a finished session."""

        def free(e: Evse) -> bool:
            taken = e.authorization is not None or e.id in self.authorizing
            return self.usable(e) and not taken and not e.session_over

        if evse_id is not None:
            e = self.evses.get(evse_id)
            return e if e is not None and free(e) else None
        return next((e for e in self.evses.values() if free(e) and e.transaction is None), None)

    def remote_start(self, e: Evse, token: dict[str, Any], remote_start_id: int) -> None:
        if self.model.boolean("AuthCtrlr", "AuthorizeRemoteStart", False):
            self.link.submit("Authorize", {"idToken": token})  # F02: authorise it first
            self.authorizing[e.id] = token
            self.remote_ids[e.id] = remote_start_id
            return
        self.authorize(e, token, "remote_start", remote_start_id)

    # -- TriggerMessage (F06) ------------------------------------------------------------------

    def may_trigger(self, what: str, evse_id: int | None) -> bool:
        if what == "BootNotification":
            return self.link.registration != "Accepted"  # nothing to register again
        if what == "TransactionEvent" and evse_id is not None:
            return self.evses[evse_id].transaction is not None
        return True

    def send_triggered(self, what: str, evse_id: int | None, connector_id: int | None) -> None:
        chosen = [self.evses[evse_id]] if evse_id is not None else list(self.evses.values())
        if what == "BootNotification":
            self.cancel_timer("boot")
            self.send_boot()
        elif what == "Heartbeat":
            self.link.submit("Heartbeat", {}, requested=True)
        elif what == "StatusNotification":
            for e in chosen:
                for c in e.connectors:
                    if connector_id in (None, c.connector_id):
                        self.report_status(c, requested=True)
        elif what == "MeterValues":
            for e in chosen:
                self.advance_meter(e)
                # F06: a triggered MeterValuesRequest carries AlignedDataCtrlr.Measurands.
                meter = self.sample(e, "Trigger", "Measurands", "AlignedDataCtrlr")
                if meter:
                    payload = {"evseId": e.id, "meterValue": meter}
                    self.link.submit("MeterValues", payload, requested=True)
        elif what == "TransactionEvent":
            for e in chosen:
                if e.transaction is not None:
                    self.advance_meter(e)
                    meter = self.sample(e, "Trigger", "TxUpdatedMeasurands")
                    self.send_event(e, "Updated", "Trigger", meter=meter)
        elif what in ("FirmwareStatusNotification", "LogStatusNotification"):
            self.link.submit(what, {"status": "Idle"}, requested=True)

    # -- Reset (B11 / B12) and reboots ------------------------------------------------------

    def reset(self, kind: str) -> None:
        """Immediate: every transaction ends (ResetCommand, ImmediateReset), then the
        station reboots; OnIdle: it reboots once the last transaction has ended."""
        deferred = kind == "OnIdle" and bool(self.running())
        if kind == "Immediate" or "reset_cuts_transaction" in self.defects:
            trigger, stopped = CAUSES["reset"]
            for e in self.running():
                if "reset_skips_ended" in self.defects:
                    e.transaction = None  # saved: it ends (PowerLoss) after the boot
                else:
                    self.end_transaction(e, trigger, stopped)
        self.pending_reboot = kind
        self.store.put("boot_reason", "ScheduledReset" if deferred else "RemoteReset")
        self.set_timer("reboot", REBOOT_GRACE)

    def local_reboot(self) -> None:
        """The station's own restart (its service menu): as an Immediate Reset, booting
        with reason LocalReset."""
        self.reset("Immediate")
        self.store.put("boot_reason", "LocalReset")

    def _settle(self) -> None:
        """After every input: statuses, the next CALL, a reboot that became due."""
        if self.rebooting:
            return
        self._apply_scheduled_availability()
        self.refresh_statuses()
        self.link.pump(self.now.mono)
        if self.pending_reboot is None or self.running():
            if self.pending_reboot is not None:
                self.set_timer("reboot", REBOOT_GRACE)  # the grace starts at the last end
            return
        if self.link.online and not self.link.idle and "reboot" in self.timers:
            return  # let the link deliver what it holds first
        self.rebooting = True
        self.cancel_timer("reboot")
        self.log(f"rebooting: {self.pending_reboot} reset")
        self.actions.append(Reboot(f"{self.pending_reboot} reset", after_reset=True))

    # -- timers -----------------------------------------------------------------------------------

    def _timer_handlers(self) -> dict[str, Callable[[str], None]]:
        return {
            "boot": lambda _: self.send_boot() if self.link.online else None,
            "heartbeat": lambda _: self._heartbeat(),
            "updated": lambda arg: self.meter_tick(int(arg)),
            "connection": lambda arg: self.connection_timed_out(int(arg)),
            "reboot": lambda _: None,  # the grace period is over: _settle reboots
        }
