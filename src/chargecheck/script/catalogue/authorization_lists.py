# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""The Local Authorization List beyond the plain updates: a station without the Local
Auth List Management profile (OCPP 1.6 sections 5.10, 5.15, 3.3), an update the station
cannot store (5.15, 7.47) and an idTag of the list used for a remote start (5.11, 3.5.2).

A station without the profile: 5.10, "a version number of -1 SHALL be used to indicate
that the Charge Point does not support Local Authorization Lists"; a station that does
not know the action at all may answer with a CALLERROR NotSupported or NotImplemented
(OCPP-J 4.2.3). Its SendLocalList is not Accepted (5.15: the answer SHALL indicate
whether it accepted the update; 7.47 names NotSupported for a station without lists); a
refusal with another status is NOT TESTED, no SHALL picks it.
"""

from __future__ import annotations

from typing import Any

from chargecheck.csms.errors import CallErrorReceived, SessionError
from chargecheck.csms.session import Cursor, Message, Result
from chargecheck.script import reach
from chargecheck.script.catalogue.base import (
    arrives,
    ask,
    case,
    new_tag,
    not_tested,
    on,
)
from chargecheck.script.catalogue.local_list import (
    entry,
    full_list,
    list_enabled,
    list_version,
    send_list,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.script.steps import (
    configuration_read,
    configured,
    make_idle,
    step_quietly,
    stop_remote,
    transaction_of,
    unplug_quietly,
)
from chargecheck.script.verdict import Outcome

PROFILE = "LocalAuthListManagement"
# OCPP-J 4.2.3: an action recognised but not supported, or not known at all.
UNSUPPORTED_CODES = ("NotSupported", "NotImplemented")


async def ask_or_callerror(
    ctx: CaseContext, name: str, action: str, payload: dict[str, Any], c: int | None = None
) -> Result | CallErrorReceived | None:
    """``action``'s result, or the CALLERROR it was answered with (for the case to
    judge); no answer or a result off the schema FAILs ``name`` (None)."""
    try:
        return await ctx.call(action, payload)
    except CallErrorReceived as exc:
        ctx.say(f"  {exc}")
        return exc
    except SessionError as exc:
        evidence = tuple(x for x in [getattr(exc, "entry_id", None)] if x)
        ctx.record(name, Outcome.FAIL, str(exc), evidence, c)
        return None


async def without_profile(ctx: CaseContext, profile: str = PROFILE) -> str | None:
    """For a case written for a station without ``profile``: its SupportedFeatureProfiles
    when it does not list ``profile``, else None with NOT TESTED recorded (it claims the
    profile, or its profiles cannot be read)."""
    name = f"the station does not claim {profile}"
    value, evidence = await configuration_read(ctx, "SupportedFeatureProfiles")
    if value is None:
        not_tested(ctx, name, "SupportedFeatureProfiles could not be read", evidence)
        return None
    if profile.lower() in {p.strip().lower() for p in value.split(",")}:
        not_tested(
            ctx,
            name,
            f"the station claims {profile}: this case is for a station without it",
            evidence,
        )
        return None
    ctx.check(True, name, f"SupportedFeatureProfiles is {value or 'empty'}", evidence)
    return value


def refused_unknown(ctx: CaseContext, name: str, error: CallErrorReceived, rule: str) -> bool:
    """A CALLERROR answer: NotSupported or NotImplemented PASSes ``name`` (the station
    does not support the action, OCPP-J 4.2.3), any other code FAILs it."""
    ok = error.code in UNSUPPORTED_CODES
    detail = f"CALLERROR {error.code}" + (
        "" if ok else f": neither its .conf nor NotSupported/NotImplemented; {rule}"
    )
    return ctx.check(ok, name, detail, (error.entry_id,))


@case(
    "TC_042_1_CS",
    "Get Local List Version (not supported)",
    "5.10, 3.3",
    """
Runs only on a station whose SupportedFeatureProfiles does not list LocalAuthListManagement (3.3; else NOT TESTED)
GetLocalListVersion is answered listVersion -1 (5.10: -1 SHALL be used to indicate that the Charge Point does not support Local Authorization Lists), or with a CALLERROR NotSupported or NotImplemented (OCPP-J 4.2.3)""",
)
async def version_not_supported(ctx: CaseContext) -> str:
    profiles = await without_profile(ctx)
    if profiles is None:
        return ""
    name = "GetLocalListVersion: -1 without local list support (5.10 SHALL)"
    rule = "5.10, the Charge Point SHALL respond with its list version"
    reply = await ask_or_callerror(ctx, name, "GetLocalListVersion", {})
    if reply is None:
        return ""
    if isinstance(reply, CallErrorReceived):
        return f"OK, CALLERROR {reply.code}" if refused_unknown(ctx, name, reply, rule) else ""
    version = reply.get("listVersion")
    ok = version == -1
    ctx.check(
        ok,
        name,
        "listVersion -1"
        if ok
        else f"listVersion {version}: 5.10, -1 SHALL be used to indicate that the Charge Point "
        f"does not support Local Authorization Lists, and its SupportedFeatureProfiles "
        f"({profiles or 'empty'}) does not list {PROFILE} (3.3: the profiles it supports)",
        (reply.call_entry_id, reply.entry_id),
    )
    return "OK, listVersion -1" if ok else ""


@case(
    "TC_043_1_CS",
    "Send Local Authorization List - NotSupported",
    "5.15, 7.47, 3.3",
    """
Runs only on a station whose SupportedFeatureProfiles does not list LocalAuthListManagement (3.3; else NOT TESTED)
SendLocalList Full is answered NotSupported (7.47), or with a CALLERROR NotSupported or NotImplemented (OCPP-J 4.2.3); Accepted FAILs (5.15: the answer SHALL indicate whether the update was accepted, and a station without local lists cannot take one); Failed or VersionMismatch is NOT TESTED""",
)
async def send_not_supported(ctx: CaseContext) -> str:
    profiles = await without_profile(ctx)
    if profiles is None:
        return ""
    name = "SendLocalList refused: NotSupported (5.15 SHALL indicate, 7.47)"
    payload = {
        "listVersion": 1,
        "updateType": "Full",
        "localAuthorizationList": [entry(new_tag("LU"))],
    }
    reply = await ask_or_callerror(ctx, name, "SendLocalList", payload)
    if reply is None:
        return ""
    if isinstance(reply, CallErrorReceived):
        rule = "5.15, the Charge Point SHALL respond with SendLocalList.conf"
        return f"OK, CALLERROR {reply.code}" if refused_unknown(ctx, name, reply, rule) else ""
    status, evidence = reply.get("status"), (reply.call_entry_id, reply.entry_id)
    if status in ("Failed", "VersionMismatch"):
        not_tested(
            ctx,
            name,
            f"answered {status}: refused, though 7.47 names NotSupported for a station "
            "without local lists; no SHALL picks the status",
            evidence,
        )
        return ""
    ok = status == "NotSupported"
    ctx.check(
        ok,
        name,
        "answered NotSupported"
        if ok
        else f"answered {status}: 5.15, the answer SHALL indicate whether the Charge Point "
        f"accepted the update, and its SupportedFeatureProfiles ({profiles or 'empty'}) "
        f"does not list {PROFILE} (3.3: the profiles it supports)",
        evidence,
    )
    return "OK, NotSupported" if ok else ""


@case(
    "TC_043_3_CS",
    "Send Local Authorization List - Failed",
    "5.15, 7.47, 5.10",
    """
With LocalAuthListEnabled true and the station made unable to store a list (a physical step; not done: NOT TESTED), SendLocalList Full with a new version is answered Failed (7.47: the update failed; NotSupported or VersionMismatch is NOT TESTED, no SHALL picks the status)
Accepted FAILs if GetLocalListVersion then still answers the old version (5.15: the answer SHALL indicate whether it accepted the update; the Charge Point MUST associate the new version with the updated list); with the new version the list was stored after all: NOT TESTED
After Failed, GetLocalListVersion still answers the version from before (5.15 SHALL indicate whether it accepted)""",
    PROFILE,
)
async def send_failed(ctx: CaseContext) -> str:
    name = "SendLocalList answered Failed (7.47, 5.15 SHALL indicate)"
    async with list_enabled(ctx, name) as ok:
        if not ok:
            return ""
        before = await list_version(ctx, "GetLocalListVersion answered")
        if before is None:
            return ""
        if not await ctx.physical(StepKind.LOCAL_LIST_FAILURE, 0, name):
            return ""
        try:
            return await _judge_failed(ctx, name, before)
        finally:
            await step_quietly(ctx, StepKind.CLEAR_LOCAL_LIST_FAILURE, 0)


async def _judge_failed(ctx: CaseContext, name: str, before: int) -> str:
    version = max(before, 0) + 1
    sent = await send_list(ctx, name, version, "Full", [entry(new_tag("LF"))])
    if sent is None:
        return ""
    status, evidence = sent
    kept = "a refused update leaves the version (5.15 SHALL indicate)"
    if status == "Failed":
        ctx.check(True, name, "answered Failed", evidence)
        result = await ask(ctx, kept, "GetLocalListVersion", {})
        if result is None:
            return ""
        after = result.get("listVersion")
        ctx.check(
            after == before,
            kept,
            f"listVersion {after}"
            if after == before
            else f"listVersion {after}, not {before}: answered Failed, yet the list changed; "
            "5.15, the answer SHALL indicate whether it accepted the update",
            (result.call_entry_id, result.entry_id),
        )
        return "OK, Failed" if after == before else ""
    if status != "Accepted":
        not_tested(
            ctx,
            name,
            f"answered {status}: 7.47 names Failed for an update that could not be made; no "
            "SHALL picks the status",
            evidence,
        )
        return ""
    after = await list_version(ctx, name)
    if after is None:
        return ""
    if after == version:
        not_tested(
            ctx,
            name,
            f"answered Accepted and the list has version {after}: the station stored it, so "
            "the state in which it cannot was not reached",
            evidence,
        )
        return ""
    ctx.check(
        False,
        name,
        f"answered Accepted, yet GetLocalListVersion answers {after}, not {version}: 5.15, "
        "the answer SHALL indicate whether it accepted the update (the Charge Point MUST "
        "associate the new version with the updated list)",
        evidence,
    )
    return ""


@case(
    "TC_008_CS",
    "Regular Start Charging Session – Id in Local Authorization List",
    "5.11, 5.15, 3.5.2",
    """
With LocalAuthListEnabled true, SendLocalList Full with a new idTag is Accepted (else NOT TESTED)
With AuthorizeRemoteTxRequests and LocalPreAuthorize true where the station takes them (5.11: it SHALL then behave as for a local start, authorizing the idTag from its list, its cache or an Authorize) and the car plugged in, RemoteStartTransaction with that idTag is answered (5.11 SHALL reply); Rejected is NOT TESTED (5.11 allows it)
Once Accepted, a StartTransaction with that idTag follows (5.11: the Charge Point SHALL use the idTag to send StartTransaction.req); whether it first sent an Authorize is a note (LocalPreAuthorize MAY skip it, 3.5.2, 9.1)""",
    PROFILE,
)
async def start_with_list_tag(ctx: CaseContext) -> str:
    await make_idle(ctx)
    c, tag = ctx.settings.connector, new_tag("LL")
    name = "StartTransaction with the list's idTag (5.11 SHALL)"
    async with list_enabled(ctx, "SendLocalList Full Accepted") as ok:
        if not ok or await full_list(ctx, [entry(tag)]) is None:
            return ""
        async with (
            configured(ctx, "AuthorizeRemoteTxRequests", "true", "") as authorizes,
            configured(ctx, "LocalPreAuthorize", "true", "") as pre,
        ):
            return await _remote_start(ctx, c, tag, name, authorizes and pre)


async def _remote_start(ctx: CaseContext, c: int, tag: str, name: str, from_list: bool) -> str:
    """The car plugged in, RemoteStartTransaction with ``tag`` and the StartTransaction
    judged; the transaction stopped and the car unplugged after."""
    await reach.settle(ctx, c)
    if not await ctx.physical(StepKind.PLUG, c, name):
        return ""
    cursor = ctx.mark()
    remote = "RemoteStartTransaction with the list's idTag answered (5.11 SHALL)"
    result = await ask(ctx, remote, "RemoteStartTransaction", {"connectorId": c, "idTag": tag}, c)
    if result is None or result.get("status") != "Accepted":
        if result is not None:
            not_tested(
                ctx,
                remote,
                f"answered {result.get('status')} (5.11 allows it)",
                (result.call_entry_id, result.entry_id),
                c,
            )
        await unplug_quietly(ctx, c)
        return ""
    ctx.check(True, remote, "Accepted", (result.call_entry_id, result.entry_id), c)
    start = await arrives(
        ctx, name, "StartTransaction", on(c), cursor, ctx.settings.timeouts.transaction, c
    )
    if start is None:
        await unplug_quietly(ctx, c)
        return ""
    tx = transaction_of(ctx, start)
    try:
        return _judge_start(ctx, name, c, tag, start, cursor, from_list)
    finally:
        if tx is not None:
            await stop_remote(ctx, tx, c)
        else:
            await unplug_quietly(ctx, c)


def _judge_start(
    ctx: CaseContext, name: str, c: int, tag: str, start: Message, cursor: Cursor, from_list: bool
) -> str:
    got = start.payload["idTag"]
    asked = [m for m in ctx.session.received("Authorize", cursor) if m.payload["idTag"] == tag]
    how = (
        "after an Authorize"
        if asked
        else "with no Authorize: authorized from its list (LocalPreAuthorize)"
        if from_list
        else "with no Authorize"
    )
    ok = got == tag
    ctx.check(
        ok,
        name,
        f"StartTransaction idTag {got}, {how}"
        if ok
        else f"StartTransaction idTag {got}, not {tag}: 5.11, the Charge Point SHALL use the "
        "idTag given to send StartTransaction.req",
        (start.entry_id, *(m.entry_id for m in asked)),
        c,
    )
    return f"OK, started {how}" if ok else ""


CASES = [version_not_supported, send_not_supported, send_failed, start_with_list_tag]
