"""The security profile a case needs (Improved security for OCPP 1.6-J: profile 1 Basic
Auth, 2 TLS with Basic Auth, 3 TLS with a client certificate), reached before the case
judges anything, as OCTT's cases state the profile they run on.

Up, the bench raises it over OCPP (use case A05): for 1 and 2 an AuthorizationKey it sets
first; for 2 and 3 the run's CA installed as CentralSystemRootCertificate (M05, its
endpoint's certificate is the CA's) and a wss:// endpoint (``--tls``, or ``--secure-port``
beside ws://); for 3 the station's certificate signed by the run's CA (A02). Down, no
Central System may lower it (A05): the operator sets it in the station's local
configuration (the physical step ``security_profile``). What is not reached is NOT TESTED
naming what would reach it; nothing here is judged: the case judges what follows.
"""

from __future__ import annotations

import secrets
import ssl
from collections.abc import Awaitable, Callable
from contextlib import suppress
from functools import partial
from typing import Any

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Result
from chargecheck.script.catalogue.base import not_tested
from chargecheck.script.catalogue.security_steps import authority, run_password, run_tls
from chargecheck.script.context import CaseContext
from chargecheck.script.operator import StepKind
from chargecheck.security.authority import certificate_pem
from chargecheck.security.csr import check_csr


def new_key() -> str:
    """A new AuthorizationKey: 40 hexadecimal characters (20 bytes; the whitepaper's 16..40)."""
    return secrets.token_hex(20)


def bench_password(ctx: CaseContext, value: str | None) -> str | None:
    """Set the password the bench requires of this station ("": none, even with a run
    password for every station; None: the run's); the entry before."""
    assert ctx.central is not None
    passwords = ctx.central.settings.passwords
    before = passwords.get(ctx.session.identity)
    if value is None:
        passwords.pop(ctx.session.identity, None)
    else:
        passwords[ctx.session.identity] = value
    return before


def serves(ctx: CaseContext, profile: int) -> bool:
    """The run can take a connection on ``profile``: 0 and 1 on a ws:// port; 2 over wss:// (its
    port, or a second endpoint); 3 where client certificates are asked for (its port with
    ``--client-ca``, or the second endpoint)."""
    if ctx.central is None:
        return False
    if profile < 2:
        return run_tls(ctx) is None  # the run's own port is plain ws://
    if ctx.central.secure_port is not None:
        return True
    tls = run_tls(ctx)
    return tls is not None and (profile == 2 or tls.verify_mode == ssl.CERT_REQUIRED)


def _unserved(profile: int) -> str:
    return f"the run serves no connection on SecurityProfile {profile} " + (
        "(chargecheck run --secure-port, or --tls, reaches it)"
        if profile == 2
        else "(chargecheck run --secure-port, or --tls with --client-ca, reaches it)"
    )


def meets(ctx: CaseContext, profile: int) -> bool:
    """The station's connection is one of ``profile``: 0 plain; 1 plain with valid Basic
    Auth; 2 TLS with valid Basic Auth; 3 TLS with a client certificate the bench verified
    (a station may also present its certificate on 2, or Basic Auth on 3, when asked)."""
    detail = ctx.session.connect_detail
    tls = detail.get("tls")
    basic = (detail.get("basic_auth") or {}).get("valid", False)
    if profile == 3:
        return tls is not None and bool(tls.get("client_subject"))
    if profile == 2:
        return tls is not None and basic
    return tls is None and (basic or profile == 0)


def connection_text(ctx: CaseContext) -> str:
    """What the connection showed: TLS version, client certificate, Basic Auth."""
    detail = ctx.session.connect_detail
    tls = detail.get("tls")
    parts = ["plain ws://" if tls is None else f"{tls.get('version')}"]
    if tls is not None and tls.get("client_subject"):
        parts.append(f"client certificate {tls['client_subject']}")
    basic = detail.get("basic_auth")
    if basic is not None:
        parts.append("valid Basic Auth" if basic.get("valid") else "Basic Auth not valid")
    return ", ".join(parts)


async def at_profile(ctx: CaseContext, level: int, wanted: tuple[int, ...], name: str) -> bool:
    """The station on one of ``wanted`` (from ``level``): raised over OCPP to the lowest
    above, else set by the operator to the highest below; False (``name`` NOT TESTED,
    naming what would reach it) if not reached."""
    if level in wanted:
        return True
    higher = [w for w in wanted if w > level]
    if higher:
        problem = await raise_profile(ctx, level, min(higher))
        if problem is None:
            return True
        ctx.say(f"  not raised: {problem}")
    target = max(w for w in wanted if w < level) if not higher else min(higher)
    problem = await set_locally(ctx, target)
    if problem is None:
        return True
    not_tested(ctx, name, f"SecurityProfile {level}, this case needs {_text(wanted)}: {problem}")
    return False


def _text(wanted: tuple[int, ...]) -> str:
    return " or ".join(str(w) for w in wanted)


async def _result(ctx: CaseContext, action: str, payload: dict[str, Any]) -> Result | None:
    """A preparing call: its result (None: no answer or a CALLERROR)."""
    with suppress(SessionError):
        return await ctx.session.call(action, payload, ctx.settings.timeouts.call)
    return None


async def _quiet(ctx: CaseContext, action: str, payload: dict[str, Any]) -> Any:
    """A preparing call: its result's status (None: no answer or a CALLERROR)."""
    result = await _result(ctx, action, payload)
    return None if result is None else result.get("status")


async def _reconnected_after(ctx: CaseContext, before: int) -> bool:
    with suppress(SessionError):
        await ctx.session.wait_new_connection(
            before, ctx.settings.timeouts.reboot + ctx.settings.timeouts.connect
        )
        return True
    return False


TAKEN = ("Accepted", "RebootRequired")  # a SecurityProfile change the station takes


async def change_profile(
    ctx: CaseContext, target: int, send: Callable[[str, dict[str, Any]], Awaitable[Result | None]]
) -> tuple[Result | None, bool]:
    """ChangeConfiguration SecurityProfile ``target`` sent by ``send`` (the result, None
    when there is none); when the station takes it, the station back on a new connection
    (use case A05; one that stays on its connection is asked to by the bench closing it).
    The result, and whether the station came back."""
    before = ctx.session.connections
    result = await send("ChangeConfiguration", {"key": "SecurityProfile", "value": str(target)})
    if result is None or result.get("status") not in TAKEN:
        return result, False
    return result, await back_on_new_connection(ctx, before)


async def raise_profile(ctx: CaseContext, level: int, target: int) -> str | None:
    """Raise the station from ``level`` to ``target`` over OCPP; None when it reconnected
    on it, else why not."""
    problem = await prepare_raise(ctx, target)
    if problem is not None:
        return problem
    result, back = await change_profile(ctx, target, partial(_result, ctx))
    got = None if result is None else result.get("status")
    if got not in TAKEN:
        return f"ChangeConfiguration SecurityProfile {target} answered {got}"
    if not back:
        return f"no connection on SecurityProfile {target} after it was {got}"
    return _on(ctx, target)


async def prepare_raise(ctx: CaseContext, target: int) -> str | None:
    """What a raise to ``target`` rests on (use case A05's prerequisites): a wss://
    endpoint, an AuthorizationKey the bench knows (1, 2), the run's CA installed as
    CentralSystemRootCertificate (2, 3), the station's certificate from it (3). None when
    all is there, else what is missing."""
    if not serves(ctx, target):
        return _unserved(target)
    if target in (1, 2) and not run_password(ctx):
        problem = await _key_set(ctx)
        if problem is not None:
            return problem
    if target >= 2:
        problem = await _root_installed(ctx)
        if problem is not None:
            return problem
    if target == 3 and not ctx.known.certified:
        return await certify(ctx)
    return None


async def _key_set(ctx: CaseContext) -> str | None:
    """A new AuthorizationKey set over OCPP; the bench requires it from then on (the
    station may connect again with it at once; on profile 0 or 3 it does not use it yet,
    and is not refused for leaving it out until its profile changes: the caller raises it
    next, or the operator sets it)."""
    key = new_key()
    before = ctx.session.connections
    uses_key = meets(ctx, 1) or meets(ctx, 2)
    earlier = bench_password(ctx, key) if uses_key else None  # taken from the change on
    got = await _quiet(ctx, "ChangeConfiguration", {"key": "AuthorizationKey", "value": key})
    if got != "Accepted":
        if uses_key:
            bench_password(ctx, earlier)
        return f"ChangeConfiguration AuthorizationKey answered {got}"
    await settled(ctx, before)
    if not uses_key:
        bench_password(ctx, key)
    return None


async def back_on_new_connection(ctx: CaseContext, before: int) -> bool:
    """The station connects again after a change it accepted; one that stays on its
    connection is asked to by the bench closing it."""
    if await _reconnected_after(ctx, before):
        return True
    if not ctx.session.connected:
        return False
    before = ctx.session.connections
    with suppress(SessionError):
        await ctx.session.disconnect(1000, "chargecheck: connect on the new profile")
    return await _reconnected_after(ctx, before)


def _on(ctx: CaseContext, target: int) -> str | None:
    if meets(ctx, target):
        return None
    return f"its connection ({connection_text(ctx)}) is not one of profile {target}"


async def settled(ctx: CaseContext, before: int) -> None:
    """After a security parameter change a station may close its connection to connect
    again with it (it need not): a little wait for it to go (the status timeout), and once
    gone, one for it to come back (its reboot and connect time). ``before``: the station's
    connections before the change."""
    session = ctx.session
    if session.connections == before:
        with suppress(SessionError):
            await session.wait_disconnected(ctx.settings.timeouts.status)
    if not session.connected:
        await _reconnected_after(ctx, before)


async def _root_installed(ctx: CaseContext) -> str | None:
    """The run's CA installed as CentralSystemRootCertificate (the endpoint's issuer)."""
    ca = authority(ctx).certificate
    payload = {
        "certificateType": "CentralSystemRootCertificate",
        "certificate": certificate_pem(ca),
    }
    got = await _quiet(ctx, "InstallCertificate", payload)
    if got == "Accepted":
        ctx.known.central_roots.add(ca.serial_number)
    else:
        return f"InstallCertificate CentralSystemRootCertificate (the run's CA) answered {got}"
    return None


async def certify(ctx: CaseContext) -> str | None:
    """The station's certificate signed by the run's CA (use case A02): None once
    CertificateSigned is Accepted, else why not."""
    cpo = None
    with suppress(SessionError):
        result = await ctx.session.call(
            "GetConfiguration", {"key": ["CpoName"]}, ctx.settings.timeouts.call
        )
        keys = result.get("configurationKey") or []
        cpo = next((k.get("value") for k in keys if k.get("key") == "CpoName"), None)
    identity = ctx.session.identity

    def answer(payload: dict[str, Any]) -> dict[str, Any]:
        fit = check_csr(str(payload.get("csr", "")), identity, cpo).ok
        return {"status": "Accepted" if fit else "Rejected"}

    cursor = ctx.mark()
    request = None
    with ctx.session.answers.override("SignCertificate", answer):
        got = await _quiet(
            ctx, "ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"}
        )
        if got == "Accepted":
            with suppress(SessionError):
                request = await ctx.session.expect(
                    "SignCertificate", None, ctx.settings.timeouts.status, cursor
                )
    if got != "Accepted":
        return f"ExtendedTriggerMessage SignChargePointCertificate answered {got}"
    if request is None:
        return "no SignCertificate.req came"
    check = check_csr(str(request.payload.get("csr", "")), identity, cpo)
    if check.request is None or check.faults():
        return "its CSR does not meet the certificate properties (TC_074_CS judges it)"
    chain = authority(ctx).sign_request(check.request, ctx.session.clock.utc())
    got = await _quiet(ctx, "CertificateSigned", {"certificateChain": chain})
    if got != "Accepted":
        return f"CertificateSigned answered {got}"
    ctx.known.certified = True
    return None


async def set_locally(ctx: CaseContext, target: int) -> str | None:
    """The operator sets SecurityProfile ``target`` in the station's local configuration;
    None once it connected on it, else why not."""
    if not serves(ctx, target):
        return _unserved(target)
    key = run_password(ctx)
    if target in (1, 2) and not key:  # one it sets first, for the operator to leave be
        problem = await _key_set(ctx)
        if problem is not None:
            return problem
        key = run_password(ctx)
    assert ctx.central is not None
    where = (
        ctx.central.url(ctx.session.identity)
        if target < 2 or ctx.central.secure_port is None
        else ctx.central.secure_url(ctx.session.identity)
    )
    ctx.say(
        f"  SecurityProfile {target}: Central System {where}"
        + (f", AuthorizationKey {key}" if target in (1, 2) else "")
        + (", trusting the run's CA" if target >= 2 else "")
    )
    before = ctx.session.connections
    changed = bench_password(ctx, "" if target == 0 else None if target == 3 else key)
    name = f"the station is set to SecurityProfile {target}"
    if not await ctx.physical(StepKind.SECURITY_PROFILE, 0, name, str(target), otherwise="-"):
        bench_password(ctx, changed)
        return f"the operator's step was not done (set SecurityProfile {target} on the station)"
    if not await _reconnected_after(ctx, before):
        return f"no connection on SecurityProfile {target} after the step"
    return _on(ctx, target)
