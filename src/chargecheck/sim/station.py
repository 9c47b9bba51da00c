"""The simulated charge station, sans I/O: inputs in, actions out.

Inputs (each carries the station time ``now``)::

    Station(settings, store, now, physical=..., after_reset=...)   power on
    connected(now) / disconnected(now)                              the WebSocket
    receive(text, now)                                              a frame arrived
    on_time(now)                                                    a timer is due
    step(now, station.plug, 1) ...                                  a physical action
    step(now, station.transfer_done, job, data, error)              a transfer ended

Outputs: ``take_actions()`` (``SendFrame``, ``CloseConnection``, ``Reboot``,
``Download``, ``Upload``) and ``next_deadline()`` (when ``on_time`` is due next, station
seconds). The shell (``chargecheck.sim.shell``) owns the socket, the clock and the timers.

Boot (OCPP 1.6 section 4.2): BootNotification first; nothing else is sent until it is
Accepted; Pending and Rejected retry after the given interval. After the boot, a
StatusNotification for connector 0 and every connector (section 4.9), then heartbeats
every HeartbeatInterval (section 4.6). A station with the security extension queues the
security event StartupOfTheDevice (ResetOrReboot after a reboot of its own) at power-on:
it goes first once the boot is Accepted. A reconnection without reboot sends no
BootNotification: it reports what changed while offline and delivers the queue.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from chargecheck.protocol.frames import Call
from chargecheck.sim.actions import AnswerLater, Reboot
from chargecheck.sim.central_calls import HANDLERS
from chargecheck.sim.connector import Physical, Transaction
from chargecheck.sim.core import StationSettings
from chargecheck.sim.link import Outcome
from chargecheck.sim.maintenance import Maintenance
from chargecheck.sim.model_base import Answer
from chargecheck.sim.reservations import expired as reservation_expired
from chargecheck.sim.station_clock import Now
from chargecheck.sim.store import StationStore
from chargecheck.sim.transactions import Transactions
from chargecheck.sim.variants import SLOW_ANSWER_ACTIONS, SLOW_ANSWER_S

REBOOT_GRACE = 30.0  # station seconds a reboot waits for the link to deliver what it holds


@dataclass(frozen=True, slots=True)
class RebootRequest:
    reason: str
    after_reset: bool
    hard: bool = False
    wait_transactions: bool = False


class Station(Transactions, Maintenance):
    def __init__(
        self,
        settings: StationSettings,
        store: StationStore,
        now: Now,
        *,
        physical: list[Physical] | None = None,
        after_reset: bool = False,
    ) -> None:
        super().__init__(settings, store, now, physical=physical, after_reset=after_reset)
        self.rebooting = False
        self.pending_reboot: RebootRequest | None = None
        self.connections = 0  # since this power-on (defect silent_after_reconnect)
        # Answers decided and held back (variant slow_answers): token -> (frame, follow-up)
        self.held_answers: dict[int, tuple[str, Callable[[], None] | None]] = {}
        self._tokens = itertools.count(1)
        self.link.load_queue()
        self.log(f"power on: {self.boot_payload()}")
        self.boot_security_event()
        self._restore_transactions()
        self.refresh_statuses()

    def _restore_transactions(self) -> None:
        """Transactions that were running when the power went: resumed if the EV is still
        plugged and ResumeTransactionAfterPowerLoss, else stopped with reason PowerLoss."""
        resume = self.cfg_bool("ResumeTransactionAfterPowerLoss", True)
        for saved in self.store.active_transactions():
            if not 0 < saved.connector_id < len(self.connectors):
                self.store.end_transaction(saved.local_id)
                continue
            c = self.connectors[saved.connector_id]
            tx = Transaction.from_dict(saved.local_id, saved.body)
            tx.real_id = self.store.real_id(saved.local_id)[0]
            c.transaction = tx
            if "power_loss_no_stop" in self.defects:
                self.log(f"transaction {tx.local_id} forgotten after the power loss")
                self.store.end_transaction(tx.local_id)
                c.transaction = None
                c.finishing = c.plugged
            elif resume and c.plugged:
                self.log(f"transaction {tx.local_id} resumes after the power loss")
                self.update_power(c)
                self.schedule_meter(c)
            else:
                self.stop_transaction(c, "PowerLoss")

    def power_failing(self) -> None:
        """The mains went and the back-up power (variant backup_power) holds the station
        up long enough to end every transaction (reason PowerLoss, OCPP 1.6 section 7.37)
        and deliver what it holds before it goes down."""
        for c in self.outlets:
            if c.transaction is None:
                continue
            if "power_loss_no_stop" in self.defects:
                self.log(f"transaction {c.transaction.local_id} forgotten as the power fails")
                self.store.end_transaction(c.transaction.local_id)
                c.transaction = None
                c.finishing = c.plugged
                continue
            self.stop_transaction(c, "PowerLoss")

    # -- the connection ----------------------------------------------------------------------

    def _connected(self) -> None:
        self.link.online = True
        self.connections += 1
        self.muted = "silent_after_reconnect" in self.defects and self.connections > 1
        self.log("connected" + (" (muted: sends no CALL of its own)" if self.muted else ""))
        self.cancel_timer("boot")
        if "drop_offline_queue" in self.defects and self.link.queue_length:
            self.log(f"dropped {self.link.drop_queue()} queued transaction messages")
        if "offline_queue_newest_first" in self.defects:
            self.link.reverse_meter_values()
        if self.boot_accepted:
            self.link.accepted = True
            self.catch_up_statuses()
        elif "no_boot_after_reset" in self.defects and self.after_reset:
            self._accepted()
        else:
            self.send_boot()

    def _disconnected(self) -> None:
        self.log("disconnected")
        for item in self.link.disconnected():
            if item.action == "Authorize":
                c = self.connectors[item.context["connector"]]
                self.authorize_offline(c, item.context["idTag"])

    def send_boot(self, *, triggered: bool = False) -> None:
        self.link.submit_boot(self.boot_payload(), triggered=triggered)

    def _boot_result(self, outcome: Outcome) -> None:
        retry = float(self.cfg_int("BootNotificationRetryInterval", 60))
        triggered = outcome.item.context.get("triggered", False) and self.boot_accepted
        if outcome.payload is None:
            if not triggered:
                self.set_timer("boot", retry)
            return
        status, interval = outcome.payload["status"], int(outcome.payload["interval"])
        if triggered:
            if status == "Accepted" and interval > 0:
                self._set_heartbeat_interval(interval)
            return
        self.boot_status = status
        if status == "Accepted":
            if interval > 0:
                self._set_heartbeat_interval(interval)
            self._accepted()
        else:  # Pending or Rejected: try again after ``interval`` (section 4.2)
            self.set_timer("boot", interval if interval > 0 else retry)

    def _set_heartbeat_interval(self, interval: int) -> None:
        self.config.set_internal("HeartbeatInterval", str(interval))
        self.save_configuration()
        self.schedule_heartbeat()

    def _accepted(self) -> None:
        self.boot_accepted = True
        self.link.accepted = True
        self.log("boot accepted")
        self.schedule_heartbeat()
        self.schedule_aligned()
        self.report_all_statuses()
        for c in self.outlets:
            if c.plugged and c.usable and c.authorized_tag is None:
                self.await_identification(c)

    def schedule_heartbeat(self) -> None:
        interval = self.cfg_int("HeartbeatInterval", 3600)
        if "slow_heartbeat" in self.defects:
            interval *= 2
        if interval > 0 and self.boot_accepted:
            self.set_timer("heartbeat", interval)
        else:
            self.cancel_timer("heartbeat")

    # -- frames in ----------------------------------------------------------------------------

    def _handler(self, action: str) -> Callable[[dict[str, Any]], Answer] | None:
        handler = HANDLERS.get(action)
        return None if handler is None else partial(handler, self)

    def _send_answer(self, call: Call, text: str, then: Callable[[], None] | None) -> None:
        if "slow_answers" in self.variants and call.action in SLOW_ANSWER_ACTIONS:
            # Decided now, sent later by the shell's clock; what the answer causes follows
            # it (section 5.17: the TriggerMessage.conf goes before the message it asks for).
            token = next(self._tokens)
            self.held_answers[token] = (text, then)
            self.log(f"answer to {call.action} {call.unique_id} held {SLOW_ANSWER_S} s")
            self.actions.append(AnswerLater(token, SLOW_ANSWER_S))
            return
        super()._send_answer(call, text, then)

    def answer_due(self, token: int) -> None:
        """A held answer's time has come (``AnswerLater``): send it, then its follow-up."""
        held = self.held_answers.pop(token, None)
        if held is None:
            return
        text, then = held
        self._send_text(text)
        if then is not None:
            then()

    def _call_ended(self, outcome: Outcome) -> None:
        item = outcome.item
        if item.action == "Authorize":
            self.authorize_result(item.context, outcome.payload)
        elif item.action == "StartTransaction" and outcome.payload is not None:
            assert item.local_tx is not None
            self.transaction_started(item.local_tx, outcome.payload)
        elif item.action == "SecurityEventNotification":
            self.security_event_answered(outcome)

    # -- timers --------------------------------------------------------------------------------

    def _timer_handlers(self) -> dict[str, Callable[[str], None]]:
        return {
            "boot": lambda _: self.send_boot() if self.link.online else None,
            "heartbeat": lambda _: self._heartbeat(),
            "meter": lambda arg: self.meter_tick(int(arg)),
            "aligned": lambda _: self.aligned_tick(),
            "connection": lambda arg: self.connection_timed_out(int(arg)),
            "firmware": lambda _: self.start_download(),
            "install": lambda _: self.install_firmware(),
            "diagnostics": lambda _: self.start_upload(),
            "reservation": lambda arg: reservation_expired(self, int(arg)),
            "reboot": lambda _: None,  # the grace period is over: _settle reboots
        }

    # -- TriggerMessage (section 5.17) -------------------------------------------------------

    def send_triggered(self, what: str, connector_id: int | None) -> None:
        if what == "BootNotification":
            self.send_boot(triggered=True)
        elif what == "Heartbeat":
            self.link.submit("Heartbeat", {})
        elif what == "FirmwareStatusNotification":
            status = self.triggered_firmware_status()
            self.link.submit("FirmwareStatusNotification", {"status": status})
        elif what == "DiagnosticsStatusNotification":
            status = self.triggered_diagnostics_status()
            self.link.submit("DiagnosticsStatusNotification", {"status": status})
        elif what == "StatusNotification":
            chosen = self.connectors if connector_id is None else [self.connectors[connector_id]]
            for c in chosen:
                assert c.status is not None
                self.report_status(c, c.status)
        elif what == "MeterValues":
            chosen = self.outlets if not connector_id else [self.connectors[connector_id]]
            for c in chosen:
                self._triggered_meter_values(c.connector_id)

    def _triggered_meter_values(self, connector_id: int) -> None:
        c = self.connectors[connector_id]
        value = self.sample(c, "MeterValuesSampledData", "Trigger")
        if value is None or "no_meter_values" in self.defects:
            return
        payload: dict[str, Any] = {"connectorId": connector_id, "meterValue": [value]}
        if c.transaction is not None and c.transaction.real_id is not None:
            payload["transactionId"] = c.transaction.real_id
        self.link.submit("MeterValues", payload)

    # -- Reset (section 5.14) and reboots -------------------------------------------------------

    def reset(self, kind: str) -> None:
        reason = "HardReset" if kind == "Hard" else "SoftReset"
        for c in self.outlets:
            if c.transaction is not None:
                self.stop_transaction(c, reason)
        hard = kind == "Hard"
        self.pending_reboot = RebootRequest(f"{kind} reset", True, hard=hard)
        # Hard: no new CALL, only the answer to the one in flight is awaited (the rest is
        # on disk and goes after the reboot); Soft: the link delivers what it holds first.
        self.link.hold = hard
        self.set_timer("reboot", REBOOT_GRACE)

    def _settle(self) -> None:
        """After every input: statuses, the next CALL, a reboot that became due."""
        if self.rebooting:
            return
        self.refresh_statuses()
        self.link.pump(self.now.mono)
        if self.reboot_request is not None and self.pending_reboot is None:
            reason, after_reset = self.reboot_request
            self.pending_reboot = RebootRequest(reason, after_reset, wait_transactions=True)
            self.set_timer("reboot", REBOOT_GRACE)  # let the link deliver "Installed"
        request = self.pending_reboot
        if request is None:
            return
        if request.wait_transactions and any(c.transaction for c in self.outlets):
            self.set_timer("reboot", REBOOT_GRACE)  # the grace starts when the last one ends
            return
        link = self.link
        waiting = link.busy if request.hard else not link.idle
        if link.online and waiting and "reboot" in self.timers:
            return
        self.rebooting = True
        self.cancel_timer("reboot")
        self.log(f"rebooting: {request.reason}")
        self.note_reboot(request.reason)
        self.actions.append(Reboot(request.reason, request.after_reset))
