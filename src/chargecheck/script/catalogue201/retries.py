# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Block E, a transaction message the CSMS does not accept (use case E13): the bench
leaves a TransactionEvent unanswered (the station's MessageTimeout passes) or answers it
with a CALLERROR, and counts how often, and when, the station sends it again.

OCPPCommCtrlr.MessageAttempts[TransactionEvent] (N) and MessageAttemptInterval
[TransactionEvent] (I) are set for the case where the station lets them be. The k-th
transmission (k >= 2) follows the one before by I x (k - 1) seconds (E13.FR.03), plus the
station's MessageTimeout[Default] when the bench did not answer at all; earlier than that
(less a tolerance) FAILs, later is legal. The message is the same one: the same
transactionId and seqNo.

The message withheld is the first TransactionEvent of a charging transaction after the
bench's RequestStopTransaction (its RemoteStop event, E13 holds for any transaction
message).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chargecheck.csms.answers import ErrorAnswer, NoAnswer
from chargecheck.csms.answers201 import id_token_info
from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message
from chargecheck.script.catalogue.base import CatalogueCase, not_tested
from chargecheck.script.catalogue201.base import (
    MESSAGE_TIMEOUT,
    PART2,
    Variable,
    case201,
    evidence_of,
    get_quietly,
)
from chargecheck.script.catalogue201.official import BY_ID
from chargecheck.script.catalogue201.sessions import settings_for_case
from chargecheck.script.catalogue201.states import charging, finish, running_transactions
from chargecheck.script.context import CaseContext

Payload = dict[str, Any]
MESSAGE_ATTEMPTS = Variable("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent")
MESSAGE_ATTEMPT_INTERVAL = Variable("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent")
INTERVAL_S = 1  # MessageAttemptInterval the bench sets


def _title(case_id: str) -> str:
    return BY_ID[case_id].title


@dataclass
class Withheld:
    """The bench's answers to one transaction's TransactionEvents: the first one after
    ``armed`` is the target (its seqNo); each of its transmissions until ``answer_from``
    (1-based; None: never) gets no answer or a CALLERROR, the others the default."""

    tid: str
    silent: bool  # no answer (else a CALLERROR InternalError)
    answer_from: int | None
    ctx: CaseContext
    seq_no: int | None = None
    sent: int = 0
    armed: bool = False
    answered: list[int] = field(default_factory=list)

    def build(self, payload: Payload) -> Payload:
        info = payload["transactionInfo"]
        if self.armed and info["transactionId"] == self.tid:
            if self.seq_no is None:
                self.seq_no = payload["seqNo"]
            if payload["seqNo"] == self.seq_no:
                self.sent += 1
                if self.answer_from is None or self.sent < self.answer_from:
                    if self.silent:
                        raise NoAnswer
                    raise ErrorAnswer("InternalError", "chargecheck: the CSMS failed on purpose")
                self.answered.append(self.sent)
        token = payload.get("idToken")
        return {"idTokenInfo": id_token_info(self.ctx.session.answers, token)} if token else {}


async def _retried(ctx: CaseContext, name: str, *, silent: bool, answer_from: int | None) -> str:
    attempts = 3 if answer_from is not None else 2
    async with settings_for_case(
        ctx,
        (MESSAGE_ATTEMPTS, str(attempts)),
        (MESSAGE_ATTEMPT_INTERVAL, str(INTERVAL_S)),
    ) as kept:
        attempts = _int(await get_quietly(ctx, MESSAGE_ATTEMPTS), attempts)
        interval = _int(await get_quietly(ctx, MESSAGE_ATTEMPT_INTERVAL), INTERVAL_S)
        least = 3 if answer_from is not None else 2
        if attempts < least:
            why = f"; {kept[0]}" if kept else ""
            not_tested(
                ctx,
                name,
                f"MessageAttempts[TransactionEvent] is {attempts}{why}: this case needs {least} attempts or more",
            )
            return ""
        timeout = _int(await get_quietly(ctx, MESSAGE_TIMEOUT), 0) if silent else 0
        session = await charging(ctx, name)
        if session is None:
            return ""
        tid = session.transaction_id
        withheld = Withheld(tid, silent, answer_from, ctx)
        try:
            with ctx.session.answers.override("TransactionEvent", withheld.build):
                return await _watched(ctx, name, withheld, attempts, interval, timeout)
        finally:
            await finish(ctx, tid if tid in running_transactions(ctx) else None, session.evse)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


async def _watched(
    ctx: CaseContext, name: str, withheld: Withheld, attempts: int, interval: int, timeout: int
) -> str:
    tid, since = withheld.tid, len(ctx.session.inbox)
    withheld.armed = True
    try:
        result = await ctx.call("RequestStopTransaction", {"transactionId": tid})
    except SessionError as exc:
        not_tested(
            ctx, name, f"RequestStopTransaction, to make the station send a TransactionEvent: {exc}"
        )
        return ""
    if result.get("status") != "Accepted":
        not_tested(
            ctx,
            name,
            f"RequestStopTransaction answered {result.get('status')}: no TransactionEvent to withhold",
            evidence_of(result),
        )
        return ""
    wanted = attempts if withheld.answer_from is None else withheld.answer_from
    sent = await _transmissions(ctx, withheld, since, wanted, interval, timeout)
    if not sent:
        not_tested(ctx, name, "no TransactionEvent came after RequestStopTransaction")
        return ""
    ok = _count_judged(ctx, name, sent, wanted, withheld)
    ok = _gaps_judged(ctx, sent, interval, timeout) and ok
    extra = await _one_more(ctx, withheld, sent[-1], interval * len(sent), timeout)
    rule = (
        f"{PART2} E13.FR.04: after the last of MessageAttempts ({attempts}) failed the station SHALL discard the message"
        if withheld.answer_from is None
        else f"{PART2} E13.FR.02: once the message was accepted the station SHALL NOT send it again"
    )
    ok = (
        ctx.check(
            extra is None,
            "no transmission after that",
            f"transmission {len(sent) + 1} came: {rule}"
            if extra is not None
            else f"none after transmission {len(sent)}",
            (extra.entry_id,) if extra is not None else (sent[-1].entry_id,),
        )
        and ok
    )
    return f"OK, {len(sent)} transmission(s)" if ok else ""


def _same(withheld: Withheld) -> Any:
    return lambda p: (
        p["transactionInfo"]["transactionId"] == withheld.tid and p["seqNo"] == withheld.seq_no
    )


def _gap(k: int, interval: int, timeout: int) -> float:
    """How long transmission ``k`` may take to follow the one before: the station's
    MessageTimeout (when unanswered) and the wait of E13.FR.03."""
    return interval * (k - 1) + timeout


def _tolerance(expected: float) -> float:
    return 0.5 + 0.1 * expected


async def _transmissions(
    ctx: CaseContext, withheld: Withheld, since: int, wanted: int, interval: int, timeout: int
) -> list[Message]:
    """The transmissions of the withheld message, up to ``wanted``, each waited for as
    long as E13.FR.03 lets the station take and the status timeout more."""
    sent: list[Message] = []
    cursor = Cursor(since)
    try:
        first = await ctx.expect(
            "TransactionEvent",
            lambda p: p["transactionInfo"]["transactionId"] == withheld.tid,
            ctx.settings.timeouts.transaction,
            cursor,
            what="the TransactionEvent after the remote stop",
        )
    except SessionError:
        return []
    sent.append(first)
    while len(sent) < wanted:
        k = len(sent) + 1
        wait = _gap(k, interval, timeout) + _tolerance(_gap(k, interval, timeout))
        try:
            sent.append(
                await ctx.expect(
                    "TransactionEvent",
                    _same(withheld),
                    wait + ctx.settings.timeouts.status,
                    cursor,
                    what=f"transmission {k} of the TransactionEvent",
                )
            )
        except SessionError:
            break
    return sent


def _count_judged(
    ctx: CaseContext, name: str, sent: list[Message], wanted: int, withheld: Withheld
) -> bool:
    how = "no answer" if withheld.silent else "a CALLERROR"
    rule = f"{PART2} E13.FR.02: while the message keeps failing the station SHALL send it again, up to MessageAttempts[TransactionEvent] times"
    return ctx.check(
        len(sent) == wanted,
        name,
        f"{len(sent)} transmission(s) of seqNo {withheld.seq_no}, each answered with {how}"
        + (" but the last" if withheld.answer_from is not None else "")
        + ("" if len(sent) == wanted else f", not {wanted}: {rule}"),
        tuple(m.entry_id for m in sent),
    )


def _gaps_judged(ctx: CaseContext, sent: list[Message], interval: int, timeout: int) -> bool:
    problems = []
    gaps = []
    for k in range(2, len(sent) + 1):
        gap = sent[k - 1].mono - sent[k - 2].mono
        # MessageTimeout is not counted: a station may time a call out by the timeout of
        # its network profile (NetworkConnectionProfile.messageTimeout), not by this one.
        least = _gap(k, interval, 0)
        gaps.append(f"{gap:.1f} s")
        if gap < least - _tolerance(least):
            problems.append(f"transmission {k} after {gap:.1f} s, not {least:g} s")
    wait = f"MessageAttemptInterval ({interval} s) times the transmissions before"
    return ctx.check(
        not problems,
        "each resend waits as E13.FR.03 says",
        "; ".join(problems) + f": {PART2} E13.FR.03: the station SHALL wait {wait}"
        if problems
        else (f"gaps {', '.join(gaps)}" if gaps else "one transmission"),
        tuple(m.entry_id for m in sent),
    )


async def _one_more(
    ctx: CaseContext, withheld: Withheld, last: Message, interval: float, timeout: int
) -> Message | None:
    """Another transmission within the time one would take (and timeouts.negative)."""
    answered = withheld.answer_from is not None
    wait = (0 if answered else timeout) + interval + ctx.settings.timeouts.negative
    try:
        return await ctx.expect(
            "TransactionEvent",
            _same(withheld),
            wait,
            Cursor(last.index + 1),
            what="no further transmission",
            quiet=True,
        )
    except SessionError:
        return None


@case201(
    "TC_E_41_CS",
    _title("TC_E_41_CS"),
    "E13.FR.01, E13.FR.02, E13.FR.03, E13.FR.04",
    """
MessageAttempts[TransactionEvent] set to 2 and MessageAttemptInterval[TransactionEvent] to 1 s for the case where the station lets them be (fewer than 2 attempts: NOT TESTED), put back after; a transaction charging on EVSE 1 (EnergyTransferStarted; not reached: NOT TESTED)
RequestStopTransaction; the bench gives no answer to the TransactionEvent that follows, nor to its resends
It is sent MessageAttempts times in all (E13.FR.02 SHALL), each resend waited for MessageTimeout plus MessageAttemptInterval times the transmissions before, and no sooner than that interval (E13.FR.03 SHALL: the timeout itself is not judged, a network profile may give its own), and not once more (E13.FR.04 SHALL: discarded)
The car is unplugged afterwards""",
)
async def no_answer_max(ctx: CaseContext) -> str:
    return await _retried(ctx, "the TransactionEvent is sent again", silent=True, answer_from=None)


@case201(
    "TC_E_50_CS",
    _title("TC_E_50_CS"),
    "E13.FR.01, E13.FR.02, E13.FR.03, E13.FR.04",
    """
As TC_E_41_CS, but the bench answers the TransactionEvent after RequestStopTransaction, and each resend, with CALLERROR InternalError
It is sent MessageAttempts times in all (E13.FR.02 SHALL), each resend no sooner than MessageAttemptInterval times the transmissions before (E13.FR.03 SHALL), and not once more (E13.FR.04 SHALL)""",
)
async def call_error_max(ctx: CaseContext) -> str:
    return await _retried(ctx, "the TransactionEvent is sent again", silent=False, answer_from=None)


@case201(
    "TC_E_42_CS",
    _title("TC_E_42_CS"),
    "E13.FR.01, E13.FR.02, E13.FR.03",
    """
MessageAttempts[TransactionEvent] set to 3 and MessageAttemptInterval[TransactionEvent] to 1 s for the case where the station lets them be (fewer than 3 attempts: NOT TESTED), put back after; a transaction charging on EVSE 1 (not reached: NOT TESTED)
RequestStopTransaction; the bench gives no answer to the TransactionEvent that follows, and answers its resend
It is sent twice (E13.FR.02 SHALL), the resend no sooner than MessageAttemptInterval after the timeout (E13.FR.03 SHALL), and not again once answered (E13.FR.02)""",
)
async def no_answer_then_success(ctx: CaseContext) -> str:
    return await _retried(
        ctx, "the TransactionEvent is sent again once", silent=True, answer_from=2
    )


@case201(
    "TC_E_51_CS",
    _title("TC_E_51_CS"),
    "E13.FR.01, E13.FR.02, E13.FR.03",
    """
As TC_E_42_CS, but the bench answers the first transmission with CALLERROR InternalError, and its resend normally
It is sent twice (E13.FR.02 SHALL), the resend no sooner than MessageAttemptInterval (E13.FR.03 SHALL), and not again once answered (E13.FR.02)""",
)
async def call_error_then_success(ctx: CaseContext) -> str:
    return await _retried(
        ctx, "the TransactionEvent is sent again once", silent=False, answer_from=2
    )


CASES: list[CatalogueCase] = [
    no_answer_max,
    call_error_max,
    no_answer_then_success,
    call_error_then_success,
]
