# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""The Local Authorization List: Local Auth List Management profile cases (OCPP 1.6
sections 5.10 GetLocalListVersion, 5.15 SendLocalList, 3.5.2).

An update the station does not accept (Failed, NotSupported) is NOT TESTED: 5.15 only
says the answer SHALL indicate whether it accepted. Once it says Accepted, the version
it reports is judged: 5.15, the list's version number "the Charge Point MUST associate
with the local authorization list after it has been updated".
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from chargecheck.script.catalogue.base import ask, case, new_tag, not_tested
from chargecheck.script.context import CaseContext
from chargecheck.script.steps import configured
from chargecheck.wording import counted

PROFILE = "LocalAuthListManagement"


@asynccontextmanager
async def list_enabled(ctx: CaseContext, name: str) -> AsyncIterator[bool]:
    """LocalAuthListEnabled true for the block (set and put back by the bench); False
    (NOT TESTED recorded) when it cannot be."""
    async with configured(ctx, "LocalAuthListEnabled", "true", "") as ok:
        if not ok:
            not_tested(ctx, name, "LocalAuthListEnabled cannot be set true")
        yield ok


async def list_version(ctx: CaseContext, name: str) -> int | None:
    result = await ask(ctx, name, "GetLocalListVersion", {})
    if result is None:
        return None
    version = result.get("listVersion")
    return version if isinstance(version, int) else None


async def send_list(
    ctx: CaseContext,
    name: str,
    version: int,
    kind: str,
    entries: list[dict[str, Any]],
) -> tuple[str, tuple[int, ...]] | None:
    """SendLocalList; its status and the journal ids of the CALL and its answer (None: no
    answer, FAIL recorded)."""
    result = await ask(
        ctx,
        name,
        "SendLocalList",
        {"listVersion": version, "updateType": kind, "localAuthorizationList": entries},
    )
    if result is None:
        return None
    return str(result.get("status")), (result.call_entry_id, result.entry_id)


def entry(tag: str, status: str | None = "Accepted") -> dict[str, Any]:
    """A list entry; ``status`` None deletes the idTag in a Differential update."""
    return {"idTag": tag} if status is None else {"idTag": tag, "idTagInfo": {"status": status}}


async def judge_version(ctx: CaseContext, name: str, wanted: int) -> bool:
    """GetLocalListVersion answers ``wanted`` (no answer: ``ask`` FAILed ``name``)."""
    result = await ask(ctx, name, "GetLocalListVersion", {})
    if result is None:
        return False
    got = result.get("listVersion")
    return ctx.check(
        got == wanted,
        name,
        f"listVersion {got}"
        if got == wanted
        else f"listVersion {got}, not {wanted}; 5.15: the Charge Point MUST associate the "
        "version of the update with the list",
        (result.call_entry_id, result.entry_id),
    )


async def full_list(ctx: CaseContext, entries: list[dict[str, Any]]) -> int | None:
    """A Full update one version past the present; its version when Accepted (PASS
    recorded), else None (NOT TESTED or FAIL recorded)."""
    name = "SendLocalList Full Accepted"
    now = await list_version(ctx, "GetLocalListVersion answered")
    if now is None:
        return None
    version = max(now, 0) + 1
    sent = await send_list(ctx, name, version, "Full", entries)
    if sent is None:
        return None
    status, evidence = sent
    if status != "Accepted":
        not_tested(ctx, name, f"answered {status} (5.15: it says whether it accepted)", evidence)
        return None
    ctx.check(True, name, f"version {version}, {counted(len(entries), 'idTag')}", evidence)
    return version


@case(
    "TC_042_2_CS",
    "Get Local List Version (empty)",
    "5.10",
    """
With LocalAuthListEnabled true, GetLocalListVersion answers a version of 0 or more: -1 SHALL only mean the station does not support Local Authorization Lists (5.10), which contradicts the profile it claims
This case reads the version of the list as it is (any version of 0 or more); it does not first send an empty Full list.""",
    PROFILE,
)
async def get_version(ctx: CaseContext) -> str:
    name = "GetLocalListVersion: 0 or more"
    async with list_enabled(ctx, name) as ok:
        if not ok:
            return ""
        result = await ask(ctx, name, "GetLocalListVersion", {})
        version = result.get("listVersion") if result is not None else None
        if result is None or not isinstance(version, int):
            return ""
        ctx.check(
            version >= 0,
            name,
            f"listVersion {version}"
            if version >= 0
            else "-1 (5.10: SHALL be used only when the Charge Point does not support Local "
            "Authorization Lists), yet it claims LocalAuthListManagement and the list is enabled",
            (result.call_entry_id, result.entry_id),
        )
    return f"OK, version {version}"


@case(
    "CC_035_CS",
    "SendLocalList, full update",
    "5.15, 5.10",
    """
SendLocalList Full with a new version is Accepted (else NOT TESTED)
GetLocalListVersion then answers that version (5.15 MUST associate it)""",
    PROFILE,
)
async def full_update(ctx: CaseContext) -> str:
    async with list_enabled(ctx, "SendLocalList Full Accepted") as ok:
        if not ok:
            return ""
        version = await full_list(ctx, [entry(new_tag("LL")), entry(new_tag("LB"), "Blocked")])
        if version is None:
            return ""
        await judge_version(ctx, "the version is the update's (5.15 MUST)", version)
    return f"OK, version {version}"


@case(
    "TC_043_CS",
    "Send Local Authorization List",
    "5.15, 5.10",
    """
After a Full update (Accepted, else NOT TESTED), a Differential update with the next version adding and removing idTags is Accepted (else NOT TESTED)
GetLocalListVersion then answers the Differential's version (5.15 MUST associate it)""",
    PROFILE,
)
async def differential_update(ctx: CaseContext) -> str:
    kept, removed = new_tag("LK"), new_tag("LR")
    name = "SendLocalList Differential Accepted"
    async with list_enabled(ctx, name) as ok:
        if not ok:
            return ""
        version = await full_list(ctx, [entry(kept), entry(removed)])
        if version is None:
            return ""
        changes = [entry(new_tag("LA")), entry(removed, None)]
        sent = await send_list(ctx, name, version + 1, "Differential", changes)
        if sent is None:
            return ""
        status, evidence = sent
        if status != "Accepted":
            not_tested(ctx, name, f"answered {status}", evidence)
            return ""
        ctx.check(True, name, f"version {version + 1}: one added, one removed", evidence)
        await judge_version(ctx, "the version is the update's (5.15 MUST)", version + 1)
    return f"OK, version {version} -> {version + 1}"


@case(
    "TC_043_2_CS",
    "Send Local Authorization List - VersionMismatch",
    "5.15, 5.10",
    """
After a Full update (Accepted, else NOT TESTED), a Differential update whose version is not above the list's is answered VersionMismatch (the UpdateStatus OCPP 1.6 defines for it; another answer is NOT TESTED: the text has no SHALL)
An update not Accepted leaves the list's version as it was (5.15: the answer SHALL indicate whether it accepted the update)""",
    PROFILE,
)
async def version_mismatch(ctx: CaseContext) -> str:
    name = "Differential with an old version: VersionMismatch"
    async with list_enabled(ctx, name) as ok:
        if not ok:
            return ""
        version = await full_list(ctx, [entry(new_tag("LM"))])
        if version is None:
            return ""
        sent = await send_list(ctx, name, version, "Differential", [entry(new_tag("LN"))])
        if sent is None:
            return ""
        status, evidence = sent
        if status == "VersionMismatch":
            ctx.check(True, name, status, evidence)
        else:
            not_tested(
                ctx,
                name,
                f"answered {status}: OCPP 1.6 defines VersionMismatch for this "
                "case but states no SHALL",
            )
        if status != "Accepted":
            await judge_version(ctx, "a refused update leaves the version", version)
    return "OK, VersionMismatch"


CASES = [get_version, full_update, differential_update, version_mismatch]
