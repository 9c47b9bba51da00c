# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Security profiles of the OCPP 1.6 security extension ("Improved security for OCPP
1.6-J", edition 3, the whitepaper): the Basic Auth password updated (use case A01), the
profile upgraded (A05) and a downgrade refused, and what the station's connection looks
like on each profile: 1 Basic Auth, 2 TLS with Basic Auth, 3 TLS with a client
certificate. Each case first brings the station to the profile it runs on
(``security_levels.at_profile``: up over OCPP, down by the operator); what a case judges of
the connection is read from the connection the station made to the bench (its connect
event: Basic Auth admitted, TLS version, client subject); a profile not reached is NOT
TESTED naming what would reach it.
"""

from __future__ import annotations

from functools import partial

from chargecheck.script.catalogue.base import ask
from chargecheck.script.catalogue.security_levels import (
    TAKEN,
    at_profile,
    bench_password,
    change_profile,
    connection_text,
    meets,
    new_key,
    prepare_raise,
    serves,
    settled,
)
from chargecheck.script.catalogue.security_steps import (
    WHITEPAPER,
    not_tested,
    reconnected,
    run_password,
    security_case,
)
from chargecheck.script.context import CaseContext
from chargecheck.script.steps import change_configuration

TLS_VERSIONS = ("TLSv1.2", "TLSv1.3")  # whitepaper, profile 2: TLS 1.2 or above


async def _key_changed(ctx: CaseContext, name: str, key: str) -> bool:
    before = ctx.session.connections
    result = await ask(ctx, name, "ChangeConfiguration", {"key": "AuthorizationKey", "value": key})
    if result is None:
        return False
    got, evidence = result.get("status"), (result.call_entry_id, result.entry_id)
    if got != "Accepted":
        not_tested(ctx, name, f"answered {got}: the station keeps its key", evidence)
        return False
    ctx.check(True, name, "Accepted", evidence)
    await settled(ctx, before)
    return True


@security_case(
    "TC_073_CS",
    "Update Charge Point Password for HTTP Basic Authentication",
    "whitepaper A01",
    """
The station on SecurityProfile 1 or 2 (OCTT's configuration; the bench raises a station on 0 to 1 over OCPP with a key it sets, or asks the operator to set it; otherwise NOT TESTED)
ChangeConfiguration AuthorizationKey with a new key is Accepted (another answer is NOT TESTED)
After the bench closes the connection the station reconnects with HTTP Basic Auth, the new key as its password (whitepaper A01 SHALL); refused for its credentials FAILs
The bench puts the key it knew back the same way afterwards""",
)
async def password_updated(ctx: CaseContext, level: int) -> str:
    name = "the station reconnects with the new AuthorizationKey (whitepaper A01)"
    if not await at_profile(ctx, level, (1, 2), name):
        return ""
    old = run_password(ctx)
    if not old:
        not_tested(
            ctx,
            name,
            "the bench knows no AuthorizationKey of the station (chargecheck run --password)",
        )
        return ""
    key = new_key()
    # The bench takes the new key from the change on: a station may connect again with it
    # as soon as it has answered (and is refused nothing for being prompt).
    before = bench_password(ctx, key)
    if not await _key_changed(ctx, "ChangeConfiguration AuthorizationKey is Accepted", key):
        bench_password(ctx, before)
        return ""
    rule = f"{WHITEPAPER} A01: the Charge Point SHALL use the new key on its next connection"
    if not await reconnected(ctx, name, "reconnect with the new password", rule):
        bench_password(ctx, before)
        return ""
    ctx.check(True, name, "Basic Auth with the new key admitted", (ctx.session.connect_entry_id,))
    bench_password(ctx, old)
    if await change_configuration(ctx, "AuthorizationKey", old):
        await reconnected(ctx, "the key the bench knew is back", "reconnect with the key before")
    else:
        bench_password(ctx, key)
    return "OK, reconnected with the new password"


@security_case(
    "TC_083_CS",
    "Upgrade security profile",
    "whitepaper A05",
    """
The station on the highest profile below 3 from which the run can serve the next one (one above it is set lower by the operator; otherwise NOT TESTED); what the next profile rests on is made ready: an AuthorizationKey the bench knows (1, 2), the run's CA installed as CentralSystemRootCertificate and a wss:// endpoint (2, 3; chargecheck run --secure-port or --tls), the station's certificate from the run's CA (3); what is missing is NOT TESTED
ChangeConfiguration SecurityProfile one up is Accepted or RebootRequired (another answer is NOT TESTED)
The station connects again on the new profile (whitepaper A05: it SHALL then connect using it); refused for its credentials, or connecting on a lower profile, FAILs""",
)
async def profile_upgraded(ctx: CaseContext, level: int) -> str:
    # the highest profile below 3 the run serves, and the next one too
    starts = [p for p in range(min(level, 2), -1, -1) if serves(ctx, p) and serves(ctx, p + 1)]
    if not starts:
        not_tested(
            ctx,
            f"the station reconnects on SecurityProfile {level + 1} (whitepaper A05)",
            f"SecurityProfile {level}: the run serves no profile below 3 together with the one above it (chargecheck run --secure-port beside ws:// reaches it)",
        )
        return ""
    start = starts[0]
    if start != level:
        if not await at_profile(ctx, level, (start,), f"the station is on SecurityProfile {start}"):
            return ""
        level = start
    target = level + 1
    name = f"the station reconnects on SecurityProfile {target} (whitepaper A05)"
    problem = await prepare_raise(ctx, target)
    if problem is not None:
        not_tested(ctx, name, f"SecurityProfile {level}: {problem}")
        return ""
    change = f"ChangeConfiguration SecurityProfile {target} is Accepted"
    seen = len(ctx.central.refusals) if ctx.central is not None else 0
    result, back = await change_profile(ctx, target, partial(ask, ctx, change))
    if result is None:
        return ""
    got, evidence = result.get("status"), (result.call_entry_id, result.entry_id)
    if got not in TAKEN:
        not_tested(ctx, change, f"answered {got}", evidence)
        return ""
    ctx.check(True, change, f"answered {got}", evidence)
    rule = f"{WHITEPAPER} A05: after the change the Charge Point SHALL connect using SecurityProfile {target}"
    if not back:
        refusals = ctx.central.refusals[seen:] if ctx.central is not None else []
        mine = [r for r in refusals if r[0] == ctx.session.identity and r[1] == 401]
        if mine:
            ctx.check(False, name, f"refused {len(mine)} time(s): {mine[-1][2]}; {rule}")
        else:
            not_tested(ctx, name, "the station did not connect again")
        return ""
    ok = ctx.check(
        meets(ctx, target),
        name,
        connection_text(ctx) + ("" if meets(ctx, target) else f": {rule}"),
        (ctx.session.connect_entry_id,),
    )
    return f"OK, upgraded to profile {target}" if ok else ""


@security_case(
    "TC_084_CS",
    "Downgrade security profile - Rejected",
    "whitepaper A05",
    """
A station on SecurityProfile 0 is raised to 1 first (as TC_083_CS; not reached: NOT TESTED)
ChangeConfiguration SecurityProfile one below the station's is Rejected (whitepaper A05: the Charge Point SHALL NOT accept a lower profile)""",
)
async def downgrade_rejected(ctx: CaseContext, level: int) -> str:
    name = f"ChangeConfiguration SecurityProfile {max(level - 1, 0)} is Rejected (whitepaper A05)"
    if level == 0:
        if not await at_profile(ctx, level, (1, 2, 3), name):
            return ""
        level = next((p for p in (3, 2, 1) if meets(ctx, p)), 1)
        name = f"ChangeConfiguration SecurityProfile {level - 1} is Rejected (whitepaper A05)"
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
    "whitepaper profile 1",
    """
The station on SecurityProfile 1 or 2 (raised over OCPP, or set by the operator; otherwise NOT TESTED), the bench requiring its AuthorizationKey
After the bench closes the connection the station connects again with HTTP Basic Auth, its identity as the username and the key as the password (whitepaper, profile 1 SHALL); refused for its credentials FAILs""",
)
async def basic_auth(ctx: CaseContext, level: int) -> str:
    name = "the station connects with valid HTTP Basic Auth (whitepaper, profile 1)"
    if not await at_profile(ctx, level, (1, 2), name):
        return ""
    if not run_password(ctx):
        not_tested(
            ctx,
            name,
            "the bench knows no AuthorizationKey of the station (chargecheck run --password)",
        )
        return ""
    rule = f"{WHITEPAPER}, profile 1: the username SHALL be the identity, the password the AuthorizationKey"
    if not await reconnected(ctx, name, "reconnect with Basic Auth", rule):
        return ""
    ctx.check(
        True,
        name,
        f"user {ctx.session.identity}, " + connection_text(ctx),
        (ctx.session.connect_entry_id,),
    )
    return "OK, Basic Auth admitted"


@security_case(
    "TC_086_CS",
    "TLS - server-side certificate - Valid certificate",
    "whitepaper profile 2",
    """
The station on SecurityProfile 2 or 3 (raised over OCPP to the run's wss:// endpoint, chargecheck run --secure-port or --tls; otherwise NOT TESTED)
After the bench closes the connection the station connects again over TLS 1.2 or above (whitepaper, profile 2 SHALL); the cipher suite is reported""",
)
async def tls_server(ctx: CaseContext, level: int) -> str:
    name = "the station connects over TLS 1.2 or above (whitepaper, profile 2)"
    if not await at_profile(ctx, level, (2, 3), name):
        return ""
    if not await reconnected(ctx, name, "reconnect over TLS"):
        return ""
    tls = ctx.session.connect_detail.get("tls") or {}
    version = tls.get("version")
    ok = version in TLS_VERSIONS
    detail = f"{version}, {tls.get('cipher')}" + (
        "" if ok else f": {WHITEPAPER}, profile 2: SHALL use TLS 1.2 or above"
    )
    ctx.check(ok, name, detail, (ctx.session.connect_entry_id,))
    return f"OK, {version}" if ok else ""


@security_case(
    "TC_087_CS",
    "TLS - Client-side certificate - valid certificate",
    "whitepaper profile 3, certificate properties",
    """
The station on SecurityProfile 3 (raised over OCPP: its certificate signed by the run's CA, the CA installed as CentralSystemRootCertificate; the run's wss:// endpoint, chargecheck run --secure-port, or --tls --client-ca; otherwise NOT TESTED)
After the bench closes the connection the station connects again with a client certificate the bench verifies (whitepaper, profile 3 SHALL)
Its subject's commonName is the station's identity (whitepaper, certificate properties)""",
)
async def tls_client(ctx: CaseContext, level: int) -> str:
    name = "the station presents a valid client certificate (whitepaper, profile 3)"
    if not await at_profile(ctx, level, (3,), name):
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
        "its commonName is the identity (whitepaper, certificate properties)",
        f"{subject}" + ("" if ok else f", not {cn}: {WHITEPAPER}, certificate properties"),
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
