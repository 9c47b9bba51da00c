# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Block E, transaction messages held while the station is offline: GetTransactionStatus
while they wait to be sent (E14), a transaction stopped offline (E08), one that ran
wholly offline (E12).

The bench makes the outage itself (it closes the connection and refuses reconnections
for settings.outage seconds, DESIGN.md) and asks GetTransactionStatus the moment the
station is back. Whether a message is still queued then is a race the station may win:
messagesInQueue false is a FAIL only when a message of the outage arrives after the
answer (it was queued when the station said none was); when all came before the answer,
it is NOT TESTED.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message, Result
from chargecheck.script.catalogue.base import CatalogueCase, ask, not_tested, outage
from chargecheck.script.catalogue201.base import (
    LOCAL_AUTHORIZE_OFFLINE,
    PART2,
    Variable,
    case201,
    evidence_of,
)
from chargecheck.script.catalogue201.official import BY_ID
from chargecheck.script.catalogue201.sessions import (
    OFFLINE_TX_FOR_UNKNOWN_ID,
    carrying,
    charging_by_card,
    ended,
    is_true,
    next_event,
    settings_for_case,
)
from chargecheck.script.catalogue201.states import (
    Charging,
    charging,
    events_of,
    finish,
    running_transactions,
    variable_set,
)
from chargecheck.script.catalogue201.transactions import (
    TX_UPDATED_INTERVAL,
    _offline_events,
    seq_nos_counted,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind

AUTH_CACHE_ENABLED = Variable("AuthCacheCtrlr", "Enabled")
LOCAL_LIST_ENABLED = Variable("LocalAuthListCtrlr", "Enabled")


def _title(case_id: str) -> str:
    return BY_ID[case_id].title


def _interval(ctx: CaseContext) -> str:
    """TxUpdatedInterval for the case: a third of the outage, so events fall into it."""
    return str(max(1, int(ctx.settings.outage / 3)))


@dataclass(frozen=True)
class Outage:
    """What the bench saw of an outage: the inbox index before it, the bench's clock when
    the socket closed and when the station was back, the transaction's last event before."""

    before: int
    gone: float
    back: float
    last_before: Message | None
    connection: int  # the connection the outage closed

    def events(self, ctx: CaseContext, tid: str) -> list[Message]:
        """The transaction's events that happened during the outage (by their timestamp)."""
        return _offline_events(ctx, tid, self.before, self.back, self.last_before)

    def sent_after(self, ctx: CaseContext, tid: str) -> list[Message]:
        """The transaction's events sent once the station was back: for a transaction
        that ended during the outage, every one happened offline (or waited in the queue
        when the connection went, E11.FR.07)."""
        return [m for m in events_of(ctx, tid, self.before) if m.connection > self.connection]


async def _queue_sent(ctx: CaseContext, tid: str, since: int) -> None:
    """Until the station sends an event of ``tid`` that is not offline, or its Ended, or
    the status timeout passes (the queue comes first): nothing judged."""
    with suppress(SessionError):
        await ctx.expect(
            "TransactionEvent",
            lambda p: (
                p["transactionInfo"]["transactionId"] == tid
                and (not p.get("offline") or p["eventType"] == "Ended")
            ),
            ctx.settings.timeouts.status,
            Cursor(since),
            what="the queued events",
            quiet=True,
        )


def _queue_answer(
    ctx: CaseContext, result: Result, queued: list[Message], rule_id: str, rule: str
) -> bool:
    """messagesInQueue of ``result``: true PASSes; false FAILs only when an event of the
    outage came after the answer (it was queued then), else NOT TESTED."""
    name = "messagesInQueue true"
    said = result.get("messagesInQueue")
    evidence = evidence_of(result)
    if said is True:
        return ctx.check(True, name, "true", evidence)
    later = [m for m in queued if m.entry_id > result.entry_id]
    if later:
        return ctx.check(
            False,
            name,
            f"messagesInQueue {said}, yet {len(later)} event(s) of the outage came after the answer: {PART2} {rule_id}: {rule}",
            (*evidence, *(m.entry_id for m in later)),
        )
    not_tested(
        ctx,
        name,
        f"messagesInQueue {said}: "
        + (
            "every event of the outage came before the answer (the station had sent its queue)"
            if queued
            else "no event of the transaction fell into the outage"
        ),
        evidence,
    )
    return False


def _offline_flags(ctx: CaseContext, events: list[Message], rule: str) -> bool:
    missing = [m for m in events if m.payload.get("offline") is not True]
    return ctx.check(
        not missing,
        "the events of the outage say offline true",
        f"{len(events)} event(s)"
        + (f", {len(missing)} without offline true: {rule}" if missing else ", each offline true"),
        tuple(m.entry_id for m in events),
    )


def _meter_values(ctx: CaseContext, events: list[Message]) -> bool:
    bare = [
        m for m in events if m.payload["eventType"] == "Updated" and not m.payload.get("meterValue")
    ]
    return ctx.check(
        not bare,
        "with their meter values",
        f"{len(bare)} Updated event(s) without meterValue: {PART2} E11.FR.03: the configured measurands SHALL be in them"
        if bare
        else "meterValue in each",
        tuple(m.entry_id for m in events),
    )


async def _offline_now(
    ctx: CaseContext, tid: str, name: str, during: list[tuple[StepKind, str | None]]
) -> Outage | None:
    """The outage, with the operator's ``during`` steps (kind, card) done while the station
    is offline after half of it; None if it could not be made, a step was not done or
    the station is not back."""
    before, connection = len(ctx.session.inbox), ctx.session.connections
    earlier = events_of(ctx, tid)
    clock = ctx.session.clock
    done = True
    async with outage(ctx, name) as made:
        if not made:
            return None
        gone = clock.mono()
        if during:
            await asyncio.sleep(ctx.settings.outage / 2)  # events of the transaction queue up
        for kind, tag in during:
            if not await ctx.physical(kind, 1, name, tag):
                done = False
                break
    back = clock.mono()
    if not done or not ctx.session.connected:
        return None
    return Outage(before, gone, back, earlier[-1] if earlier else None, connection)


async def _status_with_queue(ctx: CaseContext, name: str, *, with_id: bool) -> str:
    async with variable_set(ctx, TX_UPDATED_INTERVAL, _interval(ctx)) as problem:
        if problem is not None:
            ctx.say(f"  {problem}: the station's own interval is kept")
        session = await charging(ctx, name)
        if session is None:
            return ""
        try:
            return await _asked_when_back(ctx, session, name, with_id=with_id)
        finally:
            await finish(ctx, session.transaction_id, session.evse)


async def _asked_when_back(ctx: CaseContext, session: Charging, name: str, *, with_id: bool) -> str:
    tid = session.transaction_id
    made = await _offline_now(ctx, tid, name, [])
    if made is None:
        return ""
    request = {"transactionId": tid} if with_id else {}
    result = await ask(ctx, "GetTransactionStatus is answered", "GetTransactionStatus", request)
    if result is None:
        return ""
    await _queue_sent(ctx, tid, made.before)
    queued = made.events(ctx, tid)
    evidence = evidence_of(result)
    ongoing = result.get("ongoingIndicator")
    if with_id:
        ok = ctx.check(
            ongoing is True,
            "ongoingIndicator true",
            f"ongoingIndicator {ongoing}"
            + (
                ""
                if ongoing is True
                else f": {PART2} E14.FR.02: for a transaction still running the station SHALL say true"
            ),
            evidence,
        )
        rule = (
            "E14.FR.04",
            "with messages of the transaction still to be delivered the station SHALL say true",
        )
    else:
        ok = ctx.check(
            "ongoingIndicator" not in result,
            "no ongoingIndicator without a transactionId",
            "not given"
            if "ongoingIndicator" not in result
            else f"ongoingIndicator {ongoing}: {PART2} E14.FR.06: without a transactionId it SHALL NOT be given",
            evidence,
        )
        rule = (
            "E14.FR.07",
            "with any transaction message still to be delivered the station SHALL say true",
        )
    ok = _queue_answer(ctx, result, queued, *rule) and ok
    if queued:
        ok = (
            _offline_flags(
                ctx, queued, f"{PART2} E11.FR.02: the queued events SHALL be sent with offline true"
            )
            and ok
        )
        ok = _meter_values(ctx, queued) and ok
    return "OK, the queue was reported" if ok else ""


@case201(
    "TC_E_29_CS",
    _title("TC_E_29_CS"),
    "E14.FR.02, E14.FR.04, E11.FR.02, E11.FR.03",
    """
SampledDataCtrlr.TxUpdatedInterval set to a third of the outage for the case when the station lets it be, put back after; a transaction charging on EVSE 1 (EnergyTransferStarted; not reached: NOT TESTED)
The bench closes the connection and refuses reconnections for the outage; the moment the station is back it sends GetTransactionStatus with the transactionId
ongoingIndicator true (E14.FR.02 SHALL); messagesInQueue true (E14.FR.04 SHALL): false FAILs only if an event of the outage arrives after the answer, else NOT TESTED (the queue may be sent first)
The events of the outage arrive with offline true (E11.FR.02 SHALL) and their meter values (E11.FR.03 SHALL); the bench stops the transaction and the car is unplugged""",
)
async def status_ongoing_queued(ctx: CaseContext) -> str:
    return await _status_with_queue(ctx, "the queue is reported for the transaction", with_id=True)


@case201(
    "TC_E_33_CS",
    _title("TC_E_33_CS"),
    "E14.FR.06, E14.FR.07, E11.FR.02, E11.FR.03",
    """
As TC_E_29_CS (a transaction charging, TxUpdatedInterval short, the bench's outage), the moment the station is back GetTransactionStatus without a transactionId
No ongoingIndicator (E14.FR.06 SHALL NOT); messagesInQueue true (E14.FR.07 SHALL): false FAILs only if an event of the outage arrives after the answer, else NOT TESTED
The events of the outage arrive with offline true (E11.FR.02 SHALL) and their meter values (E11.FR.03 SHALL); the bench stops the transaction and the car is unplugged""",
)
async def status_without_id_queued(ctx: CaseContext) -> str:
    return await _status_with_queue(ctx, "the queue is reported", with_id=False)


async def _charged_then_stopped_offline(
    ctx: CaseContext, name: str
) -> tuple[Charging, Outage] | None:
    """EnergyTransferStarted with the bench's card, then ``_stopped_offline`` with that
    card; None: not reached (recorded, the transaction stopped)."""
    session = await charging_by_card(ctx, name)
    if session is None:
        return None
    made = await _stopped_offline(ctx, name, session, ctx.settings.valid_id_tag)
    if made is None:
        await finish(ctx, session.transaction_id, session.evse)
        return None
    return session, made


async def _stopped_offline(
    ctx: CaseContext, name: str, session: Charging, card: str
) -> Outage | None:
    """The outage with the card (``card``) presented and the car unplugged during it."""
    steps = [(StepKind.PRESENT_CARD, card), (StepKind.UNPLUG, None)]
    return await _offline_now(ctx, session.transaction_id, name, steps)


async def _ended_offline(
    ctx: CaseContext, tid: str, made: Outage, rule_ids: str
) -> tuple[Message | None, bool]:
    """The transaction's Ended after the outage, judged: it came (E08.FR.04/06) and the
    events sent once back say offline true (E08.FR.07)."""
    end = await next_event(ctx, tid, made.before, ended, "the Ended queued offline")
    ok = ctx.check(
        end is not None,
        "the Ended of the offline stop arrives",
        f"Ended, triggerReason {end.payload['triggerReason']}"
        if end is not None
        else f"no TransactionEvent Ended after the outage: {PART2} {rule_ids}: the station SHALL generate the Ended of a transaction stopped offline and send it once back",
        (end.entry_id,) if end is not None else (),
    )
    events = made.sent_after(ctx, tid)
    if events:
        rule = f"{PART2} E08.FR.07: an event that happened offline SHALL be sent with offline true"
        ok = _offline_flags(ctx, events, rule) and ok
    return end, ok


@case201(
    "TC_E_31_CS",
    _title("TC_E_31_CS"),
    "E14.FR.03, E14.FR.04, E08.FR.04, E08.FR.07",
    """
SampledDataCtrlr.TxUpdatedInterval set short for the case; EnergyTransferStarted with the bench's card (not reached: NOT TESTED)
The bench closes the connection and refuses reconnections; meanwhile the same card is presented (the driver's stop) and the car unplugged (the operator's steps)
The moment the station is back, GetTransactionStatus with the transactionId: ongoingIndicator false (E14.FR.03 SHALL: the transaction ended); messagesInQueue true (E14.FR.04 SHALL; false FAILs only if an event of the outage arrives after the answer)
The transaction's Ended arrives (E08.FR.04 SHALL) and the events of the outage say offline true (E08.FR.07 SHALL)""",
)
async def status_ended_queued(ctx: CaseContext) -> str:
    name = "the ended transaction's queue is reported"
    async with variable_set(ctx, TX_UPDATED_INTERVAL, _interval(ctx)):
        stopped = await _charged_then_stopped_offline(ctx, name)
        if stopped is None:
            return ""
        session, made = stopped
        tid = session.transaction_id
        result = await ask(
            ctx, "GetTransactionStatus is answered", "GetTransactionStatus", {"transactionId": tid}
        )
        if result is None:
            await finish(ctx, tid, session.evse)
            return ""
        ongoing = result.get("ongoingIndicator")
        ok = ctx.check(
            ongoing is False,
            "ongoingIndicator false",
            f"ongoingIndicator {ongoing}"
            + (
                ""
                if ongoing is False
                else f": {PART2} E14.FR.03: for a transaction that ended the station SHALL say false"
            ),
            evidence_of(result),
        )
        end, ended_ok = await _ended_offline(ctx, tid, made, "E08.FR.04, E08.FR.06")
        queued = made.sent_after(ctx, tid)
        ok = ended_ok and ok
        ok = (
            _queue_answer(
                ctx,
                result,
                queued,
                "E14.FR.04",
                "with messages of the transaction still to be delivered the station SHALL say true",
            )
            and ok
        )
        if end is None:
            await finish(ctx, tid, session.evse)
        return "OK, ended offline and reported" if ok else ""


@case201(
    "TC_E_44_CS",
    _title("TC_E_44_CS"),
    "E08.FR.01, E08.FR.04, E08.FR.05, E08.FR.06, E08.FR.07, E08.FR.08",
    """
EnergyTransferStarted with the bench's card (not reached: NOT TESTED)
The bench closes the connection and refuses reconnections; meanwhile the same card is presented (it stops the energy, E08.FR.01) and the car unplugged (the operator's steps)
Once back, the station sends the transaction's Ended (E08.FR.04, E08.FR.05/06 SHALL: generated, queued, sent) and every event of the outage says offline true (E08.FR.07 SHALL); the seqNo go up by one (E08.FR.08 SHALL)""",
)
async def stopped_offline(ctx: CaseContext) -> str:
    name = "the transaction stopped offline is reported"
    stopped = await _charged_then_stopped_offline(ctx, name)
    if stopped is None:
        return ""
    session, made = stopped
    tid = session.transaction_id
    end, ok = await _ended_offline(ctx, tid, made, "E08.FR.04, E08.FR.06")
    if end is None:
        await finish(ctx, tid, session.evse)
        return ""
    ok = seq_nos_counted(ctx, tid) and ok
    return "OK, stopped offline" if ok else ""


@case201(
    "TC_E_43_CS",
    _title("TC_E_43_CS"),
    "E12.FR.01, E12.FR.02, E01.FR.07",
    """
AuthCtrlr.LocalAuthorizeOffline and OfflineTxForUnknownIdEnabled set true for the case where the station lets them be, put back after; no transaction runs
The bench closes the connection and refuses reconnections; meanwhile the car is plugged into EVSE 1, the bench's card presented, presented again (the driver's stop) and the car unplugged (the operator's steps); a station that started no transaction offline is NOT TESTED (it may refuse a card it cannot check)
Once back, the station sends the whole transaction (E12.FR.01 SHALL: a Started and an Ended among its events), each event with offline true (E12.FR.02 SHALL), the seqNo going up by one (E01.FR.07 SHALL)""",
)
async def transaction_offline(ctx: CaseContext) -> str:
    name = "the offline transaction is reported"
    tag = ctx.settings.valid_id_tag
    async with settings_for_case(
        ctx, (LOCAL_AUTHORIZE_OFFLINE, "true"), (OFFLINE_TX_FOR_UNKNOWN_ID, "true")
    ):
        if running_transactions(ctx):
            not_tested(ctx, name, "a transaction is already running: the EVSE is taken")
            return ""
        since = len(ctx.session.inbox)
        steps = [
            (StepKind.PLUG, None),
            (StepKind.PRESENT_CARD, tag),
            (StepKind.PRESENT_CARD, tag),
            (StepKind.UNPLUG, None),
        ]
        made = await _offline_now(ctx, "-", name, steps)
        if made is None:
            await finish(ctx, None, 1)
            return ""
        try:
            first = await ctx.expect(
                "TransactionEvent",
                carrying(tag),
                ctx.settings.timeouts.transaction,
                Cursor(since),
                what="the queued transaction",
            )
        except SessionError:
            not_tested(
                ctx,
                name,
                "no TransactionEvent carries the card after the outage: the station started no transaction offline (it may refuse a card it cannot check offline)",
            )
            return ""
        tid = first.payload["transactionInfo"]["transactionId"]
        end = await next_event(ctx, tid, since, ended, "the queued Ended")
        events = events_of(ctx, tid, since)
        kinds = {m.payload["eventType"] for m in events}
        whole = {"Started", "Ended"} <= kinds
        ok = ctx.check(
            whole,
            name,
            f"{len(events)} event(s), Started and Ended among them"
            if whole
            else f"{sorted(kinds)} only: {PART2} E12.FR.01: the station SHALL queue every TransactionEvent of the offline transaction and send them once back",
            tuple(m.entry_id for m in events),
        )
        ok = (
            _offline_flags(
                ctx, events, f"{PART2} E12.FR.02: the queued events SHALL be sent with offline true"
            )
            and ok
        )
        ok = seq_nos_counted(ctx, tid) and ok
        if end is None:
            await finish(ctx, tid, 1)
        return "OK, the offline transaction was sent" if ok else ""


@case201(
    "TC_E_45_CS",
    _title("TC_E_45_CS"),
    "E08.FR.02, E08.FR.04, E08.FR.05, E08.FR.06, E08.FR.07, E08.FR.08",
    """
The station has an Authorization Cache that is enabled or can be (AuthCacheCtrlr.Enabled; else NOT TESTED: the bench puts no card into a Local Authorization List); for the case the bench answers both its cards (settings valid_id_tag and invalid_id_tag) Accepted with one groupIdToken
IdTokenCached: a whole session with the second card (card, plug, card, unplug) puts it into the cache; then EnergyTransferStarted with the first card
The bench closes the connection and refuses reconnections; meanwhile the second card is presented (same group: it stops the energy, E08.FR.02) and the car unplugged
Once back, the station sends the transaction's Ended (E08.FR.04/05/06 SHALL) and every event of the outage says offline true (E08.FR.07 SHALL)""",
)
async def stopped_offline_group(ctx: CaseContext) -> str:
    name = "the group's card stops the transaction offline"
    cache = await is_true(ctx, AUTH_CACHE_ENABLED)
    if cache is None:
        listed = await is_true(ctx, LOCAL_LIST_ENABLED)
        not_tested(
            ctx,
            name,
            f"the station reports no {AUTH_CACHE_ENABLED}"
            + (
                f" ({LOCAL_LIST_ENABLED} is {listed}; the bench puts no card into a Local Authorization List yet)"
                if listed is not None
                else f" and no {LOCAL_LIST_ENABLED}"
            )
            + ": nothing would tell it offline that a second card shares the group (E08.FR.02)",
        )
        return ""
    first, second = ctx.settings.valid_id_tag, ctx.settings.invalid_id_tag
    answers = ctx.session.answers
    group = "CCGROUP201"
    saved = {t: (answers.id_tags.get(t), answers.parents.get(t)) for t in (first, second)}
    async with variable_set(ctx, AUTH_CACHE_ENABLED, "true") as problem:
        if problem is not None:
            not_tested(ctx, name, f"{problem}: the case needs the Authorization Cache")
            return ""
        try:
            for tag in (first, second):
                answers.id_tags[tag], answers.parents[tag] = "Accepted", group
            return await _group_stop(ctx, name, first, second)
        finally:
            for tag, (status, parent) in saved.items():
                _restore(answers.id_tags, tag, status)
                _restore(answers.parents, tag, parent)


def _restore(table: dict[str, str], key: str, value: str | None) -> None:
    if value is None:
        table.pop(key, None)
    else:
        table[key] = value


async def _group_stop(ctx: CaseContext, name: str, first: str, second: str) -> str:
    cached = await charging_by_card(ctx, name, card=second)
    if cached is None:
        return ""
    stop_at = len(ctx.session.inbox)
    if not await ctx.physical(StepKind.PRESENT_CARD, 1, name, second):
        await finish(ctx, cached.transaction_id, 1)
        return ""
    await next_event(ctx, cached.transaction_id, stop_at, ended, "the cached card's session ends")
    await finish(
        ctx,
        cached.transaction_id if cached.transaction_id in running_transactions(ctx) else None,
        1,
    )
    session = await charging_by_card(ctx, name)
    if session is None:
        return ""
    made = await _stopped_offline(ctx, name, session, second)
    if made is None:
        await finish(ctx, session.transaction_id, session.evse)
        return ""
    end, ok = await _ended_offline(
        ctx, session.transaction_id, made, "E08.FR.02, E08.FR.04, E08.FR.06"
    )
    if end is None:
        await finish(ctx, session.transaction_id, session.evse)
        return ""
    return "OK, the group's card stopped it offline" if ok else ""


CASES: list[CatalogueCase] = [
    status_ongoing_queued,
    status_ended_queued,
    status_without_id_queued,
    transaction_offline,
    stopped_offline,
    stopped_offline_group,
]
