"""A charge station that shares no code with chargecheck: the bench's second opinion.

Built on the ``ocpp`` package's ``ocpp.v16.ChargePoint`` (client side) and websockets'
asyncio client, subprotocol ``ocpp1.6``. It behaves as an honest OCPP 1.6 charger for
what rows 1-5, 12 and 13 of the script ask:

- BootNotification (section 4.2) with vendor, model, serial numbers, iccid and
  firmwareVersion; the answer's interval becomes HeartbeatInterval; then a
  StatusNotification per connector, 0 included (section 4.9), and Heartbeats;
- GetConfiguration / ChangeConfiguration (sections 5.8, 5.3) on a small key table;
- ChangeAvailability (5.2), TriggerMessage (5.17), Reset (5.14), ClearCache (5.4);
- UpdateFirmware (5.19, 4.5): fetch the location (http with urllib, ftp with ftplib),
  report Downloading, Downloaded, Installing, Installed and reboot at once: close the
  WebSocket, reconnect and boot with the new firmwareVersion (the file's manifest
  version where it has one, else the first version + "-" + 8 hex digits of its sha256).
  ``--no-reboot-after-installed``: reboot after Installing, report Installed after the
  new BootNotification (the other order stations use);
- GetDiagnostics (5.9, 4.4): answer a file name, upload a log to the FTP location,
  report Uploading and Uploaded (or UploadFailed).

``--change-configuration-answer NotSupported`` answers every ChangeConfiguration with
that status. The station reconnects with a bounded back-off and stops on SIGINT/SIGTERM
or after ``--max-seconds``::

    python -m bench.peer_station ws://127.0.0.1:9000/ocpp PEER-1 --max-seconds 300
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ftplib
import hashlib
import io
import json
import logging
import signal
import urllib.request
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from ocpp.routing import after, on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

log = logging.getLogger("peer")

TRIGGERABLE = {
    "BootNotification",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "MeterValues",
    "StatusNotification",
}
CONFIGURATION_ANSWERS = ("Accepted", "Rejected", "RebootRequired", "NotSupported")
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_RETRIES = 3  # of a download or an upload, whatever the Central System asks
MAX_RETRY_WAIT = 10.0  # seconds between two tries
MAX_RETRIEVE_WAIT = 60.0  # an UpdateFirmware retrieveDate further ahead is cut to this


def default_configuration(connectors: int) -> dict[str, tuple[str, bool]]:
    """key -> (value, readonly): the keys OCPP 1.6 section 9.1 requires (Core), and no more."""
    return {
        "AuthorizeRemoteTxRequests": ("false", False),
        "ClockAlignedDataInterval": ("0", False),
        "ConnectionTimeOut": ("60", False),
        "ConnectorPhaseRotation": (",".join(f"{c}.RST" for c in range(connectors + 1)), False),
        "GetConfigurationMaxKeys": ("50", True),
        "HeartbeatInterval": ("300", False),
        "LocalAuthorizeOffline": ("true", False),
        "LocalPreAuthorize": ("false", False),
        "MeterValuesAlignedData": ("Energy.Active.Import.Register", False),
        "MeterValueSampleInterval": ("30", False),
        "MeterValuesSampledData": ("Energy.Active.Import.Register", False),
        "NumberOfConnectors": (str(connectors), True),
        "ResetRetries": ("3", False),
        "StopTransactionOnEVSideDisconnect": ("true", False),
        "StopTransactionOnInvalidId": ("true", False),
        "StopTxnAlignedData": ("Energy.Active.Import.Register", False),
        "StopTxnSampledData": ("Energy.Active.Import.Register", False),
        "SupportedFeatureProfiles": ("Core,FirmwareManagement,RemoteTrigger", True),
        "TransactionMessageAttempts": ("3", False),
        "TransactionMessageRetryInterval": ("60", False),
        "UnlockConnectorOnEVSideDisconnect": ("true", False),
    }


INTEGER_KEYS = {
    "ClockAlignedDataInterval",
    "ConnectionTimeOut",
    "HeartbeatInterval",
    "MeterValueSampleInterval",
    "ResetRetries",
    "TransactionMessageAttempts",
    "TransactionMessageRetryInterval",
}


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class StationState:
    """What survives a reboot: identity, firmware, configuration, availability."""

    identity: str
    connectors: int
    firmware_version: str
    change_answer: str | None = None
    reboot_after_installed: bool = True
    install_seconds: float = 0.5
    configuration: dict[str, tuple[str, bool]] = field(default_factory=dict)
    inoperative: set[int] = field(default_factory=set)
    firmware_status: str = "Idle"
    diagnostics_status: str = "Idle"
    installed_after_boot: bool = False  # report Installed once booted again
    heartbeat_changed: asyncio.Event = field(default_factory=asyncio.Event)
    first_version: str = ""
    recent_log: deque[str] = field(default_factory=lambda: deque(maxlen=500))

    def __post_init__(self) -> None:
        self.first_version = self.first_version or self.firmware_version
        self.configuration = self.configuration or default_configuration(self.connectors)

    def status(self, connector_id: int) -> str:
        down = 0 in self.inoperative or connector_id in self.inoperative
        return "Unavailable" if down else "Available"

    def change_configuration(self, key: str, value: str) -> str:
        if self.change_answer is not None:
            return self.change_answer
        if key not in self.configuration:
            return "NotSupported"
        _, readonly = self.configuration[key]
        if readonly or (key in INTEGER_KEYS and not (value.isdigit() and len(value) < 10)):
            return "Rejected"
        self.configuration[key] = (value, False)
        if key == "HeartbeatInterval":
            self.heartbeat_changed.set()
        return "Accepted"

    def version_of(self, image: bytes) -> str:
        """The version an image installs: its JSON manifest's, else derived from its hash."""
        line = image[:1024].partition(b"\n")[0]
        with contextlib.suppress(ValueError):
            manifest = json.loads(line)
            named = manifest.get("firmwareVersion") if isinstance(manifest, dict) else None
            if isinstance(named, str) and 0 < len(named) <= 50:
                return named
        return f"{self.first_version[:41]}-{hashlib.sha256(image).hexdigest()[:8]}"


# -- file transfers (blocking: run in a thread) -----------------------------------------


def _ftp(location: str, timeout: float) -> tuple[ftplib.FTP, str]:
    parts = urlsplit(location)
    ftp = ftplib.FTP(timeout=timeout)
    ftp.connect(parts.hostname or "127.0.0.1", parts.port or 21)
    ftp.login(unquote(parts.username or "anonymous"), unquote(parts.password or ""))
    return ftp, unquote(parts.path).lstrip("/")


def download(location: str, timeout: float) -> bytes:
    scheme = urlsplit(location).scheme
    if scheme in ("http", "https"):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(location, timeout=timeout) as response:
            data: bytes = response.read(MAX_FILE_BYTES + 1)
    elif scheme == "ftp":
        ftp, path = _ftp(location, timeout)
        buffer = io.BytesIO()
        with ftp:
            ftp.retrbinary(f"RETR {path}", buffer.write)
        data = buffer.getvalue()
    else:
        raise ValueError(f"unsupported scheme {scheme!r}")
    if not data or len(data) > MAX_FILE_BYTES:
        raise ValueError(f"firmware of {len(data)} bytes")
    return data


def upload(location: str, name: str, data: bytes, timeout: float) -> None:
    if urlsplit(location).scheme != "ftp":
        raise ValueError(f"cannot upload to {location.split(':')[0]}")
    ftp, path = _ftp(location, timeout)
    with ftp:
        if path.strip("/"):
            ftp.cwd(path.strip("/"))
        ftp.storbinary(f"STOR {name}", io.BytesIO(data))


# -- one WebSocket connection ------------------------------------------------------------


class PeerChargePoint(ChargePoint):
    """The station while one connection lasts; ``serve`` returns why it ended."""

    def __init__(self, state: StationState, ws: ClientConnection, timeout: float) -> None:
        super().__init__(state.identity, ws, response_timeout=timeout)
        self.state = state
        self.ws = ws
        self.transfer_timeout = timeout
        self._tasks: set[asyncio.Task[None]] = set()
        self._group: asyncio.TaskGroup | None = None
        self._ended = asyncio.Event()
        self.reason = ""
        self.reboot = False
        self._next: Callable[[], Awaitable[None]] | None = None

    async def serve(self, stop: asyncio.Event) -> str:
        async with asyncio.TaskGroup() as group:
            self._group = group
            self._spawn(self._receive)
            self._spawn(self._lifecycle)
            self._spawn(lambda: self._end_on(stop))
            await self._ended.wait()
            for task in list(self._tasks):
                task.cancel()
        if self.reboot:
            await self.ws.close(1001, self.reason[:100])
        return self.reason

    def end(self, reason: str, *, reboot: bool = False) -> None:
        if not self._ended.is_set():
            self.reason, self.reboot = reason, reboot
            self._ended.set()

    def _spawn(self, job: Callable[[], Coroutine[Any, Any, None]]) -> None:
        assert self._group is not None
        task = self._group.create_task(self._guard(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guard(self, job: Callable[[], Coroutine[Any, Any, None]]) -> None:
        try:
            await job()
        except ConnectionClosed as exc:
            self.end(f"connection closed ({exc})")
        except TimeoutError as exc:
            log.warning("%s: no answer: %s", self.id, exc)

    async def _end_on(self, stop: asyncio.Event) -> None:
        await stop.wait()
        self.end("stopping")

    async def _receive(self) -> None:
        await self.start()

    async def _send(self, message: str) -> None:
        self.state.recent_log.append(f"{utc_now()} send {message}")
        await super()._send(message)

    async def route_message(self, raw_msg: str) -> None:
        self.state.recent_log.append(f"{utc_now()} recv {raw_msg}")
        await super().route_message(raw_msg)

    # -- what the station says by itself -------------------------------------------------

    async def _lifecycle(self) -> None:
        while True:
            answer = await self._boot()
            if answer is not None and answer.status == "Accepted":
                break
            wait = answer.interval if answer is not None and answer.interval > 0 else 10
            await asyncio.sleep(min(wait, 60))
        if answer.interval > 0:
            self.state.configuration["HeartbeatInterval"] = (str(answer.interval), False)
        for connector_id in range(self.state.connectors + 1):
            await self._status(connector_id)
        if self.state.installed_after_boot:
            self.state.installed_after_boot = False
            await self._firmware_status("Installed")
        await self._heartbeats()

    async def _boot(self) -> Any:
        try:
            return await self.call(
                call.BootNotification(
                    charge_point_model="PeerModel AC22",
                    charge_point_vendor="Peer Labs",
                    charge_point_serial_number=f"SN-{self.state.identity}",
                    charge_box_serial_number=f"CB-{self.state.identity}",
                    firmware_version=self.state.firmware_version,
                    iccid="8931000000000000001",
                    imsi="204080000000001",
                )
            )
        except TimeoutError:
            return None

    async def _heartbeats(self) -> None:
        changed = self.state.heartbeat_changed
        while True:
            value = self.state.configuration["HeartbeatInterval"][0]
            interval = int(value) if value.isdigit() and int(value) > 0 else 300
            changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), interval)
                continue  # a new interval starts counting now
            await self._heartbeat()

    async def _heartbeat(self) -> None:
        try:
            await self.call(call.Heartbeat())
        except TimeoutError as exc:
            log.warning("%s: Heartbeat unanswered: %s", self.id, exc)

    async def _status(self, connector_id: int) -> None:
        await self.call(
            call.StatusNotification(
                connector_id=connector_id,
                error_code="NoError",
                status=self.state.status(connector_id),
                timestamp=utc_now(),
            )
        )

    async def _firmware_status(self, status: str) -> None:
        self.state.firmware_status = status
        await self.call(call.FirmwareStatusNotification(status=status))

    async def _diagnostics_status(self, status: str) -> None:
        self.state.diagnostics_status = status
        await self.call(call.DiagnosticsStatusNotification(status=status))

    async def _meter_values(self, connector_id: int) -> None:
        sample = {"value": "0", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
        await self.call(
            call.MeterValues(
                connector_id=connector_id,
                meter_value=[{"timestamp": utc_now(), "sampledValue": [sample]}],
            )
        )

    def _after(self, **_: Any) -> None:
        """The work a CALL's handler left for after its CALLRESULT went out."""
        job, self._next = self._next, None
        if job is not None:
            self._spawn(job)  # type: ignore[arg-type]

    # -- what the Central System asks ----------------------------------------------------

    @on(Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None, **_: Any) -> Any:
        table = self.state.configuration
        wanted = list(table) if not key else [k for k in key if k in table]
        items = [{"key": k, "readonly": table[k][1], "value": table[k][0]} for k in wanted]
        unknown = [k for k in key or [] if k not in table]
        return call_result.GetConfiguration(
            configuration_key=items or None, unknown_key=unknown or None
        )

    @on(Action.change_configuration)
    def on_change_configuration(self, key: str, value: str, **_: Any) -> Any:
        return call_result.ChangeConfiguration(status=self.state.change_configuration(key, value))

    @on(Action.change_availability)
    def on_change_availability(self, connector_id: int, **kwargs: Any) -> Any:
        if not 0 <= connector_id <= self.state.connectors:
            return call_result.ChangeAvailability(status="Rejected")
        every = range(self.state.connectors + 1)
        before = {c: self.state.status(c) for c in every}
        if kwargs["type"] == "Inoperative":
            self.state.inoperative.add(connector_id)
        else:
            self.state.inoperative.discard(connector_id)
        changed = [c for c in every if self.state.status(c) != before[c]]

        async def report() -> None:
            for c in changed:
                await self._status(c)

        self._next = report
        return call_result.ChangeAvailability(status="Accepted")

    @after(Action.change_availability)
    def after_change_availability(self, **kwargs: Any) -> None:
        self._after(**kwargs)

    @on(Action.trigger_message)
    def on_trigger_message(
        self, requested_message: str, connector_id: int | None = None, **_: Any
    ) -> Any:
        if requested_message not in TRIGGERABLE:
            return call_result.TriggerMessage(status="NotImplemented")
        if connector_id is not None and not 0 <= connector_id <= self.state.connectors:
            return call_result.TriggerMessage(status="Rejected")
        senders: dict[str, Callable[[], Awaitable[None]]] = {
            "BootNotification": self._boot,
            "Heartbeat": self._heartbeat,
            "FirmwareStatusNotification": lambda: self._firmware_status(self.state.firmware_status),
            "DiagnosticsStatusNotification": lambda: self._diagnostics_status(
                self.state.diagnostics_status
            ),
            "MeterValues": lambda: self._meter_values(connector_id or 1),
        }

        async def statuses() -> None:
            every = range(self.state.connectors + 1)
            for c in every if connector_id is None else [connector_id]:
                await self._status(c)

        send = senders.get(requested_message, statuses)

        async def job() -> None:
            await send()

        self._next = job
        return call_result.TriggerMessage(status="Accepted")

    @after(Action.trigger_message)
    def after_trigger_message(self, **kwargs: Any) -> None:
        self._after(**kwargs)

    @on(Action.reset)
    def on_reset(self, **kwargs: Any) -> Any:
        async def reboot() -> None:
            await asyncio.sleep(0.2)
            self.end(f"reboot: {kwargs['type']} Reset", reboot=True)

        self._next = reboot
        return call_result.Reset(status="Accepted")

    @after(Action.reset)
    def after_reset(self, **kwargs: Any) -> None:
        self._after(**kwargs)

    @on(Action.clear_cache)
    def on_clear_cache(self, **_: Any) -> Any:
        return call_result.ClearCache(status="Accepted")

    @on(Action.data_transfer)
    def on_data_transfer(self, **_: Any) -> Any:
        return call_result.DataTransfer(status="UnknownVendorId")

    @on(Action.update_firmware)
    def on_update_firmware(
        self,
        location: str,
        retrieve_date: str,
        retries: int | None = None,
        retry_interval: int | None = None,
        **_: Any,
    ) -> Any:
        async def job() -> None:
            await self._update_firmware(location, retrieve_date, retries or 0, retry_interval)

        self._next = job
        return call_result.UpdateFirmware()

    @after(Action.update_firmware)
    def after_update_firmware(self, **kwargs: Any) -> None:
        self._after(**kwargs)

    @on(Action.get_diagnostics)
    def on_get_diagnostics(
        self, location: str, retries: int | None = None, retry_interval: int | None = None, **_: Any
    ) -> Any:
        name = f"{self.state.identity}-diag-{datetime.now(UTC):%Y%m%dT%H%M%S}.log"

        async def job() -> None:
            await self._upload_diagnostics(location, name, retries or 0, retry_interval)

        self._next = job
        return call_result.GetDiagnostics(file_name=name)

    @after(Action.get_diagnostics)
    def after_get_diagnostics(self, **kwargs: Any) -> None:
        self._after(**kwargs)

    # -- file jobs ---------------------------------------------------------------------

    async def _update_firmware(
        self, location: str, retrieve_date: str, retries: int, retry_interval: int | None
    ) -> None:
        with contextlib.suppress(ValueError):
            when = datetime.fromisoformat(retrieve_date.replace("Z", "+00:00"))
            wait = (when - datetime.now(UTC)).total_seconds()
            await asyncio.sleep(min(max(wait, 0.0), MAX_RETRIEVE_WAIT))
        image = None
        for attempt in range(1 + min(retries, MAX_RETRIES)):
            if attempt:
                await asyncio.sleep(min(float(retry_interval or 1), MAX_RETRY_WAIT))
            await self._firmware_status("Downloading")
            try:
                image = await asyncio.to_thread(download, location, self.transfer_timeout)
                break
            except (OSError, ftplib.Error, ValueError, EOFError) as exc:
                log.warning("%s: download of %s failed: %s", self.id, location, exc)
                await self._firmware_status("DownloadFailed")
        if image is None:
            return
        await self._firmware_status("Downloaded")
        version = self.state.version_of(image)
        await self._firmware_status("Installing")
        await asyncio.sleep(self.state.install_seconds)
        self.state.firmware_version = version
        if self.state.reboot_after_installed:
            await self._firmware_status("Installed")
            self.end(f"reboot: firmware {version} installed", reboot=True)
        else:
            self.state.installed_after_boot = True
            self.end(f"reboot: installing firmware {version}", reboot=True)

    async def _upload_diagnostics(
        self, location: str, name: str, retries: int, retry_interval: int | None
    ) -> None:
        lines = [f"{self.state.identity} firmware {self.state.firmware_version}"]
        lines += [f"{k}={v}" for k, (v, _) in sorted(self.state.configuration.items())]
        lines += list(self.state.recent_log)
        data = ("\n".join(lines) + "\n").encode()
        await self._diagnostics_status("Uploading")
        for attempt in range(1 + min(retries, MAX_RETRIES)):
            if attempt:
                await asyncio.sleep(min(float(retry_interval or 1), MAX_RETRY_WAIT))
            try:
                await asyncio.to_thread(upload, location, name, data, self.transfer_timeout)
            except (OSError, ftplib.Error, ValueError, EOFError) as exc:
                log.warning("%s: upload to %s failed: %s", self.id, location, exc)
                continue
            await self._diagnostics_status("Uploaded")
            return
        await self._diagnostics_status("UploadFailed")


# -- the station: connect, serve, reconnect ---------------------------------------------


async def run_station(url: str, state: StationState, args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    loop.call_later(args.max_seconds, stop.set)
    failures = 0
    while not stop.is_set():
        delay = min(args.backoff * 2**failures, args.max_backoff)
        try:
            async with connect(
                url, subprotocols=["ocpp1.6"], proxy=None, open_timeout=10, compression=None
            ) as ws:
                log.info("%s: connected to %s", state.identity, url)
                failures = 0
                station = PeerChargePoint(state, ws, args.call_timeout)
                reason = await station.serve(stop)
                log.info("%s: connection ended: %s", state.identity, reason)
                delay = args.reboot_seconds if station.reboot else args.backoff
        except (OSError, InvalidHandshake, TimeoutError, ConnectionClosed) as exc:
            failures = min(failures + 1, 10)
            log.info("%s: cannot connect (%s); again in %.1f s", state.identity, exc, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
    log.info("%s: stopped", state.identity)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.peer_station", description=__doc__)
    parser.add_argument("url", help="the Central System's URL, ws://host:port/ocpp")
    parser.add_argument("identity", help="charge box identity, appended to the URL")
    parser.add_argument("--connectors", type=int, default=2)
    parser.add_argument("--firmware-version", default="1.2.3")
    parser.add_argument("--change-configuration-answer", choices=CONFIGURATION_ANSWERS)
    parser.add_argument(
        "--reboot-after-installed",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="reboot at once after Installed is answered (no: reboot after Installing, "
        "report Installed after booting again)",
    )
    parser.add_argument("--install-seconds", type=float, default=0.5)
    parser.add_argument("--reboot-seconds", type=float, default=0.5, help="down during a reboot")
    parser.add_argument("--call-timeout", type=float, default=15.0)
    parser.add_argument("--backoff", type=float, default=0.5, help="first reconnect delay")
    parser.add_argument("--max-backoff", type=float, default=5.0)
    parser.add_argument("--max-seconds", type=float, default=600.0)
    parser.add_argument("--quiet", action="store_true", help="no line per message")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    state = StationState(
        identity=args.identity,
        connectors=args.connectors,
        firmware_version=args.firmware_version,
        change_answer=args.change_configuration_answer,
        reboot_after_installed=args.reboot_after_installed,
        install_seconds=args.install_seconds,
    )
    url = f"{args.url.rstrip('/')}/{args.identity}"
    asyncio.run(run_station(url, state, args))


if __name__ == "__main__":
    main()
