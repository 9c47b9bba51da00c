# ruff: noqa: E501  (a rule quoted in a detail is one line)
"""More of OCTT's reusable states, for the cases of block E that start a session with a
card or stop it in another way than the bench's remote stop (``states`` has the remote
start, ``charging``, and the clean-up, ``finish``). Each ends NOT TESTED, naming what
would reach it, where the station legally refuses or nobody does the physical step:

- ``authorized_locally``: Authorized (local): the card presented at the EVSE; the station
  asks the bench (Authorize) or knows the card itself (cache, local list), either is legal;
- ``authorized_remotely``: Authorized (remote): RequestStartTransaction with no car yet;
- ``charging_by_card``: EnergyTransferStarted reached with the card, before the car is
  plugged in or after (E03 / E02), until the transaction says chargingState Charging;
- ``stop_authorized``: StopAuthorized: the same card presented again (local, E07) or
  RequestStopTransaction (remote, F03), until the TransactionEvent that says so;
- ``energy_suspended``: EnergyTransferSuspended: the car pauses (the operator's step) and
  the transaction says so;
- ``tx_points``: TxCtrlr.TxStartPoint / TxStopPoint holding the point a case is written
  for and none of those that would end (or start) the transaction first;
  ``settings_for_case``: other variables set for a case and put back after;
- ``connector_type``: Connector.ConnectorType, which tells an attached cable ("c...") from
  a socket ("s...");
- the connector's status as either report gives it (StatusNotification or NotifyEvent of
  Connector.AvailabilityState: G01.FR.03/04 allow both).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import not_tested
from chargecheck.script.catalogue201.base import PART2, Variable, evidence_of, get_quietly
from chargecheck.script.catalogue201.states import (
    Charging,
    finish,
    points,
    remote_start_accepted,
    running_transactions,
    variable_set,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind

Payload = dict[str, Any]

EV_CONNECTION_TIMEOUT = Variable("TxCtrlr", "EVConnectionTimeOut")
STOP_TX_ON_EV_SIDE_DISCONNECT = Variable("TxCtrlr", "StopTxOnEVSideDisconnect")
UNLOCK_ON_EV_SIDE_DISCONNECT = Variable("OCPPCommCtrlr", "UnlockOnEVSideDisconnect")
OFFLINE_TX_FOR_UNKNOWN_ID = Variable("AuthCtrlr", "OfflineTxForUnknownIdEnabled")
STOP_TX_ON_INVALID_ID = Variable("TxCtrlr", "StopTxOnInvalidId")


def of(tid: str, where: Callable[[Payload], bool] | None = None) -> Callable[[Payload], bool]:
    """A TransactionEvent predicate: of transaction ``tid`` (and ``where``)."""
    return lambda p: p["transactionInfo"]["transactionId"] == tid and (where is None or where(p))


def ended(p: Payload) -> bool:
    return bool(p["eventType"] == "Ended")


async def next_event(
    ctx: CaseContext,
    tid: str,
    since: int,
    where: Callable[[Payload], bool] | None,
    what: str,
    timeout: float | None = None,
) -> Message | None:
    """The first TransactionEvent of ``tid`` since inbox index ``since`` that ``where``
    accepts, waited for up to ``timeout`` (default timeouts.transaction); None if none
    came (nothing recorded: the caller judges)."""
    return await event_since(ctx, since, of(tid, where), what, timeout)


async def event_since(
    ctx: CaseContext,
    since: int,
    where: Callable[[Payload], bool],
    what: str,
    timeout: float | None = None,
) -> Message | None:
    """``next_event`` of any transaction: the first TransactionEvent since inbox index
    ``since`` that ``where`` accepts."""
    wait = ctx.settings.timeouts.transaction if timeout is None else timeout
    try:
        return await ctx.expect("TransactionEvent", where, wait, Cursor(since), what=what)
    except SessionError:
        return None


# -- the start and stop points ------------------------------------------------------------------


@asynccontextmanager
async def tx_points(
    ctx: CaseContext, variable: Variable, wanted: str, unwanted: tuple[str, ...] = ()
) -> AsyncIterator[str | None]:
    """``variable`` (TxStartPoint or TxStopPoint) naming ``wanted`` and none of
    ``unwanted`` for the block: as the station has it, or set to ``wanted`` alone when it
    lets it be set (put back after); yields None, or why it does not hold it."""
    now = points(await get_quietly(ctx, variable))
    if wanted in now and not set(now) & set(unwanted):
        yield None
        return
    async with variable_set(ctx, variable, wanted) as problem:
        yield problem


def not_for_point(ctx: CaseContext, name: str, problem: str, point: str) -> str:
    """Record ``name`` NOT TESTED: ``tx_points`` could not give the station TxStopPoint
    ``point`` (``problem`` says why)."""
    not_tested(
        ctx,
        name,
        f"{problem}: this case is for a station whose transaction ends at TxStopPoint {point}",
    )
    return ""


@asynccontextmanager
async def settings_for_case(
    ctx: CaseContext, *wanted: tuple[Variable, str]
) -> AsyncIterator[list[str]]:
    """Each (variable, value) set for the block when the station lets it be (put back
    after); yields what could not be set, as ``variable_set`` says it (the case decides
    whether it still applies)."""
    problems: list[str] = []
    async with _each(ctx, list(wanted), problems):
        yield problems


@asynccontextmanager
async def _each(
    ctx: CaseContext, wanted: list[tuple[Variable, str]], problems: list[str]
) -> AsyncIterator[None]:
    if not wanted:
        yield
        return
    (variable, value), rest = wanted[0], wanted[1:]
    async with variable_set(ctx, variable, value) as problem:
        if problem is not None:
            problems.append(problem)
        async with _each(ctx, rest, problems):
            yield


async def is_true(ctx: CaseContext, variable: Variable) -> bool | None:
    """A boolean variable's value (None: the station does not have it, or it is no boolean)."""
    value = await get_quietly(ctx, variable)
    return {"true": True, "false": False}.get((value or "").strip().lower())


# -- the connector's status (G01) ---------------------------------------------------------------


def reported(action: str, payload: Payload) -> list[tuple[tuple[int, int | None], str]]:
    """The ((evseId, connectorId), state) pairs a StatusNotification or a NotifyEvent of
    Connector.AvailabilityState reports (G01.FR.03: either); connectorId None where a
    NotifyEvent's component names none."""
    if action == "StatusNotification":
        return [((payload["evseId"], payload["connectorId"]), str(payload["connectorStatus"]))]
    if action != "NotifyEvent":
        return []
    found: list[tuple[tuple[int, int | None], str]] = []
    for event in payload.get("eventData") or []:
        component = event.get("component") or {}
        evse = component.get("evse") or {}
        if (
            str(component.get("name", "")).lower() == "connector"
            and "id" in evse
            and (event.get("variable") or {}).get("name") == "AvailabilityState"
        ):
            found.append(((evse["id"], evse.get("connectorId")), str(event.get("actualValue"))))
    return found


def _says(payload: Payload, evse: int, status: str) -> bool:
    """A NotifyEvent with Connector.AvailabilityState ``status`` on ``evse``."""
    return any(p[0] == evse and s == status for p, s in reported("NotifyEvent", payload))


def connector_reported(ctx: CaseContext, evse: int, since: int, status: str) -> Message | None:
    """The first report since ``since`` that the EVSE's connector is ``status``: a
    StatusNotification, or a NotifyEvent of Connector.AvailabilityState (G01.FR.03: either)."""
    for m in ctx.session.inbox[since:]:
        if not m.valid:
            continue
        if m.action == "StatusNotification":
            if m.payload["evseId"] == evse and m.payload["connectorStatus"] == status:
                return m
        elif m.action == "NotifyEvent" and _says(m.payload, evse, status):
            return m
    return None


async def connector_reported_later(
    ctx: CaseContext, evse: int, since: int, status: str
) -> Message | None:
    """``connector_reported``, waiting up to the status timeout for it (the report and the
    TransactionEvent may come in either order)."""
    found = connector_reported(ctx, evse, since, status)
    if found is not None:
        return found
    with suppress(SessionError):
        await ctx.expect(
            "StatusNotification",
            lambda p: p["evseId"] == evse and p["connectorStatus"] == status,
            ctx.settings.timeouts.status,
            Cursor(since),
            ends=[("NotifyEvent", lambda p: _says(p, evse, status))],
            what=f"the connector reported {status}",
        )
    return connector_reported(ctx, evse, since, status)


def check_reported(
    ctx: CaseContext, found: Message | None, status: str, rule: str, name: str = ""
) -> bool:
    """Record that the connector was (or was not: FAIL quoting ``rule``) reported ``status``."""
    return ctx.check(
        found is not None,
        name or f"the connector is reported {status}",
        f"{found.action}"
        if found is not None
        else f"no StatusNotification or NotifyEvent says {status}: {rule}",
        (found.entry_id,) if found is not None else (),
    )


EV_LEFT_AVAILABLE = (
    f"{PART2} G01.FR.04: when the EV leaves the station SHALL report the connector Available"
)


async def check_reported_later(
    ctx: CaseContext, evse: int, since: int, status: str, rule: str
) -> bool:
    """``connector_reported_later``, recorded by ``check_reported``."""
    found = await connector_reported_later(ctx, evse, since, status)
    return check_reported(ctx, found, status, rule)


# -- Authorized (local) and a session started with a card -----------------------------------------


async def authorized_locally(ctx: CaseContext, name: str, evse: int, tag: str) -> int | None:
    """Authorized (local): the card ``tag`` presented at ``evse``, then, for a moment, its
    AuthorizeRequest (or the TransactionEvent that carries it: a station that knows the
    card asks nobody). The inbox index from before the card; None if the step was not
    done (``name`` NOT TESTED)."""
    since = len(ctx.session.inbox)
    if not await ctx.physical(StepKind.PRESENT_CARD, evse, name, tag):
        return None
    carries = carrying(tag)
    with suppress(SessionError):
        await ctx.expect(
            "Authorize",
            carries,
            ctx.settings.timeouts.status,
            Cursor(since),
            ends=[("TransactionEvent", carries)],
            what="the card's AuthorizeRequest",
            quiet=True,
        )
    return since


def carrying(tag: str) -> Callable[[Payload], bool]:
    """A predicate: the payload carries the idToken ``tag``."""
    return lambda p: (p.get("idToken") or {}).get("idToken") == tag


def authorize_of(ctx: CaseContext, tag: str, since: int) -> Message | None:
    """The AuthorizeRequest of ``tag`` since ``since``, if the station sent one."""
    for m in ctx.session.inbox[since:]:
        if m.action == "Authorize" and m.valid and m.payload["idToken"]["idToken"] == tag:
            return m
    return None


async def charging_by_card(
    ctx: CaseContext,
    name: str,
    evse: int = 1,
    *,
    cable_first: bool = False,
    card: str | None = None,
) -> Charging | None:
    """EnergyTransferStarted reached with a card (``card``, by default the bench's:
    settings.valid_id_tag): the card, then the car plugged in (E03), or the car first
    (``cable_first``, E02); until a TransactionEvent of the transaction says
    chargingState Charging. None (and ``name`` NOT TESTED, naming what would reach it)
    if not reached."""
    if running_transactions(ctx):
        not_tested(ctx, name, "a transaction is already running: the EVSE is taken")
        return None
    tag = card or ctx.settings.valid_id_tag
    since = len(ctx.session.inbox)
    if cable_first and not await ctx.physical(StepKind.PLUG, evse, name):
        return None
    if await authorized_locally(ctx, name, evse, tag) is None:
        if cable_first:
            await finish(ctx, None, evse)
        return None
    if not cable_first and not await ctx.physical(StepKind.PLUG, evse, name):
        return None

    def ours(p: Payload) -> bool:
        named = (p.get("evse") or {}).get("id") == evse
        return named or (p.get("idToken") or {}).get("idToken") == tag

    first = await _first(ctx, ours, since, "the transaction of the card")
    tid = first.payload["transactionInfo"]["transactionId"] if first is not None else None
    if first is None or tid is None or not await until_charging(ctx, first, since):
        not_tested(
            ctx,
            name,
            "no transaction charging after the card and the plug: the station may not know "
            f"the card {tag} (an AuthorizeRequest answered Accepted would start it), or the "
            "car may not draw energy",
        )
        await finish(ctx, tid, evse)
        return None
    return Charging(tid, evse, 0, since, (first.entry_id,))


async def _first(
    ctx: CaseContext, where: Callable[[Payload], bool], since: int, what: str
) -> Message | None:
    try:
        return await ctx.expect(
            "TransactionEvent", where, ctx.settings.timeouts.transaction, Cursor(since), what=what
        )
    except SessionError:
        return None


def charging_state(state: str) -> Callable[[Payload], bool]:
    return lambda p: p["transactionInfo"].get("chargingState") == state


async def until_charging(ctx: CaseContext, first: Message, since: int) -> bool:
    """Whether the transaction of ``first`` says chargingState Charging (now or within
    timeouts.transaction)."""
    tid = first.payload["transactionInfo"]["transactionId"]
    said = await next_event(ctx, tid, since, charging_state("Charging"), "chargingState Charging")
    return said is not None


# -- Authorized (remote), EnergyTransferSuspended, the cable -----------------------------------


async def authorized_remotely(ctx: CaseContext, name: str, evse: int) -> tuple[int, int] | None:
    """Authorized (remote), no car yet: RequestStartTransaction for ``evse`` Accepted; its
    remoteStartId and the inbox index from before it. None (``name`` NOT TESTED) when
    a transaction runs already or the station refuses (F01.FR.21-24 let it)."""
    if running_transactions(ctx):
        not_tested(ctx, name, "a transaction is already running: the EVSE is taken")
        return None
    since = len(ctx.session.inbox)
    accepted = await remote_start_accepted(ctx, name, evse)
    if accepted is None:
        return None
    return accepted[0], since


def remote_started(remote_start_id: int) -> Callable[[Payload], bool]:
    return lambda p: p["transactionInfo"].get("remoteStartId") == remote_start_id


async def energy_suspended(ctx: CaseContext, session: Charging, name: str) -> Message | None:
    """EnergyTransferSuspended: the car stops drawing (the operator's step) and the
    transaction says so (chargingState SuspendedEV, E01.FR.19, or EVConnected for a
    station that cannot tell a pause, E01.FR.20: both SHOULD). None (``name`` NOT TESTED)
    if the step was not done or no such event came."""
    since = len(ctx.session.inbox)
    if not await ctx.physical(StepKind.EV_SUSPEND, session.evse, name):
        return None
    paused = await next_event(
        ctx,
        session.transaction_id,
        since,
        lambda p: p["transactionInfo"].get("chargingState") in ("SuspendedEV", "EVConnected"),
        "chargingState SuspendedEV",
    )
    if paused is None:
        not_tested(
            ctx,
            name,
            "the transaction reported no pause (chargingState SuspendedEV or EVConnected) after "
            "the car stopped drawing: E01.FR.19/20 ask it only as SHOULD",
        )
    return paused


async def resume(ctx: CaseContext, evse: int) -> None:
    """Clean-up after a pause: the car draws again."""
    await ctx.physical(StepKind.EV_RESUME, evse, "the car draws again", otherwise="clean-up")


# ConnectorType (part 2, ConnectorEnumType): "c..." a cable attached to the station,
# "s..." a socket for a detachable cable; the DC ones charge no IEC 61851-1 (basic) EV.
DC_ONLY = frozenset({"cCCS1", "cCCS2", "cG105", "cChaoJi"})


async def connector_type(ctx: CaseContext, evse: int = 1, connector: int = 1) -> str | None:
    """Connector.ConnectorType of the EVSE's connector (None: not given)."""
    item = {
        "component": {"name": "Connector", "evse": {"id": evse, "connectorId": connector}},
        "variable": {"name": "ConnectorType"},
    }
    try:
        result = await ctx.session.call(
            "GetVariables", {"getVariableData": [item]}, ctx.settings.timeouts.call
        )
    except SessionError:
        return None
    for got in result.get("getVariableResult") or []:
        if got.get("attributeStatus") == "Accepted" and got.get("attributeValue"):
            return str(got["attributeValue"])
    return None


def cable_attached(kind: str | None) -> bool | None:
    """True for a cable attached to the station, False for a socket, None: cannot tell."""
    if kind and kind[0] in "cs" and (kind[1:2].isupper() or kind[1:2].isdigit()):
        return kind[0] == "c"
    return None


# -- StopAuthorized -----------------------------------------------------------------------------


async def stop_authorized(
    ctx: CaseContext, session: Charging, name: str, *, local: bool, card: str | None = None
) -> Message | None:
    """StopAuthorized: the card that started ``session`` presented again (``local``) or
    RequestStopTransaction; the TransactionEvent that says so (triggerReason StopAuthorized
    or RemoteStop), else None with ``name`` recorded: NOT TESTED when the card was not
    presented, FAIL when the request is not Accepted (F03.FR.07) or no such event comes
    (E07.FR.02, F03.FR.02/03)."""
    tid, since = session.transaction_id, len(ctx.session.inbox)
    if local:
        tag = card or ctx.settings.valid_id_tag
        if not await ctx.physical(StepKind.PRESENT_CARD, session.evse, name, tag):
            return None
        trigger = "StopAuthorized"
        rule = f"{PART2} E07.FR.02: the card that started the transaction ends its authorization; the station SHALL send a TransactionEvent with triggerReason StopAuthorized"
    else:
        if not await _remote_stop(ctx, tid, name):
            return None
        trigger = "RemoteStop"
        rule = f"{PART2} F03.FR.02/F03.FR.03: after RequestStopTransaction the station SHALL send a TransactionEvent with triggerReason RemoteStop"
    event = await next_event(
        ctx, tid, since, lambda p: p["triggerReason"] == trigger, f"triggerReason {trigger}"
    )
    if event is None:
        ctx.check(False, name, f"no TransactionEvent with triggerReason {trigger}: {rule}")
    return event


async def _remote_stop(ctx: CaseContext, tid: str, name: str) -> bool:
    """RequestStopTransaction of ``tid``: Accepted, or ``name`` FAILs (F03.FR.07)."""
    try:
        result = await ctx.call("RequestStopTransaction", {"transactionId": tid})
    except SessionError as exc:
        ctx.check(False, name, f"RequestStopTransaction: {exc}")
        return False
    status = result.get("status")
    return ctx.check(
        status == "Accepted",
        "RequestStopTransaction is Accepted",
        f"answered {status}"
        + (
            ""
            if status == "Accepted"
            else f": {PART2} F03.FR.07: for a transaction that runs the station SHALL answer Accepted"
        ),
        evidence_of(result),
    )


async def ended_after(ctx: CaseContext, tid: str, since: int, what: str) -> Message | None:
    """The Ended TransactionEvent of ``tid`` since ``since`` (waited for)."""
    return await next_event(ctx, tid, since, ended, what)


def stopped_reason_present(ctx: CaseContext, end: Message, name: str = "") -> bool:
    """The Ended event names a stoppedReason: E06.FR.08 SHALL, for a transaction the
    driver did not end at the station."""
    reason = end.payload["transactionInfo"].get("stoppedReason")
    return ctx.check(
        reason is not None,
        name or "the Ended event gives a stoppedReason",
        f"stoppedReason {reason}"
        if reason is not None
        else f"none: {PART2} E06.FR.08: a transaction not ended by the driver at the station SHALL have a stoppedReason",
        (end.entry_id,),
    )
