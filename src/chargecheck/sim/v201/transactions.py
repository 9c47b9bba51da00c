"""Transactions of the 2.0.1 station: when one starts and ends (TxCtrlr.TxStartPoint /
TxStopPoint), the TransactionEvents that tell the CSMS, and the meter in them.

Use case E01 (start points) and E06 (stop points): the station keeps, per EVSE, the facts
the points name (``facts``); a transaction starts when one of the TxStartPoint facts holds,
and ends when one of the TxStopPoint facts that held stops holding. Whatever is set in
TxCtrlr is read at each decision. Points this station has no sensor for (ParkingBay-
Occupancy, DataSigned) are not in the profile's valuesList: SetVariables rejects them.

The station ends a transaction too when nothing is left of it (no cable, no
authorisation), whatever the stop points say, so that no transaction outlives its session.

Each TransactionEvent (part 2, TransactionEventRequest):

- seqNo starts at 0 with the Started event and goes up by one per message of the
  transaction (E01; the defect seq_no_gap skips one);
- triggerReason and stoppedReason come from ``CAUSES``: one table, cause -> reasons;
- offline is true for an event that happened while the station had no connection
  (E04.FR.03); the event goes to the persistent queue either way (``Link``);
- the idToken goes once, in the first event after the authorisation (E01 / E02 / E03);
- meterValue: Transaction.Begin readings of SampledDataCtrlr.TxStartedMeasurands in the
  Started event, Sample.Periodic ones of TxUpdatedMeasurands every TxUpdatedInterval in
  Updated events (triggerReason MeterValuePeriodic), Transaction.End ones of
  TxEndedMeasurands in the Ended event.

ChangeAvailability lives here too: what goes Inoperative while a transaction runs on it
waits for that transaction to end (G03 / G04: Scheduled).
"""

from __future__ import annotations

import uuid
from typing import Any

from chargecheck.sim.v201.core import StationCore201
from chargecheck.sim.v201.evse import Authorization, Evse, Transaction

# cause -> (triggerReason, stoppedReason should the cause end the transaction)
CAUSES: dict[str, tuple[str, str]] = {
    "plug": ("CablePluggedIn", "Other"),
    "unplug": ("EVCommunicationLost", "EVDisconnected"),
    "authorized": ("Authorized", "Other"),
    "remote_start": ("RemoteStart", "Other"),
    "local_stop": ("StopAuthorized", "Local"),
    "remote_stop": ("RemoteStop", "Remote"),
    "deauthorized": ("Deauthorized", "DeAuthorized"),
    "timeout": ("EVConnectTimeout", "Timeout"),
    "reset": ("ResetCommand", "ImmediateReset"),
    "ev_state": ("ChargingStateChanged", "StoppedByEV"),
    "power_loss": ("AbnormalCondition", "PowerLoss"),
    "availability": ("ChargingStateChanged", "Other"),
}

POINTS = ("EVConnected", "Authorized", "PowerPathClosed", "EnergyTransfer")
NOMINAL_VOLTAGE = 230.0
PHASES = 3
ENDED_KEPT = 100  # ids of ended transactions remembered for GetTransactionStatus


class Transactions(StationCore201):
    # -- the facts the points name ---------------------------------------------------------

    def facts(self, e: Evse) -> dict[str, bool]:
        connected = e.plugged
        authorized = e.authorization is not None
        power_path = connected and authorized and self.usable(e) and not e.session_over
        return {
            "EVConnected": connected,
            "Authorized": authorized,
            "PowerPathClosed": power_path,
            "EnergyTransfer": power_path and e.ev_ready,
        }

    def charging_state(self, e: Evse) -> str:
        f = self.facts(e)
        if not f["EVConnected"]:
            return "Idle"
        if not f["PowerPathClosed"]:
            return "EVConnected"
        return "Charging" if e.ev_ready else "SuspendedEV"

    def points(self, name: str) -> list[str]:
        return [p for p in self.model.members("TxCtrlr", name) if p in POINTS]

    # -- deciding ---------------------------------------------------------------------------

    def tx_event(self, e: Evse, cause: str) -> None:
        """Something changed at ``e`` because of ``cause``: start, update or end its
        transaction as the points say (module docstring)."""
        self.advance_meter(e)
        before = e.conditions
        facts = self.facts(e)
        e.conditions = facts
        tx = e.transaction
        trigger, stopped = CAUSES[cause]
        if tx is None:
            if not e.session_over and any(facts[p] for p in self.points("TxStartPoint")):
                self._start(e, trigger)
            return
        fell = [p for p in self.points("TxStopPoint") if before.get(p) and not facts[p]]
        if fell or not (facts["EVConnected"] or facts["Authorized"]):
            self.end_transaction(e, trigger, stopped)
            return
        new_token = e.authorization is not None and not tx.token_sent
        if self.charging_state(e) != tx.charging_state or new_token:
            self.send_event(e, "Updated", trigger)

    def authorize(self, e: Evse, id_token: dict[str, Any], cause: str, remote: int | None) -> None:
        e.authorization = Authorization(id_token, remote, self.now.mono)
        if not e.plugged:
            # E03: the driver has EVConnectionTimeOut to plug the cable in.
            timeout = self.model.integer("TxCtrlr", "EVConnectionTimeOut", 60)
            self.set_timer(f"connection:{e.id}", timeout)
        self.tx_event(e, cause)

    def connection_timed_out(self, evse_id: int) -> None:
        """E03 (EVConnectionTimeOut): no cable came after the authorisation; it lapses."""
        e = self.evses[evse_id]
        if e.plugged or e.authorization is None or "ev_connect_timeout_ignored" in self.defects:
            return
        self.log(f"EVSE {e.id}: no cable within EVConnectionTimeOut, authorisation lapses")
        e.authorization = None
        self.tx_event(e, "timeout")

    def deauthorize(self, e: Evse, cause: str) -> None:
        e.authorization = None
        self.cancel_timer(f"connection:{e.id}")
        self.tx_event(e, cause)

    # -- the messages -------------------------------------------------------------------------

    def _start(self, e: Evse, trigger: str) -> None:
        auth = e.authorization
        e.transaction = Transaction(
            str(uuid.uuid4()),
            e.id,
            e.plugged_connector,
            remote_start_id=auth.remote_start_id if auth else None,
        )
        self.log(f"EVSE {e.id}: transaction {e.transaction.transaction_id} starts ({trigger})")
        self.send_event(e, "Started", trigger)
        self.schedule_meter(e)

    def end_transaction(self, e: Evse, trigger: str, stopped: str) -> None:
        tx = e.transaction
        assert tx is not None
        self.advance_meter(e)
        self.send_event(e, "Ended", trigger, stopped_reason=stopped)
        self.log(f"EVSE {e.id}: transaction {tx.transaction_id} ends ({stopped})")
        e.transaction = None
        e.authorization = None
        e.session_over = e.plugged  # E06: a new session needs the cable out first
        e.conditions = self.facts(e)
        self.cancel_timer(f"updated:{e.id}")
        self.cancel_timer(f"connection:{e.id}")
        ended: list[str] = self.store.get("ended_transactions", [])
        self.store.put("ended_transactions", [*ended[-ENDED_KEPT + 1 :], tx.transaction_id])
        self.save_transactions()

    def send_event(
        self,
        e: Evse,
        event_type: str,
        trigger: str,
        *,
        stopped_reason: str | None = None,
        meter: list[dict[str, Any]] | None = None,
    ) -> None:
        tx = e.transaction
        assert tx is not None
        if "seq_no_gap" in self.defects and tx.seq_no == 1:
            tx.seq_no = 2
        state = self.charging_state(e)
        info: dict[str, Any] = {"transactionId": tx.transaction_id, "chargingState": state}
        info["timeSpentCharging"] = int(tx.charging_seconds)
        if tx.remote_start_id is not None:
            info["remoteStartId"] = tx.remote_start_id
        if stopped_reason is not None and "stopped_reason_missing" not in self.defects:
            info["stoppedReason"] = stopped_reason
        payload: dict[str, Any] = {
            "eventType": event_type,
            "timestamp": self.now.text,
            "triggerReason": trigger,
            "seqNo": tx.seq_no,
            "transactionInfo": info,
        }
        if not self.link.online and "offline_flag_missing" not in self.defects:
            payload["offline"] = True  # E04.FR.03
        payload["evse"] = {"id": e.id, "connectorId": tx.connector_id}
        if e.authorization is not None and not tx.token_sent:
            payload["idToken"] = e.authorization.id_token
            tx.id_token = e.authorization.id_token
            tx.token_sent = True
        if meter is None:
            context, variable = {
                "Started": ("Transaction.Begin", "TxStartedMeasurands"),
                "Ended": ("Transaction.End", "TxEndedMeasurands"),
            }.get(event_type, (None, None))
            if context is not None and variable is not None:
                meter = self.sample(e, context, variable)
        if meter:
            payload["meterValue"] = meter
        tx.seq_no += 1
        tx.charging_state = state
        self.link.submit_transaction(payload)
        self.save_transactions()

    # -- the meter (SampledDataCtrlr) ---------------------------------------------------------

    def advance_meter(self, e: Evse) -> None:
        """Bring the energy register up to now: it counts while the EVSE delivers."""
        elapsed = max(0.0, self.now.mono - e.metered_at)
        e.metered_at = self.now.mono
        tx = e.transaction
        if tx is not None and tx.charging_state == "Charging" and elapsed:
            e.energy_wh += e.max_power * elapsed / 3600.0
            tx.charging_seconds += elapsed
            self.store.put(f"energy:{e.id}", e.energy_wh)

    def sample(
        self, e: Evse, context: str, variable: str, component: str = "SampledDataCtrlr"
    ) -> list[dict[str, Any]]:
        """One MeterValueType of the measurands ``<component>.<variable>`` names (empty if
        it names none or SampledDataCtrlr is disabled)."""
        if component == "SampledDataCtrlr" and not self.model.boolean(component, "Enabled", True):
            return []
        power = self.power_w(e)
        readings = {
            "Energy.Active.Import.Register": (round(e.energy_wh, 3), "Wh"),
            "Power.Active.Import": (round(power, 1), "W"),
            "Current.Import": (round(power / NOMINAL_VOLTAGE / PHASES, 2), "A"),
            "Voltage": (NOMINAL_VOLTAGE, "V"),
        }
        values = [
            {
                "value": readings[m][0],
                "context": context,
                "measurand": m,
                "unitOfMeasure": {"unit": readings[m][1]},
            }
            for m in self.model.members(component, variable)
            if m in readings
        ]
        return [{"timestamp": self.now.text, "sampledValue": values}] if values else []

    def schedule_meter(self, e: Evse) -> None:
        interval = self.model.integer("SampledDataCtrlr", "TxUpdatedInterval", 0)
        if e.transaction is not None and interval > 0:
            self.set_timer(f"updated:{e.id}", interval)
        else:
            self.cancel_timer(f"updated:{e.id}")

    def meter_tick(self, evse_id: int) -> None:
        e = self.evses[evse_id]
        if e.transaction is None:
            return
        self.advance_meter(e)
        meter = self.sample(e, "Sample.Periodic", "TxUpdatedMeasurands")
        if meter:
            self.send_event(e, "Updated", "MeterValuePeriodic", meter=meter)
        self.schedule_meter(e)

    # -- ChangeAvailability (G03 / G04) ----------------------------------------------------

    def change_availability(
        self, operative: bool, evse_id: int | None, connector_id: int | None
    ) -> str:
        """Accepted, or Scheduled when a transaction on what goes inoperative must end
        first; a ``ValueError`` for an EVSE or connector the station does not have."""
        if evse_id is not None:
            e = self.evse(evse_id)
            if connector_id is not None:
                e.connector(connector_id)
            busy = e.transaction is not None
        else:
            busy = bool(self.running())
        if busy and not operative:
            self.scheduled_availability.append((evse_id, connector_id, operative))
            return "Scheduled"
        self._apply_availability(evse_id, connector_id, operative)
        return "Accepted"

    def _apply_availability(
        self, evse_id: int | None, connector_id: int | None, operative: bool
    ) -> None:
        if evse_id is None:
            self.station_operative = operative
        elif connector_id is None:
            self.evses[evse_id].operative = operative
        else:
            self.evses[evse_id].connector(connector_id).operative = operative
        self.save_availability()

    def _apply_scheduled_availability(self) -> None:
        for item in list(self.scheduled_availability):
            evse_id = item[0]
            busy = self.running() if evse_id is None else self.evses[evse_id].transaction
            if not busy:
                self.scheduled_availability.remove(item)
                self._apply_availability(*item)

    # -- persistence ----------------------------------------------------------------------------

    def save_transactions(self) -> None:
        running = {str(e.id): e.transaction.to_dict() for e in self.evses.values() if e.transaction}
        self.store.put("transactions", running)

    def end_lost_transactions(self) -> None:
        """At power-on: the transactions that ran when the power went end (PowerLoss)."""
        saved: dict[str, dict[str, Any]] = self.store.get("transactions", {})
        for evse_id, body in saved.items():
            e = self.evses.get(int(evse_id))
            if e is None:
                continue
            e.transaction = Transaction.from_dict(body)
            trigger, stopped = CAUSES["power_loss"]
            self.end_transaction(e, trigger, stopped)
        self.store.put("transactions", {})

    def running(self) -> list[Evse]:
        return [e for e in self.evses.values() if e.transaction is not None]

    def find_transaction(self, transaction_id: str) -> Evse | None:
        for e in self.running():
            assert e.transaction is not None
            if e.transaction.transaction_id == transaction_id:
                return e
        return None
