"""What every OCPP 2.0.1 case of the open catalogue is made of.

A case is a ``CatalogueCase`` (the 1.6 catalogue's value) whose ``section`` names the
2.0.1 requirements it rests on (``B06.FR.06``: OCPP 2.0.1 part 2, use case B06, functional
requirement 6). ``case201`` guards each: a station that is not connected (within the
connect timeout) or that speaks another version than 2.0.1 gets NOT TESTED, naming why.

How the outcomes are decided, as in the 1.6 catalogue: a FAIL rests on a SHALL of the
2.0.1 specification, named in the detail; what it leaves to the station (a MAY, a SHOULD,
a status it may choose) is NOT TESTED with the reason; a PASS names the message that
shows it.

The device model: the variables a case reads or sets are addressed as
``Variable(component, name, instance)``; ``inventory`` reads the station's FullInventory
once per run (GetBaseReport, B07) and keeps it, so that a case can choose what the
station has (a read-only variable, an attribute type it lacks) instead of assuming it.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Message, Result
from chargecheck.protocol.versions import OCPP201
from chargecheck.script.catalogue.base import CatalogueCase, connected, not_tested
from chargecheck.script.context import CaseContext

CaseRun = Callable[[CaseContext], Awaitable[str]]

PART2 = "OCPP 2.0.1 part 2"
_REQUEST_IDS = itertools.count(secrets.randbelow(1 << 20) + 1)


def case201(
    id: str,  # noqa: A002 - the case's id, as the pack names it
    title: str,
    requirements: str,
    criteria: str,
) -> Callable[[CaseRun], CatalogueCase]:
    """A ``CatalogueCase`` of the decorated function, for a station on OCPP 2.0.1."""

    def make(body: CaseRun) -> CatalogueCase:
        async def run(ctx: CaseContext) -> str:
            if not await connected(ctx):
                return ""
            version = ctx.session.version
            if version is not OCPP201:
                not_tested(
                    ctx,
                    "the station speaks OCPP 2.0.1",
                    f"it connected with OCPP {version.name} (subprotocol {version.subprotocol}): "
                    "this case is for a 2.0.1 station, which offers the subprotocol ocpp2.0.1",
                )
                return ""
            return await body(ctx)

        run.__name__, run.__doc__ = body.__name__, body.__doc__
        return CatalogueCase(id, title, requirements, criteria.strip(), run)

    return make


def request_id() -> int:
    """A requestId for a GetBaseReport (or another request the station's answers name)."""
    return next(_REQUEST_IDS)


def unknown_name(prefix: str) -> str:
    """A component or variable name no station has (50 characters at most)."""
    return f"{prefix}{secrets.token_hex(6)}"


# -- the device model ------------------------------------------------------------------------


@dataclass(frozen=True)
class Variable:
    """A component's variable, as GetVariables / SetVariables / NotifyReport name it."""

    component: str
    name: str
    instance: str | None = None
    evse: int | None = None

    def component_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.component}
        if self.evse is not None:
            data["evse"] = {"id": self.evse}
        return data

    def variable_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name}
        if self.instance is not None:
            data["instance"] = self.instance
        return data

    def get(self, attribute: str | None = None) -> dict[str, Any]:
        """A GetVariableData item (no attributeType: the station takes Actual)."""
        item: dict[str, Any] = {
            "component": self.component_data(),
            "variable": self.variable_data(),
        }
        if attribute is not None:
            item["attributeType"] = attribute
        return item

    def set(self, value: str, attribute: str | None = None) -> dict[str, Any]:
        """A SetVariableData item."""
        return {**self.get(attribute), "attributeValue": value}

    def named_by(self, item: dict[str, Any]) -> bool:
        """Whether a result or report item names this variable (names are case
        insensitive in the device model; an absent instance is no instance)."""
        component, variable = item.get("component") or {}, item.get("variable") or {}
        evse = (component.get("evse") or {}).get("id")
        return (
            str(component.get("name", "")).lower() == self.component.lower()
            and str(variable.get("name", "")).lower() == self.name.lower()
            and (variable.get("instance") or None) == self.instance
            and (self.evse is None or evse == self.evse)
        )

    def __str__(self) -> str:
        instance = f"[{self.instance}]" if self.instance else ""
        evse = f" (EVSE {self.evse})" if self.evse is not None else ""
        return f"{self.component}.{self.name}{instance}{evse}"


OFFLINE_THRESHOLD = Variable("OCPPCommCtrlr", "OfflineThreshold")
LOCAL_AUTHORIZE_OFFLINE = Variable("AuthCtrlr", "LocalAuthorizeOffline")
MESSAGE_TIMEOUT = Variable("OCPPCommCtrlr", "MessageTimeout", "Default")
TX_START_POINT = Variable("TxCtrlr", "TxStartPoint")
TX_STOP_POINT = Variable("TxCtrlr", "TxStopPoint")


async def read_variable(ctx: CaseContext, variable: Variable) -> tuple[str | None, tuple[int, ...]]:
    """The variable's Actual value (None: not Accepted, no answer) and the frames that say so:
    judges nothing."""
    try:
        result = await ctx.session.call(
            "GetVariables", {"getVariableData": [variable.get()]}, ctx.settings.timeouts.call
        )
    except SessionError as exc:
        return None, exc.evidence
    for item in result.get("getVariableResult") or []:
        if variable.named_by(item) and item.get("attributeStatus") == "Accepted":
            value = item.get("attributeValue")
            return (str(value) if value is not None else None), evidence_of(result)
    return None, evidence_of(result)


async def get_quietly(ctx: CaseContext, variable: Variable) -> str | None:
    """The variable's Actual value, or None (not Accepted, no answer): judges nothing."""
    return (await read_variable(ctx, variable))[0]


async def write_variable(
    ctx: CaseContext, variable: Variable, value: str
) -> tuple[str | None, tuple[int, ...]]:
    """SetVariables of one value: its attributeStatus (None: no answer naming it) and the
    frames that say so; judges nothing."""
    try:
        result = await ctx.session.call(
            "SetVariables",
            {"setVariableData": [variable.set(value)]},
            ctx.settings.timeouts.call,
        )
    except SessionError as exc:
        return None, exc.evidence
    for item in result.get("setVariableResult") or []:
        if variable.named_by(item):
            return str(item.get("attributeStatus")), evidence_of(result)
    return None, evidence_of(result)


async def set_quietly(ctx: CaseContext, variable: Variable, value: str) -> str | None:
    """SetVariables of one value; its attributeStatus, or None (no answer): judges nothing."""
    return (await write_variable(ctx, variable, value))[0]


def result_for(results: list[dict[str, Any]], variable: Variable) -> dict[str, Any] | None:
    """The result item that names ``variable`` (results may come in any order)."""
    return next((item for item in results if variable.named_by(item)), None)


def evidence_of(result: Result) -> tuple[int, ...]:
    return (result.call_entry_id, result.entry_id)


# -- the FullInventory, read once per run ------------------------------------------------------


@dataclass
class Report:
    """A base report the station sent: its NotifyReport messages, in seqNo order, and the
    reportData items of all of them."""

    request_id: int
    answer: Result
    parts: list[Message]

    @property
    def items(self) -> list[dict[str, Any]]:
        return [item for part in self.parts for item in part.payload.get("reportData") or []]

    @property
    def evidence(self) -> tuple[int, ...]:
        return (*evidence_of(self.answer), *(p.entry_id for p in self.parts))

    def find(self, variable: Variable) -> dict[str, Any] | None:
        return next((item for item in self.items if variable.named_by(item)), None)


async def base_report(ctx: CaseContext, report_base: str) -> Report | None:
    """GetBaseReport ``report_base``, then its NotifyReports until one says no more
    follow (tbc false) or the status timeout passes between two. None: not Accepted or
    no answer (nothing judged here; the caller judges what it got)."""
    rid = request_id()
    cursor = ctx.mark()
    try:
        answer = await ctx.call("GetBaseReport", {"requestId": rid, "reportBase": report_base})
    except SessionError:
        return None
    if answer.get("status") != "Accepted":
        return Report(rid, answer, []) if answer.get("status") else None
    parts: list[Message] = []
    while True:
        try:
            part = await ctx.expect(
                "NotifyReport",
                lambda p: p.get("requestId") == rid,
                ctx.settings.timeouts.status,
                cursor,
                what=f"NotifyReport {report_base} part {len(parts)}",
            )
        except SessionError:
            break
        parts.append(part)
        if not part.payload.get("tbc", False):
            break
    parts.sort(key=lambda m: m.payload.get("seqNo", 0))
    return Report(rid, answer, parts)


NO_INVENTORY = "none"  # the knowledge's device_model once the station gave none


async def inventory(ctx: CaseContext) -> Report | None:
    """The station's FullInventory, read once per run and kept in its knowledge (None: it
    could not be read: not Accepted, or no NotifyReport came; not asked again)."""
    if ctx.known.device_model is None:
        report = await base_report(ctx, "FullInventory")
        accepted = report is not None and report.answer.get("status") == "Accepted"
        ctx.known.device_model = (
            report if report is not None and accepted and report.parts else NO_INVENTORY
        )
    report = ctx.known.device_model
    return report if isinstance(report, Report) else None


def attributes(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A report item's variableAttribute entries by type (an absent type is Actual)."""
    return {a.get("type", "Actual"): a for a in item.get("variableAttribute") or []}


def mutability(item: dict[str, Any], attribute: str = "Actual") -> str:
    """ReadWrite when the report does not say (the schema's default)."""
    return str(attributes(item).get(attribute, {}).get("mutability", "ReadWrite"))


def variable_of(item: dict[str, Any]) -> Variable:
    component, variable = item.get("component") or {}, item.get("variable") or {}
    return Variable(
        str(component.get("name", "")),
        str(variable.get("name", "")),
        variable.get("instance") or None,
        (component.get("evse") or {}).get("id"),
    )
