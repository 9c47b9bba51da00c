"""What every case of the open catalogue is made of, and the small steps they share.

A case is a ``CatalogueCase``: its id, title, the OCPP 1.6 section it rests on, its
criteria (one line each, each naming the SHALL/MUST it judges) and ``run``. ``case``
builds one from an async function and guards it with the feature profile it needs
(OCPP 1.6 section 3.3: only Core is required; the station reports the others in
``SupportedFeatureProfiles``): a station that does not claim the profile gets NOT TESTED
with that reason, never a FAIL.

How the outcomes are decided, in every module of the catalogue:

- FAIL rests on a SHALL or MUST of OCPP 1.6 only, named in the criterion's detail;
- what the specification leaves to the station (a MAY, a SHOULD, an answer it may
  choose, such as Rejected where the text allows it) is NOT TESTED with the reason;
- a physical step nobody did (``ctx.physical``) is NOT TESTED.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from typing import Any, NamedTuple

from chargecheck.csms.errors import NotConnected, SessionError
from chargecheck.csms.session import Cursor, Message, Predicate, Result
from chargecheck.protocol.actions import FEATURE_PROFILES
from chargecheck.script import reach
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.steps import configuration, configured, transaction_of, unplug_quietly
from chargecheck.script.verdict import Outcome
from chargecheck.script.waits import Wanted

CaseRun = Callable[[CaseContext], Awaitable[str]]

PROFILES = FEATURE_PROFILES  # OCPP 1.6 section 3.1


@dataclass(frozen=True)
class CatalogueCase:
    id: str
    title: str
    section: str
    criteria: str
    run: Callable[[CaseContext], Awaitable[str]]
    profile: str = "Core"


def case(
    id: str,  # noqa: A002 - the case's id, as the pack names it
    title: str,
    section: str,
    criteria: str,
    profile: str = "Core",
) -> Callable[[CaseRun], CatalogueCase]:
    """A ``CatalogueCase`` of the decorated function, guarded by ``profile``."""
    if profile not in PROFILES:
        raise ValueError(f"{id}: unknown feature profile {profile!r}")

    def make(body: CaseRun) -> CatalogueCase:
        async def run(ctx: CaseContext) -> str:
            if not await connected(ctx):
                return ""
            if profile != "Core" and not await claims(ctx, profile):
                return ""
            return await body(ctx)

        run.__name__, run.__doc__ = body.__name__, body.__doc__
        return CatalogueCase(id, title, section, criteria.strip(), run, profile)

    return make


async def connected(ctx: CaseContext) -> bool:
    """The station is connected, or connects within ``timeouts.connect`` (it may still be
    in its reconnection backoff after an earlier case's outage or reboot); if not, the
    case is NOT TESTED: nothing of it was judged. A station an earlier wait already gave
    up on (``timeouts.connect`` here, or the reconnect window of a wait for a message:
    ``waits.StationAway``), and that has not connected since, is not waited for again:
    each case after it is NOT TESTED at once."""
    session, known = ctx.session, ctx.known
    if session.connected:
        return True
    name = "the station is connected"
    if known.gone_after == session.connections:
        away = session.away_for
        since = "" if away is None else f" for {away:.0f} s"
        said = f"{session.identity} has been away{since}, and an earlier wait gave up on it"
        not_tested(ctx, name, said)
        return False
    try:
        await ctx.wait_connected(ctx.settings.timeouts.connect)
    except NotConnected as exc:
        known.gone_after = session.connections
        not_tested(ctx, name, str(exc))
        return False
    return True


async def claims(ctx: CaseContext, profile: str) -> bool:
    """Does the station claim ``profile`` in SupportedFeatureProfiles (OCPP 1.6 section
    3.3)? If not, the case is recorded NOT TESTED with that reason."""
    value = await configuration(ctx, "SupportedFeatureProfiles")
    claimed = {p.strip().lower() for p in (value or "").split(",") if p.strip()}
    if profile.lower() in claimed:
        return True
    ctx.record(
        f"the station supports the {profile} profile",
        Outcome.NOT_TESTED,
        f"SupportedFeatureProfiles is {value or 'empty'}: the {profile} profile is optional "
        "(OCPP 1.6 section 3.3) and not claimed"
        if value is not None
        else "SupportedFeatureProfiles could not be read"
        + ("" if ctx.session.connected else " (the station is not connected)"),
    )
    return False


async def claims_quietly(ctx: CaseContext, profile: str) -> bool:
    """Whether the station claims ``profile``, recording nothing."""
    value = await configuration(ctx, "SupportedFeatureProfiles") or ""
    return profile.lower() in {p.strip().lower() for p in value.split(",")}


# -- calls and answers ---------------------------------------------------------------------


async def ask(
    ctx: CaseContext,
    name: str,
    action: str,
    payload: dict[str, Any],
    connector_id: int | None = None,
) -> Result | None:
    """Send ``action``; a CALLERROR, a bad result or no answer FAILs ``name``: every
    action of OCPP 1.6 chapter 5 says the Charge Point SHALL respond with its .conf."""
    return await ctx.attempt(name, ctx.call(action, payload), connector_id)


def answered(
    ctx: CaseContext,
    name: str,
    result: Result,
    wanted: tuple[str, ...],
    rule: str,
    connector_id: int | None = None,
    field: str = "status",
) -> bool:
    """``name`` PASSes if the result's ``field`` is one of ``wanted``, else FAILs
    quoting ``rule`` (the SHALL it breaks)."""
    got = result.get(field)
    ok = got in wanted
    said = f"answered {got}" if field == "status" else f"{field} {got}"  # what happened
    detail = said if ok else f"{said}, not {' or '.join(wanted)}: {rule}"
    return ctx.check(ok, name, detail, (result.call_entry_id, result.entry_id), connector_id)


async def ask_expecting(
    ctx: CaseContext,
    name: str,
    action: str,
    payload: dict[str, Any],
    wanted: tuple[str, ...],
    rule: str,
    connector_id: int | None = None,
) -> Result | None:
    """``ask``, then ``answered``: the result with its status judged against ``wanted``
    (None: no answer, ``name`` FAILed)."""
    result = await ask(ctx, name, action, payload, connector_id)
    if result is not None:
        answered(ctx, name, result, wanted, rule, connector_id)
    return result


async def ask_accepted(
    ctx: CaseContext,
    name: str,
    action: str,
    payload: dict[str, Any],
    refusal: str,
    connector_id: int | None = None,
    detail: str = "Accepted",
) -> Result | None:
    """``ask`` a request the station may refuse: Accepted PASSes ``name`` with ``detail``;
    another status is NOT TESTED, ``refusal`` following "answered <status>" to say why the
    station may answer so. The result when Accepted, else None."""
    result = await ask(ctx, name, action, payload, connector_id)
    if result is None:
        return None
    evidence = (result.call_entry_id, result.entry_id)
    if result.get("status") != "Accepted":
        not_tested(ctx, name, f"answered {result.get('status')}{refusal}", evidence, connector_id)
        return None
    ctx.check(True, name, detail, evidence, connector_id)
    return result


def not_tested(
    ctx: CaseContext, name: str, detail: str, evidence: tuple[int, ...] = (), c: int | None = None
) -> None:
    ctx.record(name, Outcome.NOT_TESTED, detail, evidence, c)


async def arrives(
    ctx: CaseContext,
    name: str,
    action: str,
    where: Predicate | None,
    cursor: Cursor,
    timeout: float | None = None,
    connector_id: int | None = None,
    *,
    ends: Sequence[Wanted] = (),
    what: str = "",
) -> Message | None:
    """The station's ``action`` since ``cursor``, or the first message ``ends`` accepts
    (``CaseContext.expect``); none in time FAILs ``name``."""
    waited = ctx.expect(action, where, timeout, Cursor(cursor.start), ends=ends, what=what)
    return await ctx.attempt(name, waited, connector_id)


async def stop_arrives(
    ctx: CaseContext, name: str, transaction_id: int, cursor: Cursor, c: int
) -> Message | None:
    """The StopTransaction of ``transaction_id`` since ``cursor`` (4.10: the Charge Point
    SHALL send one): PASS ``name`` with its reason; none within ``timeouts.transaction``
    FAILs ``name``."""
    wait = ctx.settings.timeouts.transaction
    where = of_transaction(transaction_id)
    stop = await arrives(ctx, name, "StopTransaction", where, cursor, wait, c)
    if stop is not None:
        ctx.check(True, name, f"reason {stop.payload.get('reason', '-')}", (stop.entry_id,), c)
    return stop


async def watch(
    ctx: CaseContext,
    action: str,
    where: Predicate | None,
    cursor: Cursor,
    timeout: float | None = None,
    *,
    ends: Sequence[Wanted] = (),
    what: str = "",
) -> Message | None:
    """The station's ``action`` since ``cursor`` if one comes in time, or the first message
    ``ends`` accepts (``CaseContext.expect``; nothing recorded)."""
    try:
        return await ctx.expect(action, where, timeout, Cursor(cursor.start), ends=ends, what=what)
    except SessionError:
        return None


async def stop_seen(
    ctx: CaseContext, transaction_id: int, cursor: Cursor, timeout: float | None = None
) -> Message | None:
    """The StopTransaction of ``transaction_id`` since ``cursor`` if one comes within
    ``timeout`` (default ``timeouts.transaction``; nothing recorded)."""
    wait = ctx.settings.timeouts.transaction if timeout is None else timeout
    return await watch(ctx, "StopTransaction", of_transaction(transaction_id), cursor, wait)


def on(connector_id: int, **fields: Any) -> Predicate:
    """A payload of ``connector_id`` whose other ``fields`` have these values."""
    return lambda p: (
        p.get("connectorId") == connector_id and all(p.get(k) == v for k, v in fields.items())
    )


def of_transaction(transaction_id: int | None) -> Predicate:
    return lambda p: p.get("transactionId") == transaction_id


@contextmanager
def parent_of(ctx: CaseContext, parent: str, *tags: str) -> Iterator[None]:
    """For the block the bench answers each of ``tags`` with the parentIdTag ``parent``
    (IdTagInfo, 7.14); what it answered before is put back after."""
    parents = ctx.session.answers.parents
    saved = {t: parents.get(t) for t in tags}
    parents.update(dict.fromkeys(tags, parent))
    try:
        yield
    finally:
        for t, was in saved.items():
            if was is None:
                parents.pop(t, None)
            else:
                parents[t] = was


def new_tag(prefix: str = "CC") -> str:
    """An idTag the station has never seen (not in its list nor its cache): IdToken is a
    CiString20 (OCPP 1.6 section 7.9)."""
    return f"{prefix}{secrets.token_hex(6).upper()}"[:20]


def now_plus(ctx: CaseContext, seconds: float) -> str:
    from datetime import timedelta

    from chargecheck.clock import utc_iso

    return utc_iso(ctx.session.clock.utc() + timedelta(seconds=seconds))


async def key_bool(ctx: CaseContext, key: str) -> bool | None:
    value = await configuration(ctx, key)
    return None if value is None else value.strip().lower() == "true"


async def key_int(ctx: CaseContext, key: str) -> int | None:
    value = await configuration(ctx, key)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class Unset(NamedTuple):
    """A configuration key the station would not take at the value a case needs."""

    key: str
    now: str | None  # its value before, as reported (None: not reported)
    value: str

    def __str__(self) -> str:
        was = "not reported" if self.now is None else f"{self.now}"
        return f"{self.key} ({was}) cannot be set to {self.value}"


@asynccontextmanager
async def keys_at(ctx: CaseContext, keys: dict[str, str]) -> AsyncIterator[Unset | None]:
    """Each key at its value for the block: left alone where it already is, else set and put
    back afterwards. Yields None, or the first key that could not be (nothing recorded)."""
    async with AsyncExitStack() as stack:
        for key, value in keys.items():
            now = await configuration(ctx, key)
            if now is not None and now.strip().lower() == value.lower():
                continue
            if not await stack.enter_async_context(configured(ctx, key, value, "")):
                yield Unset(key, now, value)
                return
        yield None


async def unknown_connector(ctx: CaseContext) -> int:
    """A connector id the station does not have (one past its last)."""
    return max(await ctx.connectors()) + 1


# -- people and the network -----------------------------------------------------------------


async def present(
    ctx: CaseContext, c: int, tag: str, name: str, plug: bool = True, refused: str = ""
) -> bool:
    """The operator plugs the car (if ``plug``) and presents ``tag`` at connector ``c``;
    ``refused`` says why the card is to be refused, for the operator's instruction (a
    card is never called valid when the bench or the station should refuse it)."""
    if plug and not await ctx.physical(StepKind.PLUG, c, name):
        return False
    if not await ctx.physical(StepKind.PRESENT_CARD, c, name, tag, refused=refused):
        await unplug_quietly(ctx, c)
        return False
    return True


async def stop_quietly(ctx: CaseContext, message: Message | None, c: int) -> None:
    """Clean-up: stop the transaction a StartTransaction began (if any) and unplug."""
    from chargecheck.script.steps import stop_remote

    tx = transaction_of(ctx, message) if message is not None else None
    if tx is not None:
        await stop_remote(ctx, tx, c)
    else:
        await unplug_quietly(ctx, c)


async def call_quietly(ctx: CaseContext, action: str, payload: dict[str, Any]) -> None:
    """Clean-up call: its answer is not judged."""
    with suppress(SessionError):
        await ctx.session.call(action, payload, ctx.settings.timeouts.call)


@asynccontextmanager
async def outage(ctx: CaseContext, name: str) -> AsyncIterator[bool]:
    """The network goes for ``settings.outage`` seconds (DESIGN.md: the bench closes the
    socket and refuses reconnections); the block runs while the station is offline and
    the context ends once it is back. Yields False (recorded) if no outage can be made;
    a station that does not come back is NOT TESTED on ``name`` (OCPP 1.6 has no SHALL
    on how soon a station reconnects), and the block after it sees it disconnected."""
    central, session = ctx.central, ctx.session
    if central is None:
        ctx.record(name, Outcome.ERROR, "the bench has no Central System handle for an outage")
        yield False
        return
    loop = asyncio.get_running_loop()
    began = loop.time()
    central.refuse(session.identity, ctx.settings.outage)
    ctx.say(f"  outage: socket closed, reconnects refused for {ctx.settings.outage:g} s")
    await session.disconnect(1001, "chargecheck: forced outage")
    try:
        yield True
    finally:
        await asyncio.sleep(max(0.0, ctx.settings.outage - (loop.time() - began)))
        try:  # a reconnection backoff may add to the outage: up to a boot and a connect
            await ctx.wait_connected(
                ctx.settings.timeouts.reboot + ctx.settings.timeouts.connect,
                "the station to reconnect after the outage",
            )
        except NotConnected as exc:
            not_tested(ctx, name, f"the station did not reconnect after the outage: {exc}")


async def running(ctx: CaseContext, c: int) -> int | None:
    """A transaction on connector ``c`` for the case to work on (``begin``, criterion "a
    transaction runs"): its id, or None."""
    started = await begin(ctx, c, "a transaction runs")
    return None if started is None else started[0]


async def running_from_idle(ctx: CaseContext) -> tuple[int, int, Cursor] | None:
    """The station made idle, then a transaction on the case's connector (``running``):
    the connector, the transaction id and the cursor from then; None: no transaction."""
    from chargecheck.script.steps import make_idle

    await make_idle(ctx)
    c = ctx.settings.connector
    tx = await running(ctx, c)
    return None if tx is None else (c, tx, ctx.mark())


async def sampled_during(
    ctx: CaseContext, c: int, sample: Callable[[int, Cursor], Awaitable[list[Message]]]
) -> tuple[int, list[Message]] | None:
    """A transaction on connector ``c`` (``running``), ``sample`` taken of it (given its id
    and the cursor from before it began), then the transaction stopped: its id and the
    messages sampled; None: no transaction."""
    from chargecheck.script.steps import stop_remote

    cursor = ctx.mark()
    tx = await running(ctx, c)
    if tx is None:
        return None
    found = await sample(tx, cursor)
    await stop_remote(ctx, tx, c)
    return tx, found


async def begin(
    ctx: CaseContext,
    c: int,
    name: str,
    extra: dict[str, Any] | None = None,
    *,
    remote_only: bool = False,
) -> tuple[int, Message] | None:
    """A transaction on connector ``c`` reached the shared way (``chargecheck.script.reach``:
    a remote start, a re-plug, a card; a legal refusal is NOT TESTED): the transaction id
    and its StartTransaction, ``name`` recorded PASS; else None, recorded on ``name``."""
    started = await reach.transaction(ctx, c, name, extra=extra, remote_only=remote_only)
    if started is None:
        return None
    how = "" if started.how == "RemoteStartTransaction" else f", started with {started.how}"
    ctx.check(True, name, f"transaction {started.transaction_id}{how}", started.evidence, c)
    return started.transaction_id, started.start
