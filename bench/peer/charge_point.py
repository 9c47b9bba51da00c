"""One WebSocket connection of the peer station, on the ``ocpp`` package's
``ocpp.v16.ChargePoint``: the answers to the Central System's CALLs.

A handler answers from the station's state; work that must follow the CALLRESULT (a
StatusNotification, a transaction stop, a reboot, a file job) is left in ``_next`` and
started by the ``@after`` hook, in the station's life so that a lost connection does not
cancel it. A feature the station does not have (Reservation) has no handler: the
``ocpp`` package answers NotImplemented.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from bench.peer import transfers
from bench.peer.model import Outgoing, utc_now, utc_text
from bench.peer.smart_charging import NOMINAL_VOLTAGE, PHASES

if TYPE_CHECKING:
    from bench.peer.station import PeerStation

log = logging.getLogger("peer")

Job = Callable[[], Coroutine[Any, Any, Any]]

TRIGGERABLE = {
    "BootNotification",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "MeterValues",
    "StatusNotification",
}

BOOT_TURNS = 50  # 10 ms turns a command waits for the boot answer to be taken


class PeerChargePoint(ChargePoint):
    def __init__(self, station: PeerStation, ws: ClientConnection, timeout: float) -> None:
        super().__init__(station.state.identity, ws, response_timeout=timeout)
        self.station = station
        self.state = station.state
        self.sessions = station.sessions
        self.ws = ws
        self.reason = ""
        self._next: Job | None = None

    async def serve(self, lifecycle: Coroutine[Any, Any, None]) -> None:
        """Receive and run ``lifecycle`` until the connection ends."""
        tasks = [asyncio.ensure_future(self.start()), asyncio.ensure_future(lifecycle)]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            exc = task.exception()
            if isinstance(exc, ConnectionClosed):
                self.reason = f"connection closed ({exc})"
            elif exc is not None:
                raise exc

    async def _send(self, message: str) -> None:
        self.state.recent_log.append(f"{utc_text()} send {message}")
        if message.startswith("[2,"):
            self.station.sent_call()
        await super()._send(message)

    async def route_message(self, raw_msg: str) -> None:
        self.state.recent_log.append(f"{utc_text()} recv {raw_msg}")
        await super().route_message(raw_msg)

    def _later(self, job: Job) -> None:
        self._next = job

    def _after(self, **_: Any) -> None:
        job, self._next = self._next, None
        if job is not None:
            self.station.spawn(job)

    def _refresh_later(self) -> None:
        async def refresh() -> None:
            self.sessions.refresh()

        self._later(refresh)

    # -- Core -----------------------------------------------------------------------------

    @on(Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None, **_: Any) -> Any:
        items, unknown = self.state.config.read(key)
        return call_result.GetConfiguration(
            configuration_key=items or None, unknown_key=unknown or None
        )

    @on(Action.change_configuration)
    def on_change_configuration(self, key: str, value: str, **_: Any) -> Any:
        status = self.state.config.change(key, value)
        if status == "Accepted":
            self.station.config_changed.set()
        return call_result.ChangeConfiguration(status=status)

    @on(Action.change_availability)
    def on_change_availability(self, connector_id: int, type: str, **_: Any) -> Any:  # noqa: A002
        if not 0 <= connector_id < len(self.state.connectors):
            return call_result.ChangeAvailability(status="Rejected")
        state = self.state
        affected = state.outlets if connector_id == 0 else [state.connectors[connector_id]]
        busy = any(c.transaction is not None for c in affected)

        async def change() -> None:
            if type == "Inoperative":
                for c in affected:
                    if c.preparing and c.transaction is None:
                        c.preparing = False  # the incipient session ends: B1, then A8
                self.sessions.refresh()
                state.inoperative.add(connector_id)
            else:
                state.inoperative.discard(connector_id)
            self.sessions.refresh()

        self._later(change)
        scheduled = busy and type == "Inoperative"  # 5.2: after the transaction ends
        return call_result.ChangeAvailability(status="Scheduled" if scheduled else "Accepted")

    @after(Action.change_availability)
    def after_change_availability(self, **kwargs: Any) -> None:
        self._after(**kwargs)

    @on(Action.remote_start_transaction)
    async def on_remote_start_transaction(
        self,
        id_tag: str,
        connector_id: int | None = None,
        charging_profile: dict[str, Any] | None = None,
        **_: Any,
    ) -> Any:
        # A CALL read right behind the BootNotification.conf is handled before the boot
        # coroutine resumes to mark the station booted: give it that turn (bounded).
        for _turn in range(BOOT_TURNS):
            if self.station.booted:
                break
            await asyncio.sleep(0.01)
        c = self.sessions.choose(connector_id) if self.station.booted else None
        purpose = (charging_profile or {}).get("charging_profile_purpose", "TxProfile")
        if c is None or purpose != "TxProfile":  # 5.11: only a TxProfile may come along
            return call_result.RemoteStartTransaction(status="Rejected")
        c.starting = True
        self._later(lambda: self.sessions.remote_start(c, id_tag, charging_profile))
        return call_result.RemoteStartTransaction(status="Accepted")

    @after(Action.remote_start_transaction)
    def after_remote_start_transaction(self, **kwargs: Any) -> None:
        self._after(**kwargs)

    @on(Action.remote_stop_transaction)
    def on_remote_stop_transaction(self, transaction_id: int, **_: Any) -> Any:
        c = self.sessions.find(transaction_id)
        if c is None:
            return call_result.RemoteStopTransaction(status="Rejected")

        async def stop() -> None:
            self.sessions.stop(c, "Remote")

        self._later(stop)
        return call_result.RemoteStopTransaction(status="Accepted")

    @after(Action.remote_stop_transaction)
    def after_remote_stop_transaction(self, **kwargs: Any) -> None:
        self._after(**kwargs)

    @on(Action.unlock_connector)
    def on_unlock_connector(self, connector_id: int, **_: Any) -> Any:
        if not 1 <= connector_id < len(self.state.connectors):
            return call_result.UnlockConnector(status="NotSupported")
        c = self.state.connectors[connector_id]

        async def stop() -> None:
            self.sessions.stop(c, "UnlockCommand")  # 5.18: a transaction stops first

        self._later(stop)
        return call_result.UnlockConnector(status="Unlocked")

    @after(Action.unlock_connector)
    def after_unlock_connector(self, **kwargs: Any) -> None:
        self._after(**kwargs)

    @on(Action.reset)
    def on_reset(self, type: str, **_: Any) -> Any:  # noqa: A002
        self._later(lambda: self.sessions.reset(type))
        return call_result.Reset(status="Accepted")

    @after(Action.reset)
    def after_reset(self, **kwargs: Any) -> None:
        self._after(**kwargs)

    @on(Action.clear_cache)
    def on_clear_cache(self, **_: Any) -> Any:
        self.state.auth_cache.clear()
        return call_result.ClearCache(status="Accepted")

    @on(Action.data_transfer)
    def on_data_transfer(self, **_: Any) -> Any:
        return call_result.DataTransfer(status="UnknownVendorId")

    # -- Smart Charging -------------------------------------------------------------------

    @on(Action.set_charging_profile)
    def on_set_charging_profile(
        self, connector_id: int, cs_charging_profiles: dict[str, Any], **_: Any
    ) -> Any:
        if not 0 <= connector_id < len(self.state.connectors):
            return call_result.SetChargingProfile(status="Rejected")
        tx = self.state.connectors[connector_id].transaction if connector_id else None
        running = tx.transaction_id if tx else None
        status = self.state.profiles.set(connector_id, cs_charging_profiles, tx, running)
        self._refresh_later()
        return call_result.SetChargingProfile(status=status)

    @after(Action.set_charging_profile)
    def after_set_charging_profile(self, **kwargs: Any) -> None:
        self._after(**kwargs)

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(
        self,
        id: int | None = None,  # noqa: A002
        connector_id: int | None = None,
        charging_profile_purpose: str | None = None,
        stack_level: int | None = None,
        **_: Any,
    ) -> Any:
        status = self.state.profiles.clear(id, connector_id, charging_profile_purpose, stack_level)
        self._refresh_later()
        return call_result.ClearChargingProfile(status=status)

    @after(Action.clear_charging_profile)
    def after_clear_charging_profile(self, **kwargs: Any) -> None:
        self._after(**kwargs)

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(
        self, connector_id: int, duration: int, charging_rate_unit: str | None = None, **_: Any
    ) -> Any:
        if not 0 <= connector_id < len(self.state.connectors):
            return call_result.GetCompositeSchedule(status="Rejected")
        tx = self.state.connectors[connector_id].transaction if connector_id else None
        now = utc_now()
        periods = self.state.profiles.composite(
            connector_id, now, duration, tx.started_at if tx else None, tx
        )
        unit = charging_rate_unit or "A"
        factor = NOMINAL_VOLTAGE * PHASES if unit == "W" else 1.0
        for period in periods:
            period["limit"] = round(period["limit"] * factor, 1)
        schedule = {
            "duration": duration,
            "start_schedule": utc_text(now),
            "charging_rate_unit": unit,
            "charging_schedule_period": periods,
        }
        return call_result.GetCompositeSchedule(
            status="Accepted",
            connector_id=connector_id,
            schedule_start=utc_text(now),
            charging_schedule=schedule,
        )

    # -- Local Auth List Management -------------------------------------------------------

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **_: Any) -> Any:
        enabled = self.state.config.flag("LocalAuthListEnabled")
        version = self.state.local_list_version if self.state.local_list else 0
        return call_result.GetLocalListVersion(list_version=version if enabled else -1)

    @on(Action.send_local_list)
    def on_send_local_list(
        self,
        list_version: int,
        update_type: str,
        local_authorization_list: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> Any:
        entries = local_authorization_list or []
        status = self.state.send_local_list(list_version, update_type, entries)
        return call_result.SendLocalList(status=status)

    # -- Remote Trigger -------------------------------------------------------------------

    @on(Action.trigger_message)
    def on_trigger_message(
        self, requested_message: str, connector_id: int | None = None, **_: Any
    ) -> Any:
        if requested_message not in TRIGGERABLE:
            return call_result.TriggerMessage(status="NotImplemented")
        if connector_id is not None and not 0 <= connector_id < len(self.state.connectors):
            return call_result.TriggerMessage(status="Rejected")
        state, sessions = self.state, self.sessions

        async def send() -> None:
            if requested_message == "BootNotification":
                state.outbox.put(
                    Outgoing("BootNotification", self.station.boot_request, False, self._rebooted)
                )
            elif requested_message == "Heartbeat":
                self.station.heartbeat()
            elif requested_message == "FirmwareStatusNotification":
                sessions.firmware_status(state.firmware_status)
            elif requested_message == "DiagnosticsStatusNotification":
                sessions.diagnostics_status(state.diagnostics_status)
            elif requested_message == "MeterValues":
                sessions.triggered_meter_values(connector_id)
            else:
                sessions.refresh()
                for c in state.connectors:
                    if connector_id in (None, c.connector_id):
                        state.announce(c, state.status(c))

        self._later(send)
        return call_result.TriggerMessage(status="Accepted")

    def _rebooted(self, answer: Any) -> None:
        self.station.boot_answer(answer)

    @after(Action.trigger_message)
    def after_trigger_message(self, **kwargs: Any) -> None:
        self._after(**kwargs)

    # -- Firmware Management --------------------------------------------------------------

    @on(Action.update_firmware)
    def on_update_firmware(
        self,
        location: str,
        retrieve_date: str,
        retries: int | None = None,
        retry_interval: int | None = None,
        **_: Any,
    ) -> Any:
        self._later(
            lambda: transfers.update_firmware(
                self.station, location, retrieve_date, retries or 0, retry_interval
            )
        )
        return call_result.UpdateFirmware()

    @after(Action.update_firmware)
    def after_update_firmware(self, **kwargs: Any) -> None:
        self._after(**kwargs)

    @on(Action.get_diagnostics)
    def on_get_diagnostics(
        self, location: str, retries: int | None = None, retry_interval: int | None = None, **_: Any
    ) -> Any:
        name = f"{self.state.identity}-diag-{datetime.now(UTC):%Y%m%dT%H%M%S}.log"
        self._later(
            lambda: transfers.upload_diagnostics(
                self.station, location, name, retries or 0, retry_interval
            )
        )
        return call_result.GetDiagnostics(file_name=name)

    @after(Action.get_diagnostics)
    def after_get_diagnostics(self, **kwargs: Any) -> None:
        self._after(**kwargs)
