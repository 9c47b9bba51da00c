"""The control interface: the simulator's physical actions for another process, as
HTTP + JSON on loopback (one request per connection; the answer closes it).

===========================  =====================================================  =========
request                      body (JSON; ``station`` may be left out with one        answer
                             station)
===========================  =====================================================  =========
``GET /stations``                                                                    every station
``POST /plug``               ``{"station": "CP1", "connector": 1}``                 its state
``POST /unplug``             ``{"connector": 1}``                                   its state
``POST /present_id_tag``     ``{"connector": 1, "idTag": "04A2B3C4"}``              its state
``POST /inject_fault``       ``{"connector": 0, "errorCode": "GroundFailure",``     its state
                             ``"info": "...", "vendorErrorCode": "..."}``
``POST /clear_fault``        ``{"connector": 0}``                                   its state
``POST /ev_max_current``     ``{"connector": 1, "amps": 16}``                       its state
``POST /go_offline``         ``{}`` (until go_online), ``{"seconds": 30}`` (back    its state
                             by itself after 30 station seconds)
``POST /go_online``          ``{}``                                                 its state
``POST /reboot``             ``{}`` (a Soft Reset from the station itself)          its state
``POST /power_cycle``        ``{}`` (the mains: memory lost, disk kept)             its state
``POST /lock_failure``       ``{"connector": 1}`` (the cable lock jams)             its state
``POST /clear_lock_failure`` ``{"connector": 1}``                                   its state
``POST /security_profile``   ``{"profile": 1}`` (set locally, a lower one too: the  its state
                             station connects again on it)
===========================  =====================================================  =========

``POST /local_list_failure`` and ``POST /clear_local_list_failure``, body ``{}``, answer its
state: the station can no longer store a Local Authorization List (SendLocalList is
answered Failed), and can again.

A station's state: ``{"station", "connected", "booted", "firmwareVersion", "connectors":
[{"connectorId", "status", "transactionId"}]}``; with the variant slow_acts a physical act
answers at once with the state before it takes effect. Errors answer 400 (bad request), 404
(unknown path or station) or 500, with ``{"error": "..."}``. Example::

    curl -s 127.0.0.1:8765/plug -d '{"connector": 1}'

``perform`` is the same table without HTTP: the console of ``chargecheck simulate``
(``chargecheck.sim.console``) drives its station through it.

An OCPP 2.0.1 station (``chargecheck.sim.v201``, ``simulate --ocpp 2.0.1``) has the acts
it shares with 1.6 under the same paths, ``connector`` naming the EVSE (each of its EVSEs
has one connector, as in the bench's steps): ``/plug``, ``/unplug``, ``/present_id_tag``
(an IdToken of type ISO14443, 1 to 36 characters), ``/ev_max_current`` (``amps`` 0: the
car pauses, SuspendedEV; more: it draws again), ``/go_offline``, ``/go_online``,
``/reboot`` (the station restarts itself: boot reason LocalReset). The other paths answer
404 for it. Its state: ``{"station", "ocppVersion": "2.0.1", "connected", "booted",
"firmwareVersion", "evses": [{"evseId", "status", "transactionId"}]}``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar

from chargecheck.sim.simulator import Simulator
from chargecheck.sim.v201.simulator import Simulator201

MAX_BODY = 64 * 1024
ID_TOKEN_MAX = 36  # IdTokenType.idToken: identifierString[0..36] (OCPP 2.0.1 part 2)
Payload = dict[str, Any]
Station = Simulator | Simulator201


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def station_state(sim: Simulator) -> Payload:
    station = sim.station
    return {
        "station": sim.identity,
        "connected": sim.connected,
        "booted": station.boot_accepted,
        "firmwareVersion": sim.firmware_version,
        "connectors": [
            {
                "connectorId": c.connector_id,
                "status": sim.status(c.connector_id),
                "transactionId": sim.transaction_id(c.connector_id) if c.connector_id else None,
            }
            for c in station.connectors
        ],
    }


def _int(body: Payload, name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ControlError(400, f"{name!r} must be an integer")
    return value


def _text(body: Payload, name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ControlError(400, f"{name!r} must be a string")
    return value


S = TypeVar("S")
Action = Callable[[S, Payload], Awaitable[None]]


class Physical(Protocol):
    """The acts both simulators have under the same names: one entry of the table
    serves both (the connector of 1.6 is the EVSE of 2.0.1)."""

    async def plug(self, connector: int, /) -> None: ...
    async def unplug(self, connector: int, /) -> None: ...
    async def go_offline(self, seconds: float | None = None, /) -> None: ...
    async def go_online(self) -> None: ...
    async def reboot(self) -> None: ...


async def _ev_max_current(sim: Simulator, body: Payload) -> None:
    amps = body.get("amps")
    if not isinstance(amps, int | float) or isinstance(amps, bool):
        raise ControlError(400, "'amps' must be a number")
    sim.set_ev_max_current(_int(body, "connector"), float(amps))


async def _go_offline(sim: Physical, body: Payload) -> None:
    seconds = body.get("seconds")
    if seconds is not None and (
        not isinstance(seconds, int | float) or isinstance(seconds, bool) or not seconds > 0
    ):
        raise ControlError(
            400, "'seconds' must be a positive number (or left out: until go_online)"
        )
    await sim.go_offline(None if seconds is None else float(seconds))


SHARED: dict[str, Action[Physical]] = {
    "/plug": lambda sim, b: sim.plug(_int(b, "connector")),
    "/unplug": lambda sim, b: sim.unplug(_int(b, "connector")),
    "/go_offline": _go_offline,
    "/go_online": lambda sim, b: sim.go_online(),
    "/reboot": lambda sim, b: sim.reboot(),
}
ACTIONS: dict[str, Action[Simulator]] = {
    "/plug": SHARED["/plug"],
    "/unplug": SHARED["/unplug"],
    "/present_id_tag": lambda sim, b: sim.present_id_tag(
        _int(b, "connector"), _text(b, "idTag") or ""
    ),
    "/inject_fault": lambda sim, b: sim.inject_fault(
        _int(b, "connector"),
        _text(b, "errorCode") or "",
        _text(b, "info", required=False),
        _text(b, "vendorErrorCode", required=False),
    ),
    "/clear_fault": lambda sim, b: sim.clear_fault(_int(b, "connector")),
    "/ev_max_current": _ev_max_current,
    "/go_offline": SHARED["/go_offline"],
    "/go_online": SHARED["/go_online"],
    "/reboot": SHARED["/reboot"],
    "/power_cycle": lambda sim, b: sim.power_cycle(),
    "/local_list_failure": lambda sim, b: sim.local_list_failure(True),
    "/clear_local_list_failure": lambda sim, b: sim.local_list_failure(False),
    "/lock_failure": lambda sim, b: sim.lock_failure(_int(b, "connector")),
    "/clear_lock_failure": lambda sim, b: sim.clear_lock_failure(_int(b, "connector")),
    "/security_profile": lambda sim, b: sim.configure_security(_int(b, "profile")),
}


def _id_token(body: Payload) -> str:
    token = _text(body, "idTag") or ""
    if not 1 <= len(token) <= ID_TOKEN_MAX:
        raise ControlError(400, f"'idTag' must have 1 to {ID_TOKEN_MAX} characters (an IdToken)")
    return token


async def _ev_ready(sim: Simulator201, body: Payload) -> None:
    """2.0.1: the car draws (``amps`` above 0) or pauses (0: SuspendedEV)."""
    amps = body.get("amps")
    if not isinstance(amps, int | float) or isinstance(amps, bool) or not amps >= 0:
        raise ControlError(400, "'amps' must be a number, 0 or more")
    await sim.set_ev_ready(_int(body, "connector"), amps > 0)


ACTIONS_201: dict[str, Action[Simulator201]] = {
    **SHARED,
    "/present_id_tag": lambda sim, b: sim.present_id_token(_int(b, "connector"), _id_token(b)),
    "/ev_max_current": _ev_ready,
}


def station_state_201(sim: Simulator201) -> Payload:
    station, model = sim.station, sim.shell.model
    return {
        "station": sim.identity,
        "ocppVersion": "2.0.1",
        "connected": sim.connected,
        "booted": model is not None and model.link.registration == "Accepted",
        "firmwareVersion": station.profile.charging_station.get("firmwareVersion"),
        "evses": [
            {"evseId": e.id, "status": sim.status(e.id), "transactionId": sim.transaction_id(e.id)}
            for e in station.evses.values()
        ],
    }


def state_of(sim: Station) -> Payload:
    return station_state(sim) if isinstance(sim, Simulator) else station_state_201(sim)


def _action(table: Mapping[str, Action[S]], sim: Station, path: str) -> Action[S]:
    action = table.get(path)
    if action is None:
        version = "1.6" if isinstance(sim, Simulator) else "2.0.1"
        raise ControlError(404, f"no POST {path} on {sim.identity}, an OCPP {version} station")
    return action


async def perform(
    stations: Mapping[str, Station], method: str, path: str, body: Payload
) -> Payload:
    """One control request: the answer's JSON, or ``ControlError`` with its HTTP status."""
    if method == "GET" and path == "/stations":
        return {"stations": [state_of(sim) for sim in stations.values()]}
    if method != "POST" or (path not in ACTIONS and path not in ACTIONS_201):
        raise ControlError(404, f"no {method} {path} (see chargecheck.sim.control)")
    sim = _station(stations, body)
    try:
        if isinstance(sim, Simulator):
            await _action(ACTIONS, sim, path)(sim, body)
        else:
            await _action(ACTIONS_201, sim, path)(sim, body)
    except ValueError as exc:
        raise ControlError(400, str(exc)) from None
    return state_of(sim)


def _station(stations: Mapping[str, Station], body: Payload) -> Station:
    name = body.get("station")
    if name is None:
        if len(stations) != 1:
            raise ControlError(400, "'station' is required with several stations")
        return next(iter(stations.values()))
    sim = stations.get(str(name))
    if sim is None:
        raise ControlError(404, f"no station {name!r}")
    return sim


class ControlServer:
    """``async with ControlServer(stations, port=0) as control:`` ... ``control.port``."""

    def __init__(self, stations: Mapping[str, Station], host: str = "127.0.0.1", port: int = 0):
        self.stations = stations
        self.host = host
        self._port = port
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> ControlServer:
        self._server = await asyncio.start_server(self._serve, self.host, self._port)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        """What ``python -m chargecheck.sim.step --control`` takes."""
        return f"http://{self.host}:{self.port}"

    async def handle(self, method: str, path: str, body: Payload) -> Payload:
        return await perform(self.stations, method, path, body)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, answer = await self._exchange(reader)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            return
        text = json.dumps(answer).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}.get(status, "Error")
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(text)}\r\nConnection: close\r\n\r\n".encode()
            + text
        )
        try:
            await writer.drain()
        finally:
            writer.close()

    async def _exchange(self, reader: asyncio.StreamReader) -> tuple[int, Payload]:
        request_line = (await reader.readline()).decode("latin-1").split()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip() or 0)
        if len(request_line) < 2 or length > MAX_BODY:
            return 400, {"error": "malformed request"}
        method, path = request_line[0].upper(), request_line[1].split("?")[0]
        raw = await reader.readexactly(length) if length else b""
        try:
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object")
            return 200, await self.handle(method, path, body)
        except ControlError as exc:
            return exc.status, {"error": str(exc)}
        except ValueError as exc:
            return 400, {"error": str(exc)}
        except Exception as exc:  # the simulator broke: say so to the caller
            return 500, {"error": f"{type(exc).__name__}: {exc}"}
