# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Security profiles of the OCPP 1.6 security extension ("Improved security for OCPP
1.6-J", edition 3, the whitepaper, section 2): the Basic Auth password updated (use case
A01), the profile upgraded (A05) and a downgrade refused, and what the station's
connection looks like on each profile: Basic Auth (2.1), TLS (2.2), a client certificate
(2.3). What a case judges of the connection is read from the connection the station made
to the bench (its connect event: Basic Auth admitted, TLS version, client subject); a run
that does not serve the profile a case needs is NOT TESTED naming the option that would.
"""

from __future__ import annotations

import secrets
from contextlib import suppress

from chargecheck.csms.errors import SessionError
from chargecheck.script.catalogue.base import ask
from chargecheck.script.catalogue.security_steps import (
    WHITEPAPER,
    client_certificates,
    not_tested,
    reconnected,
    run_password,
    run_tls,
    security_case,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.steps import change_configuration

TLS_VERSIONS = ("TLSv1.2", "TLSv1.3")  # whitepaper 2.2: TLS 1.2 or above


def new_key() -> str:
    """A new AuthorizationKey: 40 hexadecimal characters (20 bytes; the whitepaper's 16..40)."""
    return secrets.token_hex(20)


def _bench_password(ctx: CaseContext, value: str | None) -> str | None:
    """Set the password the bench requires of this station; the entry before (None: none)."""
    assert ctx.central is not None
    passwords = ctx.central.settings.passwords
    before = passwords.get(ctx.session.identity)
    if value is None:
        passwords.pop(ctx.session.identity, None)
    else:
        passwords[ctx.session.identity] = value
    return before


async def _key_changed(ctx: CaseContext, name: str, key: str) -> bool:
    result = await ask(ctx, name, "ChangeConfiguration", {"key": "AuthorizationKey", "value": key})
    if result is None:
        return False
    got, evidence = result.get("status"), (result.call_entry_id, result.entry_id)
    if got != "Accepted":
        not_tested(ctx, name, f"answered {got}: the station keeps its key", evidence)
        return False
    ctx.check(True, name, "Accepted", evidence)
    await _settled(ctx)
    return True


async def _settled(ctx: CaseContext) -> None:
    """A station may close its connection after answering a security parameter change, to
    connect again with it: the case goes on once it is back (or did not go)."""
    with suppress(SessionError):
        await ctx.session.wait_disconnected(ctx.settings.timeouts.status)
    with suppress(SessionError):
        await ctx.session.wait_connected(
            ctx.settings.timeouts.reboot + ctx.settings.timeouts.connect
        )


@security_case(
    "TC_073_CS",
    "Update Charge Point Password for HTTP Basic Authentication",
    "whitepaper A01, 2.1",
    """
ChangeConfiguration AuthorizationKey with a new key is Accepted (another answer is NOT TESTED); the run needs a password (chargecheck run --password) and the station profile 1 or 2
After the bench closes the connection the station reconnects with HTTP Basic Auth, the new key as its password (whitepaper A01, 2.1 SHALL); refused for its credentials FAILs
The bench puts the run's password back the same way afterwards""",
)
async def password_updated(ctx: CaseContext, level: int) -> str:
    name = "the station reconnects with the new AuthorizationKey (whitepaper A01)"
    old = run_password(ctx)
    if old is None or level not in (1, 2):
        why = "the run takes no password (chargecheck run --password)" if old is None else ""
        not_tested(
            ctx, name, why or f"SecurityProfile {level}: AuthorizationKey is for profiles 1 and 2"
        )
        return ""
    key = new_key()
    if not await _key_changed(ctx, "ChangeConfiguration AuthorizationKey is Accepted", key):
        return ""
    before = _bench_password(ctx, key)
    rule = f"{WHITEPAPER} A01: the Charge Point SHALL use the new key on its next connection"
    if not await reconnected(ctx, name, "reconnect with the new password", rule):
        _bench_password(ctx, before)
        return ""
    ctx.check(True, name, "Basic Auth with the new key admitted", (ctx.session.connect_entry_id,))
    if await change_configuration(ctx, "AuthorizationKey", old):
        _bench_password(ctx, before)
        await reconnected(ctx, "the run's password is back", "reconnect with the run's password")
    return "OK, reconnected with the new password"


@security_case(
    "TC_083_CS",
    "Upgrade security profile",
    "whitepaper A05, 2",
    """
The bench serves the profile one above the station's in this run: 0 to 1 (Basic Auth with a key the bench sets first); 1 to 2 and 2 to 3 need a run served on the upgraded profile (NOT TESTED here)
ChangeConfiguration SecurityProfile one up is Accepted (another answer is NOT TESTED)
The station reconnects on the new profile (whitepaper A05: it SHALL then connect using it); refused for its credentials FAILs""",
)
async def profile_upgraded(ctx: CaseContext, level: int) -> str:
    name = f"the station reconnects on SecurityProfile {level + 1} (whitepaper A05)"
    if level != 0 or run_tls(ctx) is not None or run_password(ctx) is not None:
        not_tested(
            ctx,
            name,
            f"SecurityProfile {level}: the bench cannot serve profile {level + 1} in this run "
            "(it serves one profile per run; an upgrade from 0 on a plain ws:// run without --password is judged)"
            if level < 3
            else "SecurityProfile 3 is the highest",
        )
        return ""
    key = new_key()
    if not await _key_changed(ctx, "ChangeConfiguration AuthorizationKey is Accepted", key):
        return ""
    change = "ChangeConfiguration SecurityProfile 1 is Accepted"
    result = await ask(ctx, change, "ChangeConfiguration", {"key": "SecurityProfile", "value": "1"})
    if result is None:
        return ""
    got, evidence = result.get("status"), (result.call_entry_id, result.entry_id)
    if got not in ("Accepted", "RebootRequired"):
        not_tested(ctx, change, f"answered {got}", evidence)
        return ""
    ctx.check(True, change, f"answered {got}", evidence)
    _bench_password(ctx, key)  # from now on the bench requires Basic Auth (profile 1)
    rule = f"{WHITEPAPER} A05: after the change the Charge Point SHALL connect with profile 1 (Basic Auth, the AuthorizationKey)"
    if not await reconnected(ctx, name, "reconnect on the new profile", rule):
        return ""
    ctx.check(True, name, "Basic Auth admitted", (ctx.session.connect_entry_id,))
    return "OK, upgraded to profile 1 (the bench keeps requiring its key)"


@security_case(
    "TC_084_CS",
    "Downgrade security profile - Rejected",
    "whitepaper A05, 2",
    """
ChangeConfiguration SecurityProfile one below the station's is Rejected (whitepaper A05: the Charge Point SHALL NOT accept a lower profile); a station at profile 0 has none below: NOT TESTED""",
)
async def downgrade_rejected(ctx: CaseContext, level: int) -> str:
    name = f"ChangeConfiguration SecurityProfile {max(level - 1, 0)} is Rejected (whitepaper A05)"
    if level == 0:
        not_tested(ctx, name, "SecurityProfile 0: there is no lower profile")
        return ""
    result = await ask(
        ctx, name, "ChangeConfiguration", {"key": "SecurityProfile", "value": str(level - 1)}
    )
    if result is None:
        return ""
    got = result.get("status")
    rule = f"{WHITEPAPER} A05: a lower SecurityProfile SHALL be Rejected"
    ok = ctx.check(
        got == "Rejected",
        name,
        f"answered {got}" + ("" if got == "Rejected" else f": {rule}"),
        (result.call_entry_id, result.entry_id),
    )
    return "OK, Rejected" if ok else ""


@security_case(
    "TC_085_CS",
    "Basic Authentication - Valid username/password combination",
    "whitepaper 2.1",
    """
The run requires a password of the station (chargecheck run --password; otherwise NOT TESTED)
After the bench closes the connection the station connects again with HTTP Basic Auth, its identity as the username and the key as the password (whitepaper 2.1 SHALL); refused for its credentials FAILs""",
)
async def basic_auth(ctx: CaseContext, level: int) -> str:
    name = "the station connects with valid HTTP Basic Auth (whitepaper 2.1)"
    if run_password(ctx) is None:
        not_tested(ctx, name, "the run takes no password: chargecheck run --password reaches it")
        return ""
    rule = (
        f"{WHITEPAPER} 2.1: the username SHALL be the identity, the password the AuthorizationKey"
    )
    if not await reconnected(ctx, name, "reconnect with Basic Auth", rule):
        return ""
    ctx.check(
        True,
        name,
        f"user {ctx.session.identity}, the run's password",
        (ctx.session.connect_entry_id,),
    )
    return "OK, Basic Auth admitted"


@security_case(
    "TC_086_CS",
    "TLS - server-side certificate - Valid certificate",
    "whitepaper 2.2",
    """
The run is served over TLS (chargecheck run --tls; a plain ws:// run is NOT TESTED)
After the bench closes the connection the station connects again over TLS 1.2 or above (whitepaper 2.2 SHALL); the cipher suite is reported""",
)
async def tls_server(ctx: CaseContext, level: int) -> str:
    name = "the station connects over TLS 1.2 or above (whitepaper 2.2)"
    if run_tls(ctx) is None:
        not_tested(ctx, name, "a plain ws:// run: chargecheck run --tls reaches it")
        return ""
    if not await reconnected(ctx, name, "reconnect over TLS"):
        return ""
    tls = ctx.session.connect_detail.get("tls") or {}
    version = tls.get("version")
    ok = version in TLS_VERSIONS
    detail = f"{version}, {tls.get('cipher')}" + (
        "" if ok else f": {WHITEPAPER} 2.2 SHALL use TLS 1.2 or above"
    )
    ctx.check(ok, name, detail, (ctx.session.connect_entry_id,))
    return f"OK, {version}" if ok else ""


@security_case(
    "TC_087_CS",
    "TLS - Client-side certificate - valid certificate",
    "whitepaper 2.3, 3.1",
    """
The run requires client certificates (chargecheck run --tls --client-ca; otherwise NOT TESTED)
After the bench closes the connection the station connects again with a client certificate the bench's client CA verifies (whitepaper 2.3 SHALL)
Its subject's commonName is the station's identity (whitepaper 3.1)""",
)
async def tls_client(ctx: CaseContext, level: int) -> str:
    name = "the station presents a valid client certificate (whitepaper 2.3)"
    if not client_certificates(ctx):
        opts = "--client-ca" if run_tls(ctx) is not None else "--tls and --client-ca"
        not_tested(
            ctx, name, f"the run requires no client certificate: chargecheck run {opts} reaches it"
        )
        return ""
    if not await reconnected(ctx, name, "reconnect with the client certificate"):
        return ""
    subject = (ctx.session.connect_detail.get("tls") or {}).get("client_subject")
    evidence = (ctx.session.connect_entry_id,)
    ctx.check(subject is not None, name, f"subject {subject}", evidence)
    cn = f"CN={ctx.session.identity}"
    ok = subject is not None and cn in subject.split(", ")
    ctx.check(
        ok,
        "its commonName is the identity (whitepaper 3.1)",
        f"{subject}" + ("" if ok else f", not {cn}: {WHITEPAPER} 3.1"),
        evidence,
    )
    return "OK, client certificate verified" if ok else ""


CASES = [
    password_updated,
    profile_upgraded,
    downgrade_rejected,
    basic_auth,
    tls_server,
    tls_client,
]
