"""Charging sessions of the peer station: remote start and stop, authorisation, the
transaction's meter values, resets (OCPP 1.6 sections 3.5, 4.1, 4.7, 4.8, 4.10, 5.11,
5.12, 5.14, 5.18).

Remote start (5.11): with AuthorizeRemoteTxRequests false the idTag is not authorised;
with an EV already connected the transaction starts at once: StartTransaction, then
Charging (Available -> Charging is transition A3 of section 4.9). A connector that is
Finishing (the cable stayed in after the last transaction) goes through Preparing first
(F2, B3): the table has no Finishing -> Charging. With AuthorizeRemoteTxRequests true
the connector reports Preparing, then the station sends Authorize and starts only if it
is Accepted. Without an EV the connector waits in Preparing for ConnectionTimeOut.

Meter values: meterStart and meterStop in Wh from the register; Sample.Periodic
MeterValues of the transaction every MeterValueSampleInterval with the measurands of
MeterValuesSampledData; StopTxnSampledData as Transaction.Begin / Transaction.End in
the StopTransaction's transactionData; Sample.Clock values every ClockAlignedDataInterval.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ocpp.v16 import call

from bench.peer.model import Connector, Outgoing, Transaction, utc_now, utc_text

if TYPE_CHECKING:
    from bench.peer.station import PeerStation

log = logging.getLogger("peer")

SOFT_RESET_DRAIN = 10.0  # seconds a soft reset waits for its StopTransactions to go out


class Sessions:
    def __init__(self, station: PeerStation) -> None:
        self.station = station
        self.state = station.state
        self.idle = asyncio.Event()  # no transaction runs
        self.idle.set()

    def refresh(self) -> None:
        self.state.refresh(time.monotonic())

    def put(self, item: Outgoing) -> None:
        self.state.outbox.put(item)

    # -- remote start and stop ------------------------------------------------------------

    def can_start(self, c: Connector) -> bool:
        busy = c.transaction is not None or c.preparing or c.starting
        return not busy and self.state.status(c) != "Unavailable"

    def choose(self, connector_id: int | None) -> Connector | None:
        """The connector a RemoteStartTransaction is for: the one named, else the first
        free one with an EV connected, else the first free one."""
        if connector_id is not None:
            if not 1 <= connector_id < len(self.state.connectors):
                return None
            c = self.state.connectors[connector_id]
            return c if self.can_start(c) else None
        free = [c for c in self.state.outlets if self.can_start(c)]
        return next((c for c in free if c.ev_plugged), free[0] if free else None)

    async def remote_start(self, c: Connector, id_tag: str, profile: dict[str, Any] | None) -> None:
        try:
            authorise = self.state.config.flag("AuthorizeRemoteTxRequests")
            if authorise or not c.ev_plugged or c.finishing:
                c.preparing, c.finishing = True, False
                self.refresh()
            if authorise and await self.authorize(id_tag) != "Accepted":
                log.info("connector %d: %s not authorised, nothing starts", c.connector_id, id_tag)
                return
            if not c.ev_plugged:
                await asyncio.sleep(self.state.config.integer("ConnectionTimeOut", 60))
                log.info("connector %d: no cable within ConnectionTimeOut", c.connector_id)
                return
            self.start(c, id_tag, profile)
        finally:
            c.starting = False
            if c.transaction is None and c.preparing:
                c.preparing = False
                self.refresh()

    async def authorize(self, id_tag: str) -> str:
        """Authorize.req (4.1); offline or unanswered: the local list and cache (3.5)."""
        known = self.state.known_status(id_tag)
        if known == "Accepted" and self.state.config.flag("LocalPreAuthorize"):
            return known
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if self.station.online is not None and self.station.booted:
            self.put(
                Outgoing(
                    "Authorize",
                    lambda: call.Authorize(id_tag=id_tag),
                    on_result=lambda r: _settle(answer, r),
                )
            )
            result = await answer
            if result is not None:
                info = dict(result.id_tag_info)
                self.state.remember(id_tag, info)
                return str(info.get("status"))
        offline_ok = self.state.config.flag("LocalAuthorizeOffline")
        return known if known is not None and offline_ok else "Invalid"

    def start(self, c: Connector, id_tag: str, profile: dict[str, Any] | None) -> None:
        self.refresh()  # the register up to now
        tx = Transaction(
            c.connector_id,
            id_tag,
            c.meter.register_wh,
            utc_now(),
            c.meter.sampled_values(
                self.state.measurands("StopTxnSampledData"), "Transaction.Begin"
            ),
        )
        c.transaction, c.preparing, c.finishing = tx, False, False
        self.idle.clear()
        if profile is not None:
            self.state.profiles.set(c.connector_id, profile, tx, None)
        payload = call.StartTransaction(
            connector_id=c.connector_id,
            id_tag=id_tag,
            meter_start=tx.meter_start,
            timestamp=utc_text(tx.started_at),
        )

        def started(result: Any) -> None:
            if result is None:
                log.warning("connector %d: StartTransaction never answered", c.connector_id)
                return
            tx.transaction_id = result.transaction_id
            info = dict(result.id_tag_info)
            self.state.remember(id_tag, info)
            invalid = info.get("status") != "Accepted"
            if invalid and self.state.config.flag("StopTransactionOnInvalidId"):
                self.stop(c, "DeAuthorized")  # section 4.8 / 9.1 StopTransactionOnInvalidId

        self.put(Outgoing("StartTransaction", lambda: payload, True, started))
        self.refresh()
        self.station.spawn(lambda: self._sample(c, tx))

    def find(self, transaction_id: int) -> Connector | None:
        return next(
            (
                c
                for c in self.state.outlets
                if c.transaction is not None and c.transaction.transaction_id == transaction_id
            ),
            None,
        )

    def stop(
        self, c: Connector, reason: str, id_tag: str | None = None
    ) -> asyncio.Future[Any] | None:
        """End the transaction; the future is done once the StopTransaction was answered."""
        tx = c.transaction
        if tx is None:
            return None
        self.refresh()  # the register up to now
        c.transaction, c.finishing = None, c.ev_plugged
        if all(o.transaction is None for o in self.state.outlets):
            self.idle.set()
        self.state.profiles.end_transaction(tx)
        stamp = utc_text()
        end = c.meter.sampled_values(self.state.measurands("StopTxnSampledData"), "Transaction.End")
        data = [
            {"timestamp": utc_text(tx.started_at), "sampledValue": tx.begin_values},
            {"timestamp": stamp, "sampledValue": end},
        ]
        meter_stop = c.meter.register_wh

        def build() -> Any:
            if tx.transaction_id is None:
                return None
            return call.StopTransaction(
                meter_stop=meter_stop,
                timestamp=stamp,
                transaction_id=tx.transaction_id,
                reason=reason,
                id_tag=id_tag,
                transaction_data=[d for d in data if d["sampledValue"]] or None,
            )

        sent: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.put(Outgoing("StopTransaction", build, True, lambda r: _settle(sent, r)))
        self.refresh()
        return sent

    def power_off(self, reason: str) -> list[asyncio.Future[Any]]:
        stops = [self.stop(c, reason) for c in self.state.outlets]
        return [s for s in stops if s is not None]

    # -- meter values ---------------------------------------------------------------------

    async def _sample(self, c: Connector, tx: Transaction) -> None:
        """Sample.Periodic MeterValues while the transaction runs (queued while offline);
        the connector's offer is re-evaluated every second (schedules move on)."""
        last = time.monotonic()
        while c.transaction is tx:
            interval = self.state.config.integer("MeterValueSampleInterval")
            now = time.monotonic()
            if interval > 0 and now - last >= interval:
                self.refresh()
                last = last + interval if now - last < 2 * interval else now
                item = self.state.meter_values(c, "Sample.Periodic", "MeterValuesSampledData")
                self.put(item)
                continue
            due = last + interval - now if interval > 0 else 1.0
            await asyncio.sleep(max(0.01, min(1.0, due)))
            if c.transaction is tx:
                self.refresh()

    async def aligned_data(self) -> None:
        """Sample.Clock MeterValues at every ClockAlignedDataInterval boundary counted
        from midnight UTC (9.1), stamped with the boundary."""
        while True:
            interval = self.state.config.integer("ClockAlignedDataInterval")
            if interval <= 0:
                await asyncio.sleep(1.0)
                continue
            now = utc_now()
            since = (now - now.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds()
            wait = interval - since % interval
            await asyncio.sleep(min(wait, 1.0))
            if wait > 1.0 or not self.station.booted:
                continue
            self.refresh()
            at = now + timedelta(seconds=wait)
            for c in self.state.outlets:
                self.put(self.state.meter_values(c, "Sample.Clock", "MeterValuesAlignedData", at))
            await asyncio.sleep(0.05)  # past the boundary

    def triggered_meter_values(self, connector_id: int | None) -> None:
        self.refresh()
        for c in self.state.outlets:
            if connector_id in (None, c.connector_id):
                item = self.state.meter_values(c, "Trigger", "MeterValuesSampledData")
                item.transactional = False
                self.put(item)

    # -- status messages of the station ---------------------------------------------------

    def firmware_status(self, status: str) -> asyncio.Future[Any]:
        """Queue a FirmwareStatusNotification; the future is done once it was answered
        (or dropped with the connection)."""
        self.state.firmware_status = status
        return self._notify("FirmwareStatusNotification", call.FirmwareStatusNotification(status))

    def diagnostics_status(self, status: str) -> asyncio.Future[Any]:
        self.state.diagnostics_status = status
        payload = call.DiagnosticsStatusNotification(status)
        return self._notify("DiagnosticsStatusNotification", payload)

    def _notify(self, action: str, payload: Any) -> asyncio.Future[Any]:
        sent: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.put(Outgoing(action, lambda: payload, on_result=lambda r: _settle(sent, r)))
        return sent

    # -- reset (5.14) ---------------------------------------------------------------------

    async def reset(self, kind: str) -> None:
        """Soft: stop the transactions gracefully, let their StopTransaction go out, then
        restart. Hard: restart at once; the StopTransaction (HardReset) follows the boot."""
        await asyncio.sleep(0.2)  # the Reset.conf is on its way
        if kind == "Soft" and (stops := self.power_off("SoftReset")):
            await asyncio.wait(stops, timeout=SOFT_RESET_DRAIN)
        self.station.reboot(f"{kind} Reset", "HardReset" if kind == "Hard" else "SoftReset")

    async def when_idle(self) -> None:
        """Until no transaction runs (a firmware install waits for it, 4.5)."""
        await self.idle.wait()


def _settle(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)
