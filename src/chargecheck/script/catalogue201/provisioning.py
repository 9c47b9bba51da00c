# ruff: noqa: E501  (a criterion is one line: one bullet of the report)
"""Block B, provisioning: the boot, reading and setting variables, base reports and the
reset of an idle station (OCPP 2.0.1 part 2, use cases B01, B05, B06, B07, B11).

The variables a case reads or sets are ones every station has (part 2, "Referenced
Components and Variables": OCPPCommCtrlr.OfflineThreshold, AuthCtrlr.LocalAuthorize
Offline, OCPPCommCtrlr.MessageTimeout[Default]); a value the bench sets is put back
afterwards. What the specification lets the station choose (an attribute type it also
supports, a value outside its range) is NOT TESTED with the reason, never a FAIL.
"""

from __future__ import annotations

from typing import Any

from chargecheck.csms.errors import SessionError
from chargecheck.csms.session import Cursor, Message, Result
from chargecheck.script.catalogue.base import CatalogueCase, ask, not_tested
from chargecheck.script.catalogue201.base import (
    LOCAL_AUTHORIZE_OFFLINE,
    MESSAGE_TIMEOUT,
    NO_INVENTORY,
    OFFLINE_THRESHOLD,
    PART2,
    Variable,
    attributes,
    base_report,
    case201,
    evidence_of,
    get_quietly,
    inventory,
    mutability,
    read_variable,
    result_for,
    set_quietly,
    unknown_name,
    variable_of,
    write_variable,
)
from chargecheck.script.context import CaseContext

REQUIRED = "every station has it (part 2, Referenced Components and Variables)"


# -- GetVariables / SetVariables, judged -------------------------------------------------------


async def _results(
    ctx: CaseContext, name: str, action: str, items: list[dict[str, Any]], rule: str
) -> tuple[list[dict[str, Any]], tuple[int, ...]] | None:
    """``action`` (GetVariables or SetVariables) with ``items``; one result per item
    (B06.FR.01 / B05.FR.01) or ``name`` FAILs. The results and their evidence."""
    field = "getVariableData" if action == "GetVariables" else "setVariableData"
    result = await ask(ctx, name, action, {field: items})
    if result is None:
        return None
    results = list(
        result.get("getVariableResult" if action == "GetVariables" else "setVariableResult") or []
    )
    evidence = evidence_of(result)
    ok = len(results) == len(items)
    ctx.check(
        ok,
        name,
        f"{len(results)} result(s) for {len(items)} item(s)" + ("" if ok else f": {rule}"),
        evidence,
    )
    return (results, evidence) if ok else None


def _echoed(
    ctx: CaseContext,
    variable: Variable,
    item: dict[str, Any] | None,
    attribute: str | None,
    evidence: tuple[int, ...],
    rules: tuple[str, str],
) -> dict[str, Any] | None:
    """The result names ``variable`` (rules[0]) and carries the attributeType asked, Actual
    when none was (rules[1]); the item, or None when it names no such variable."""
    named = f"the result names {variable}"
    if item is None:
        ctx.check(False, named, f"no result names it: {rules[0]}", evidence)
        return None
    ctx.check(True, named, "named", evidence)
    wanted = attribute or "Actual"
    got = item.get("attributeType")
    ok = got == wanted
    ctx.check(
        ok,
        f"attributeType {wanted} in the result",
        f"attributeType {got}" + ("" if ok else f", not {wanted}: {rules[1]}"),
        evidence,
    )
    return item


def _status(item: dict[str, Any]) -> str:
    status = item.get("attributeStatus")
    info = (item.get("attributeStatusInfo") or {}).get("reasonCode")
    return f"{status}" + (f" ({info})" if info else "")


def _is_integer(text: Any) -> bool:
    return isinstance(text, str) and text.strip().lstrip("-").isdigit()


async def _read(
    ctx: CaseContext, variables: list[Variable], name: str
) -> tuple[list[dict[str, Any] | None], tuple[int, ...]] | None:
    """GetVariables of required variables, judged: one result each (B06.FR.01), each
    naming its variable with attributeType Actual (B06.FR.02, B06.FR.11), Accepted with a
    value (B06.FR.04, B06.FR.10). The result items, in ``variables``' order."""
    got = await _results(
        ctx,
        name,
        "GetVariables",
        [v.get() for v in variables],
        f"{PART2} B06.FR.01: one GetVariableResult per GetVariableData SHALL be returned",
    )
    if got is None:
        return None
    results, evidence = got
    items = []
    for variable in variables:
        item = _echoed(
            ctx,
            variable,
            result_for(results, variable),
            None,
            evidence,
            (
                f"{PART2} B06.FR.02: each result SHALL name the component and variable asked",
                f"{PART2} B06.FR.11: with no attributeType asked the result SHALL carry Actual",
            ),
        )
        items.append(item)
        if item is not None:
            _accepted_value(ctx, variable, item, evidence)
    return items, evidence


def _accepted_value(
    ctx: CaseContext, variable: Variable, item: dict[str, Any], evidence: tuple[int, ...]
) -> bool:
    name = f"{variable} is Accepted with its value"
    status = item.get("attributeStatus")
    if status in ("UnknownComponent", "UnknownVariable"):
        return ctx.check(False, name, f"{_status(item)}: {REQUIRED}", evidence)
    if status != "Accepted":
        not_tested(
            ctx,
            name,
            f"{_status(item)}: B06 names no reason to refuse a readable variable but says nothing more of Rejected",
            evidence,
        )
        return False
    value = item.get("attributeValue")
    ok = value is not None
    return ctx.check(
        ok,
        name,
        f"Accepted, value {value!r}"
        if ok
        else f"Accepted without attributeValue: {PART2} B06.FR.10: an Accepted result SHALL carry the value",
        evidence,
    )


@case201(
    "TC_B_06_CS",
    "Get Variables - single value",
    "B06.FR.01, B06.FR.02, B06.FR.04, B06.FR.10, B06.FR.11",
    """
GetVariables of OCPPCommCtrlr.OfflineThreshold, a variable every station has, with no attributeType
One result, naming OCPPCommCtrlr.OfflineThreshold (B06.FR.01, B06.FR.02 SHALL), with attributeType Actual (B06.FR.11 SHALL)
Accepted with the value (B06.FR.04, B06.FR.10 SHALL), an integer (its data type); UnknownComponent or UnknownVariable FAILs (a required variable); another status is NOT TESTED""",
)
async def get_single(ctx: CaseContext) -> str:
    read = await _read(ctx, [OFFLINE_THRESHOLD], "GetVariables is answered with one result")
    if read is None:
        return ""
    (item,), evidence = read
    if (
        item is None
        or item.get("attributeStatus") != "Accepted"
        or item.get("attributeValue") is None
    ):
        return ""
    value = item["attributeValue"]
    ok = ctx.check(
        _is_integer(value),
        "OfflineThreshold is an integer",
        f"{value!r}" + ("" if _is_integer(value) else f": {REQUIRED}, data type integer"),
        evidence,
    )
    return f"OK, OfflineThreshold {value}" if ok else ""


@case201(
    "TC_B_07_CS",
    "Get Variables - multiple values",
    "B06.FR.01, B06.FR.02, B06.FR.04, B06.FR.10",
    """
GetVariables of OCPPCommCtrlr.OfflineThreshold and AuthCtrlr.LocalAuthorizeOffline in one request
Two results, in any order, each naming its variable with attributeType Actual (B06.FR.01, B06.FR.02, B06.FR.11 SHALL)
Each Accepted with its value (B06.FR.04, B06.FR.10 SHALL); UnknownComponent or UnknownVariable FAILs (required variables); another status is NOT TESTED""",
)
async def get_multiple(ctx: CaseContext) -> str:
    variables = [OFFLINE_THRESHOLD, LOCAL_AUTHORIZE_OFFLINE]
    read = await _read(ctx, variables, "GetVariables is answered with one result per item")
    if read is None:
        return ""
    items, _ = read
    values = [
        i.get("attributeValue")
        for i in items
        if i is not None and i.get("attributeStatus") == "Accepted"
    ]
    return f"OK, {', '.join(str(v) for v in values)}" if len(values) == 2 else ""


async def _unknown(
    ctx: CaseContext,
    action: str,
    variable: Variable,
    attribute: str | None,
    wanted: str,
    rule: str,
    value: str | None = None,
) -> dict[str, Any] | None:
    """One Get/SetVariables item that names something the station lacks: one result
    naming it back, with ``wanted`` as its status (``rule``); no value with it (GetVariables,
    B06.FR.06-08). The result item (None when none came)."""
    item_data = variable.get(attribute) if value is None else variable.set(value, attribute)
    get = action == "GetVariables"
    count_rule = f"{PART2} {'B06' if get else 'B05'}.FR.01: one result per item SHALL be returned"
    got = await _results(
        ctx, f"{action} is answered with one result", action, [item_data], count_rule
    )
    if got is None:
        return None
    (item,), evidence = got
    echo = (
        f"{PART2} {'B06' if get else 'B05'}.FR.02: the result SHALL name the component and variable asked",
        f"{PART2} {'B06.FR.03' if attribute else 'B06.FR.11'}: the result SHALL carry the attributeType asked (Actual when none)"
        if get
        else f"{PART2} {'B05.FR.03' if attribute else 'B05.FR.12'}: the result SHALL carry the attributeType asked (Actual when none)",
    )
    if (
        _echoed(ctx, variable, item if variable.named_by(item) else None, attribute, evidence, echo)
        is None
    ):
        return None
    status = item.get("attributeStatus")
    ok = status == wanted
    ctx.check(
        ok,
        f"attributeStatus {wanted}",
        _status(item) + ("" if ok else f", not {wanted}: {rule}"),
        evidence,
    )
    if get:
        _value_with_it(ctx, item, rule, evidence)
    return item


def _value_with_it(
    ctx: CaseContext, item: dict[str, Any], rule: str, evidence: tuple[int, ...]
) -> bool:
    """Whether a GetVariables result for what the station lacks carries an attributeValue
    (FAIL quoting ``rule``: there SHALL be none)."""
    if "attributeValue" not in item:
        return False
    ctx.check(
        False,
        "no attributeValue with it",
        f"attributeValue {item['attributeValue']!r}: {rule} (without a value)",
        evidence,
    )
    return True


# The requirement of each unknown name: (action, what is unknown) -> its id.
_UNKNOWN = {
    ("GetVariables", "component"): "B06.FR.06",
    ("GetVariables", "variable"): "B06.FR.07",
    ("SetVariables", "component"): "B05.FR.04",
    ("SetVariables", "variable"): "B05.FR.05",
}


async def _unknown_named(ctx: CaseContext, action: str, what: str) -> str:
    """``action`` of OfflineThreshold on a random component, or of a random variable on
    OCPPCommCtrlr: answered Unknown<what>, with no value (``_unknown``)."""
    name = unknown_name("ChargecheckNone")
    variable = (
        Variable(name, OFFLINE_THRESHOLD.name)
        if what == "component"
        else Variable(OFFLINE_THRESHOLD.component, name)
    )
    wanted = f"Unknown{what.capitalize()}"
    rule = f"{PART2} {_UNKNOWN[(action, what)]}: an unknown {what} SHALL be answered {wanted}"
    value = None if action == "GetVariables" else "300"
    item = await _unknown(ctx, action, variable, None, wanted, rule, value=value)
    if item is None or item.get("attributeStatus") != wanted:
        return ""
    return f"OK, {wanted}" if "attributeValue" not in item else ""


@case201(
    "TC_B_32_CS",
    "Get Variables - Unknown component",
    "B06.FR.06",
    """
GetVariables of OfflineThreshold on a component no station has (a random name)
One result naming it back with attributeType Actual (B06.FR.01, B06.FR.02, B06.FR.11 SHALL)
attributeStatus UnknownComponent and no attributeValue (B06.FR.06 SHALL)""",
)
async def get_unknown_component(ctx: CaseContext) -> str:
    return await _unknown_named(ctx, "GetVariables", "component")


@case201(
    "TC_B_33_CS",
    "Get Variables - Unknown variable",
    "B06.FR.07",
    """
GetVariables of a variable no station has (a random name) on OCPPCommCtrlr
One result naming it back with attributeType Actual (B06.FR.01, B06.FR.02, B06.FR.11 SHALL)
attributeStatus UnknownVariable and no attributeValue (B06.FR.07 SHALL)""",
)
async def get_unknown_variable(ctx: CaseContext) -> str:
    return await _unknown_named(ctx, "GetVariables", "variable")


async def _lacking_attribute(ctx: CaseContext, variable: Variable) -> str | None:
    """An attribute type the station's FullInventory does not list for ``variable``
    (Target, MinSet, MaxSet in turn); None if it lists them all or cannot be read."""
    report = await inventory(ctx)
    if report is None:
        return "Target"  # OCTT's choice; a station that has it answers Accepted (NOT TESTED)
    item = report.find(variable)
    have = set(attributes(item)) if item is not None else set()
    return next((a for a in ("Target", "MinSet", "MaxSet") if a not in have), None)


@case201(
    "TC_B_34_CS",
    "Get Variables - Not supported attribute type",
    "B06.FR.03, B06.FR.08",
    """
GetVariables of OCPPCommCtrlr.OfflineThreshold with an attribute type its FullInventory does not list (Target, MinSet or MaxSet; all listed: NOT TESTED)
One result naming it with that attributeType (B06.FR.01, B06.FR.02, B06.FR.03 SHALL)
attributeStatus NotSupportedAttributeType and no attributeValue (B06.FR.08 SHALL); Accepted is NOT TESTED (the station has that attribute after all)""",
)
async def get_unsupported_attribute(ctx: CaseContext) -> str:
    attribute = await _lacking_attribute(ctx, OFFLINE_THRESHOLD)
    name = "attributeStatus NotSupportedAttributeType"
    if attribute is None:
        not_tested(
            ctx,
            name,
            "the FullInventory lists Actual, Target, MinSet and MaxSet for OfflineThreshold: no attribute type is missing",
        )
        return ""
    rule = f"{PART2} B06.FR.08: an attribute type the variable lacks SHALL be answered NotSupportedAttributeType"
    return await _not_supported(ctx, "GetVariables", attribute, rule)


async def _not_supported(
    ctx: CaseContext, action: str, attribute: str, rule: str, value: str | None = None
) -> str:
    name = "attributeStatus NotSupportedAttributeType"
    get = action == "GetVariables"
    item_data = (
        OFFLINE_THRESHOLD.get(attribute) if get else OFFLINE_THRESHOLD.set(value or "", attribute)
    )
    count_rule = f"{PART2} {'B06' if get else 'B05'}.FR.01: one result per item SHALL be returned"
    got = await _results(
        ctx, f"{action} is answered with one result", action, [item_data], count_rule
    )
    if got is None:
        return ""
    (item,), evidence = got
    echo = (
        f"{PART2} {'B06' if get else 'B05'}.FR.02: the result SHALL name the component and variable asked",
        f"{PART2} {'B06' if get else 'B05'}.FR.03: the result SHALL carry the attributeType asked",
    )
    if (
        _echoed(
            ctx,
            OFFLINE_THRESHOLD,
            item if OFFLINE_THRESHOLD.named_by(item) else None,
            attribute,
            evidence,
            echo,
        )
        is None
    ):
        return ""
    status = item.get("attributeStatus")
    if status in ("Accepted", "RebootRequired"):
        not_tested(
            ctx,
            name,
            f"{_status(item)}: the station has {attribute} for OfflineThreshold (its FullInventory did not list it)",
            evidence,
        )
        return ""
    ok = status == "NotSupportedAttributeType"
    ctx.check(ok, name, _status(item) + ("" if ok else f": {rule}"), evidence)
    if get and _value_with_it(ctx, item, rule, evidence):
        return ""
    return f"OK, {attribute} NotSupportedAttributeType" if ok else ""


# -- SetVariables ------------------------------------------------------------------------------


def _other_integer(value: str | None, low: int = 1) -> str:
    """A valid integer value different from ``value``."""
    number = int(value) if value is not None and _is_integer(value) else 300
    return str(number + 1 if number + 1 >= low else low)


async def _set_and_read_back(
    ctx: CaseContext, changes: list[tuple[Variable, str]], name: str
) -> tuple[list[str], tuple[int, ...]] | None:
    """SetVariables of ``changes`` judged: one result each (B05.FR.01), naming its
    variable with Actual (B05.FR.02, B05.FR.12), Accepted (B05.FR.10) or NOT TESTED; each
    Accepted value then read back. The statuses, in ``changes``' order."""
    rule = f"{PART2} B05.FR.01: one SetVariableResult per SetVariableData SHALL be returned"
    got = await _results(ctx, name, "SetVariables", [v.set(value) for v, value in changes], rule)
    if got is None:
        return None
    results, evidence = got
    statuses = []
    for variable, value in changes:
        item = _echoed(
            ctx,
            variable,
            result_for(results, variable),
            None,
            evidence,
            (
                f"{PART2} B05.FR.02: each result SHALL name the component and variable set",
                f"{PART2} B05.FR.12: with no attributeType the result SHALL carry Actual",
            ),
        )
        status = str(item.get("attributeStatus")) if item is not None else ""
        statuses.append(status)
        if item is None:
            continue
        taken = f"{variable} = {value} is Accepted"
        if status == "Accepted":
            ctx.check(True, taken, "Accepted", evidence)
            read = await get_quietly(ctx, variable)
            ok = read is not None and read.lower() == value.lower()
            ctx.check(
                ok,
                f"{variable} reads back {value}",
                f"reads {read!r}"
                + ("" if ok else f": {PART2} B05.FR.10: Accepted SHALL mean the value was set"),
                evidence,
            )
        elif status in ("UnknownComponent", "UnknownVariable"):
            ctx.check(False, taken, f"{_status(item)}: {REQUIRED}", evidence)
        else:
            not_tested(
                ctx,
                taken,
                f"{_status(item)}: a value may be refused out of its range or while it cannot be set (B05.FR.08, B05.FR.09); RebootRequired takes it at the next boot",
                evidence,
            )
    return statuses, evidence


@case201(
    "TC_B_09_CS",
    "Set Variables - single value",
    "B05.FR.01, B05.FR.02, B05.FR.10, B05.FR.12",
    """
SetVariables of OCPPCommCtrlr.OfflineThreshold to another integer, with no attributeType; the value before is put back afterwards
One result naming it, with attributeType Actual (B05.FR.01, B05.FR.02, B05.FR.12 SHALL)
Accepted (B05.FR.10 SHALL), and GetVariables then reads the new value; UnknownComponent or UnknownVariable FAILs (a required variable); Rejected or RebootRequired is NOT TESTED (B05.FR.08, B05.FR.09)""",
)
async def set_single(ctx: CaseContext) -> str:
    before = await get_quietly(ctx, OFFLINE_THRESHOLD)
    value = _other_integer(before)
    done = await _set_and_read_back(
        ctx, [(OFFLINE_THRESHOLD, value)], "SetVariables is answered with one result"
    )
    if before is not None:
        await set_quietly(ctx, OFFLINE_THRESHOLD, before)
    return (
        f"OK, OfflineThreshold {value} set and read back"
        if done is not None and done[0] == ["Accepted"] and _passed(ctx)
        else ""
    )


def _passed(ctx: CaseContext) -> bool:
    from chargecheck.script.verdict import Outcome

    return all(c.outcome is Outcome.PASS for c in ctx.criteria)


def _flipped(value: str | None) -> str:
    return "false" if (value or "").lower() == "true" else "true"


@case201(
    "TC_B_10_CS",
    "Set Variables - multiple values",
    "B05.FR.01, B05.FR.02, B05.FR.10, B05.FR.12",
    """
SetVariables of OCPPCommCtrlr.OfflineThreshold (another integer) and AuthCtrlr.LocalAuthorizeOffline (the other boolean) in one request; the values before are put back afterwards
Two results in any order, each naming its variable with attributeType Actual (B05.FR.01, B05.FR.02, B05.FR.12 SHALL)
Each Accepted (B05.FR.10 SHALL) and read back; UnknownComponent or UnknownVariable FAILs; Rejected or RebootRequired is NOT TESTED""",
)
async def set_multiple(ctx: CaseContext) -> str:
    threshold = await get_quietly(ctx, OFFLINE_THRESHOLD)
    offline = await get_quietly(ctx, LOCAL_AUTHORIZE_OFFLINE)
    changes = [
        (OFFLINE_THRESHOLD, _other_integer(threshold)),
        (LOCAL_AUTHORIZE_OFFLINE, _flipped(offline)),
    ]
    done = await _set_and_read_back(
        ctx, changes, "SetVariables is answered with one result per item"
    )
    for variable, before in (
        (OFFLINE_THRESHOLD, threshold),
        (LOCAL_AUTHORIZE_OFFLINE, offline),
    ):
        if before is not None:
            await set_quietly(ctx, variable, before)
    return (
        "OK, both set and read back"
        if done is not None and done[0] == ["Accepted", "Accepted"] and _passed(ctx)
        else ""
    )


@case201(
    "TC_B_35_CS",
    "Set Variables - Unknown component",
    "B05.FR.04",
    """
SetVariables of OfflineThreshold on a component no station has (a random name)
One result naming it back with attributeType Actual (B05.FR.01, B05.FR.02, B05.FR.12 SHALL)
attributeStatus UnknownComponent (B05.FR.04 SHALL)""",
)
async def set_unknown_component(ctx: CaseContext) -> str:
    return await _unknown_named(ctx, "SetVariables", "component")


@case201(
    "TC_B_36_CS",
    "Set Variables - Unknown variable",
    "B05.FR.05",
    """
SetVariables of a variable no station has (a random name) on OCPPCommCtrlr
One result naming it back with attributeType Actual (B05.FR.01, B05.FR.02, B05.FR.12 SHALL)
attributeStatus UnknownVariable (B05.FR.05 SHALL)""",
)
async def set_unknown_variable(ctx: CaseContext) -> str:
    return await _unknown_named(ctx, "SetVariables", "variable")


@case201(
    "TC_B_37_CS",
    "Set Variables - Not supported attribute type",
    "B05.FR.03, B05.FR.06",
    """
SetVariables of OCPPCommCtrlr.OfflineThreshold with an attribute type its FullInventory does not list (Target, MinSet or MaxSet; all listed: NOT TESTED)
One result naming it with that attributeType (B05.FR.01, B05.FR.02, B05.FR.03 SHALL)
attributeStatus NotSupportedAttributeType (B05.FR.06 SHALL); Accepted is NOT TESTED (the station has that attribute after all)""",
)
async def set_unsupported_attribute(ctx: CaseContext) -> str:
    attribute = await _lacking_attribute(ctx, OFFLINE_THRESHOLD)
    if attribute is None:
        not_tested(
            ctx,
            "attributeStatus NotSupportedAttributeType",
            "the FullInventory lists Actual, Target, MinSet and MaxSet for OfflineThreshold: no attribute type is missing",
        )
        return ""
    rule = f"{PART2} B05.FR.06: an attribute type the variable lacks SHALL be answered NotSupportedAttributeType"
    current = await get_quietly(ctx, OFFLINE_THRESHOLD)
    return await _not_supported(ctx, "SetVariables", attribute, rule, value=current or "300")


INVALID_INTEGERS = ("abc", "300.1", "true", "2020-02-18T14:28:27Z")


@case201(
    "TC_B_11_CS",
    "Set Variables - invalidly formatted values",
    "B05.FR.07, B05.FR.10",
    """
SetVariables of OCPPCommCtrlr.OfflineThreshold (an integer) to values that are no integer: "abc", "300.1", "true", a date and time
Each is Rejected (B05.FR.07 SHALL: a value badly formatted for its data type); Accepted FAILs
Its own value is Accepted (B05.FR.10 SHALL), and the value reads the same afterwards""",
)
async def set_invalid_format(ctx: CaseContext) -> str:
    before, read = await read_variable(ctx, OFFLINE_THRESHOLD)
    if before is None:
        not_tested(
            ctx,
            "OfflineThreshold is read first",
            "GetVariables gave no Accepted value for OCPPCommCtrlr.OfflineThreshold (TC_B_06_CS judges that)",
            read,
        )
        return ""
    rule = (
        f"{PART2} B05.FR.07: a value that does not fit the variable's data type SHALL be Rejected"
    )
    ok = True
    for value in INVALID_INTEGERS:
        status, shown = await write_variable(ctx, OFFLINE_THRESHOLD, value)
        name = f"OfflineThreshold = {value!r} is Rejected"
        if status is None:
            ok = ctx.check(False, name, "no valid answer to SetVariables (B05.FR.01)", shown) and ok
        else:
            ok = (
                ctx.check(
                    status == "Rejected",
                    name,
                    status + ("" if status == "Rejected" else f": {rule}"),
                    shown,
                )
                and ok
            )
    status, shown = await write_variable(ctx, OFFLINE_THRESHOLD, before)
    ok = (
        ctx.check(
            status == "Accepted",
            f"OfflineThreshold = {before} (its own value) is Accepted",
            f"{status}" + ("" if status == "Accepted" else f": {PART2} B05.FR.10"),
            shown,
        )
        and ok
    )
    after, again = await read_variable(ctx, OFFLINE_THRESHOLD)
    ok = (
        ctx.check(
            after == before,
            "OfflineThreshold reads the same afterwards",
            f"{before!r} before, {after!r} after",
            (*read, *again),
        )
        and ok
    )
    return "OK, every invalid value Rejected" if ok else ""


@case201(
    "TC_B_39_CS",
    "Set Variables - Read-only",
    "B05.FR.09",
    """
SetVariables of a ReadOnly variable: OCPPCommCtrlr.MessageTimeout[Default] (ReadOnly in the specification), or another the FullInventory reports ReadOnly, to its own value
One result naming it, instance included, with attributeType Actual (B05.FR.01, B05.FR.02, B05.FR.12 SHALL)
attributeStatus Rejected (B05.FR.09 SHALL: a value that cannot be set); Accepted of a variable the station reports ReadOnly FAILs""",
)
async def set_read_only(ctx: CaseContext) -> str:
    report = await inventory(ctx)
    variable = MESSAGE_TIMEOUT
    if report is not None:
        listed = report.find(MESSAGE_TIMEOUT)
        if listed is None or mutability(listed) != "ReadOnly":
            read_only = [
                i
                for i in report.items
                if mutability(i) == "ReadOnly" and "value" in attributes(i).get("Actual", {})
            ]
            if not read_only:
                not_tested(
                    ctx,
                    "attributeStatus Rejected",
                    "the FullInventory reports no ReadOnly variable with a value",
                )
                return ""
            variable = variable_of(read_only[0])
    value = await get_quietly(ctx, variable) or "30"
    rule = f"{PART2} B05.FR.09: a variable that cannot be set (ReadOnly) SHALL be answered Rejected"
    got = await _results(
        ctx,
        "SetVariables is answered with one result",
        "SetVariables",
        [variable.set(value)],
        f"{PART2} B05.FR.01: one result per item SHALL be returned",
    )
    if got is None:
        return ""
    (item,), evidence = got
    echo = (
        f"{PART2} B05.FR.02: the result SHALL name the component and variable set (its instance too)",
        f"{PART2} B05.FR.12: with no attributeType the result SHALL carry Actual",
    )
    if (
        _echoed(ctx, variable, item if variable.named_by(item) else None, None, evidence, echo)
        is None
    ):
        return ""
    status = item.get("attributeStatus")
    ok = status == "Rejected"
    ctx.check(
        ok,
        f"SetVariables of ReadOnly {variable} is Rejected",
        _status(item) + ("" if ok else f": {rule}"),
        evidence,
    )
    return f"OK, {variable} Rejected" if ok else ""


# -- base reports ------------------------------------------------------------------------------


def _series(ctx: CaseContext, report: Any, base: str) -> bool:
    """The NotifyReport parts of one report: at least one (B07.FR.03), each with the
    requestId (B07.FR.04), seqNo 0, 1, ... (B07.FR.10), tbc on every part but the last."""
    parts = report.parts
    name = f"NotifyReport {base} comes, in parts numbered from 0"
    if not parts:
        return ctx.check(
            False,
            name,
            f"no NotifyReport with requestId {report.request_id}: {PART2} B07.FR.03: the report SHALL be sent in NotifyReport requests",
            report.evidence,
        )
    seq = [p.payload.get("seqNo") for p in parts]
    tbc = [bool(p.payload.get("tbc", False)) for p in parts]
    ok_seq = seq == list(range(len(parts)))
    ok_tbc = tbc == [True] * (len(parts) - 1) + [False]
    detail = f"{len(parts)} part(s), seqNo {seq}, tbc {tbc}"
    rules = []
    if not ok_seq:
        rules.append(f"{PART2} B07.FR.10: seqNo SHALL count the parts from 0")
    if not ok_tbc:
        rules.append(
            "every part but the last SHALL say tbc (NotifyReportRequest: more parts follow)"
        )
    return ctx.check(
        ok_seq and ok_tbc,
        name,
        detail + (": " + "; ".join(rules) if rules else ""),
        report.evidence,
    )


async def _report_accepted(ctx: CaseContext, base: str) -> Any:
    name = f"GetBaseReport {base} is Accepted"
    report = await base_report(ctx, base)
    if report is None:
        ctx.check(False, name, f"no valid answer: {PART2} B07.FR.01 SHALL answer Accepted")
        return None
    status = report.answer.get("status")
    ok = status == "Accepted"
    ctx.check(
        ok,
        name,
        f"answered {status}"
        + ("" if ok else f": {PART2} B07.FR.12: every station SHALL support {base} (B07.FR.01)"),
        evidence_of(report.answer),
    )
    return report if ok else None


def _characteristics(ctx: CaseContext, report: Any, name: str, rule: str) -> bool:
    items = report.items
    missing = [
        str(variable_of(i))
        for i in items
        if not i.get("variableCharacteristics") or not i.get("variableAttribute")
    ]
    ok = bool(items) and not missing
    detail = f"{len(items)} variable(s)" + (
        f"; without attributes or characteristics: {', '.join(missing[:8])}" if missing else ""
    )
    return ctx.check(ok, name, detail + ("" if ok else f": {rule}"), report.evidence)


@case201(
    "TC_B_12_CS",
    "Get Base Report - ConfigurationInventory",
    "B07.FR.01, B07.FR.03, B07.FR.04, B07.FR.07, B07.FR.10, B07.FR.12",
    """
GetBaseReport ConfigurationInventory is Accepted (B07.FR.01, B07.FR.12 SHALL: every station supports it)
NotifyReport parts with its requestId (B07.FR.03, B07.FR.04 SHALL), seqNo from 0 (B07.FR.10 SHALL), tbc on all but the last
Every reported variable comes with its attributes and characteristics (B07.FR.07 SHALL); the ReadOnly ones among them are named (the report is of what can be set)""",
)
async def configuration_inventory(ctx: CaseContext) -> str:
    report = await _report_accepted(ctx, "ConfigurationInventory")
    if report is None:
        return ""
    ok = _series(ctx, report, "ConfigurationInventory")
    ok = (
        _characteristics(
            ctx,
            report,
            "each variable with its attributes and characteristics",
            f"{PART2} B07.FR.07: the settable variables SHALL be reported with their characteristics",
        )
        and ok
    )
    read_only = [str(variable_of(i)) for i in report.items if mutability(i) == "ReadOnly"]
    text = f"OK, {len(report.items)} variables in {len(report.parts)} part(s)"
    if read_only:
        ctx.say(
            f"  note: ReadOnly variables in the ConfigurationInventory: {', '.join(read_only[:10])}"
        )
        text += f" ({len(read_only)} ReadOnly)"
    return text if ok else ""


@case201(
    "TC_B_13_CS",
    "Get Base Report - FullInventory",
    "B07.FR.01, B07.FR.03, B07.FR.04, B07.FR.08, B07.FR.10, B07.FR.12",
    """
GetBaseReport FullInventory is Accepted (B07.FR.01, B07.FR.12 SHALL)
NotifyReport parts with its requestId (B07.FR.03, B07.FR.04 SHALL), seqNo from 0 (B07.FR.10 SHALL), tbc on all but the last
Every reported variable comes with its attributes and characteristics (B07.FR.08 SHALL); the required variables themselves are TC_B_53_CS""",
)
async def full_inventory(ctx: CaseContext) -> str:
    report = await _report_accepted(ctx, "FullInventory")
    if report is None:
        return ""
    ctx.known.device_model = report if report.parts else NO_INVENTORY
    ok = _series(ctx, report, "FullInventory")
    ok = (
        _characteristics(
            ctx,
            report,
            "each variable with its attributes and characteristics",
            f"{PART2} B07.FR.08: every variable SHALL be reported with its characteristics",
        )
        and ok
    )
    return f"OK, {len(report.items)} variables in {len(report.parts)} part(s)" if ok else ""


def _v(spec: str) -> Variable:
    component, _, rest = spec.partition(".")
    name, _, instance = rest.partition("[")
    return Variable(component, name, instance.rstrip("]") or None)


# Part 2, "Referenced Components and Variables": what every station has, and what a
# station that implements the Core blocks (authorization, transactions, metering) has.
REQUIRED_VARIABLES = tuple(
    _v(s)
    for s in (
        "OCPPCommCtrlr.MessageTimeout[Default]",
        "OCPPCommCtrlr.FileTransferProtocols",
        "OCPPCommCtrlr.NetworkConfigurationPriority",
        "OCPPCommCtrlr.NetworkProfileConnectionAttempts",
        "OCPPCommCtrlr.OfflineThreshold",
        "OCPPCommCtrlr.MessageAttempts[TransactionEvent]",
        "OCPPCommCtrlr.MessageAttemptInterval[TransactionEvent]",
        "OCPPCommCtrlr.UnlockOnEVSideDisconnect",
        "OCPPCommCtrlr.ResetRetries",
        "OCPPCommCtrlr.RetryBackOffRepeatTimes",
        "OCPPCommCtrlr.RetryBackOffRandomRange",
        "OCPPCommCtrlr.RetryBackOffWaitMinimum",
        "OCPPCommCtrlr.WebSocketPingInterval",
        "DeviceDataCtrlr.ItemsPerMessage[GetReport]",
        "DeviceDataCtrlr.ItemsPerMessage[GetVariables]",
        "DeviceDataCtrlr.ItemsPerMessage[SetVariables]",
        "DeviceDataCtrlr.BytesPerMessage[GetReport]",
        "DeviceDataCtrlr.BytesPerMessage[GetVariables]",
        "DeviceDataCtrlr.BytesPerMessage[SetVariables]",
        "ClockCtrlr.DateTime",
        "ClockCtrlr.TimeSource",
        "SecurityCtrlr.OrganizationName",
        "SecurityCtrlr.CertificateEntries",
        "SecurityCtrlr.SecurityProfile",
        "ChargingStation.Available",
        "ChargingStation.AvailabilityState",
        "ChargingStation.SupplyPhases",
        "AuthCtrlr.AuthorizeRemoteStart",
        "AuthCtrlr.LocalAuthorizeOffline",
        "AuthCtrlr.LocalPreAuthorize",
        "TxCtrlr.EVConnectionTimeOut",
        "TxCtrlr.StopTxOnEVSideDisconnect",
        "TxCtrlr.TxStartPoint",
        "TxCtrlr.TxStopPoint",
        "TxCtrlr.StopTxOnInvalidId",
        "SampledDataCtrlr.TxStartedMeasurands",
        "SampledDataCtrlr.TxUpdatedMeasurands",
        "SampledDataCtrlr.TxUpdatedInterval",
        "SampledDataCtrlr.TxEndedMeasurands",
        "SampledDataCtrlr.TxEndedInterval",
        "AlignedDataCtrlr.Measurands",
        "AlignedDataCtrlr.Interval",
        "AlignedDataCtrlr.TxEndedMeasurands",
        "AlignedDataCtrlr.TxEndedInterval",
    )
)
# On each EVSE and each connector (the component with its evse.id, and connectorId).
REQUIRED_PER_EVSE = ("Available", "AvailabilityState", "SupplyPhases", "Power")
REQUIRED_PER_CONNECTOR = ("Available", "ConnectorType", "SupplyPhases")
LIST_TYPES = ("OptionList", "MemberList", "SequenceList")


def _connector_of(item: dict[str, Any]) -> tuple[int | None, int | None]:
    """The (evse.id, evse.connectorId) a report item's component names."""
    evse = (item.get("component") or {}).get("evse") or {}
    return evse.get("id"), evse.get("connectorId")


def _list_problems(item: dict[str, Any]) -> list[str]:
    """A list-typed variable needs its valuesList, and its value drawn from it."""
    characteristics = item.get("variableCharacteristics") or {}
    if characteristics.get("dataType") not in LIST_TYPES:
        return []
    allowed = [
        v.strip() for v in str(characteristics.get("valuesList", "")).split(",") if v.strip()
    ]
    if not allowed:
        return [f"{variable_of(item)}: {characteristics['dataType']} without a valuesList"]
    value = attributes(item).get("Actual", {}).get("value")
    if value is None or mutability(item) == "WriteOnly":
        return []
    chosen = [v.strip() for v in str(value).split(",") if v.strip()]
    if characteristics["dataType"] == "OptionList":
        chosen = [str(value).strip()]
    wrong = [v for v in chosen if v not in allowed]
    return [f"{variable_of(item)}: {', '.join(wrong)} not in its valuesList"] if wrong else []


@case201(
    "TC_B_53_CS",
    "Get Base Report - Test mandatory DM variables via FullInventory",
    "B07.FR.08, B07.FR.11",
    """
The station's FullInventory (GetBaseReport, as TC_B_13_CS; not Accepted: NOT TESTED there, judged in TC_B_13_CS)
Every variable every station has, and those of the Core blocks (authorization, transactions, metering), is reported (B07.FR.08 SHALL; part 2, Referenced Components and Variables)
Each EVSE reports Available, AvailabilityState, SupplyPhases and Power, each connector Available, ConnectorType and SupplyPhases
A list-typed variable (OptionList, MemberList, SequenceList) carries its valuesList and a value drawn from it; a WriteOnly variable reports no value""",
)
async def mandatory_variables(ctx: CaseContext) -> str:
    report = await inventory(ctx)
    name = "every required variable is in the FullInventory"
    if report is None:
        not_tested(
            ctx, name, "GetBaseReport FullInventory was not Accepted (TC_B_13_CS judges that)"
        )
        return ""
    missing = [str(v) for v in REQUIRED_VARIABLES if report.find(v) is None]
    evses = sorted(
        {
            e
            for i in report.items
            if (e := variable_of(i).evse) is not None
            and str(variable_of(i).component).lower() == "evse"
        }
    )
    connectors = [i for i in report.items if str(variable_of(i).component).lower() == "connector"]
    if not evses:
        missing.append("an EVSE component (with evse.id)")
    for evse in evses:
        missing += [
            f"EVSE.{n} (EVSE {evse})"
            for n in REQUIRED_PER_EVSE
            if report.find(Variable("EVSE", n, None, evse)) is None
        ]
    if not connectors:
        missing.append("a Connector component")
    by_connector: dict[tuple[int | None, int | None], set[str]] = {}
    for item in connectors:
        by_connector.setdefault(_connector_of(item), set()).add(variable_of(item).name)
    for (on_evse, connector), have in sorted(by_connector.items(), key=str):
        missing += [
            f"Connector.{n} (EVSE {on_evse}, connector {connector})"
            for n in REQUIRED_PER_CONNECTOR
            if n not in have
        ]
    rule = f"{PART2} B07.FR.08: FullInventory SHALL report at least the required variables"
    ok = ctx.check(
        not missing,
        name,
        f"{len(report.items)} variables"
        + (
            f"; missing: {', '.join(missing)}: {rule}"
            if missing
            else f", every required one of {len(REQUIRED_VARIABLES)} with {len(evses)} EVSE(s)"
        ),
        report.evidence,
    )
    problems = [p for i in report.items for p in _list_problems(i)]
    write_only = [
        str(variable_of(i))
        for i in report.items
        if mutability(i) == "WriteOnly" and "value" in attributes(i).get("Actual", {})
    ]
    problems += [f"{w}: WriteOnly with a value" for w in write_only]
    ok = (
        ctx.check(
            not problems,
            "list values drawn from their valuesList, no value of a WriteOnly variable",
            "; ".join(problems[:8]) or "all consistent",
            report.evidence,
        )
        and ok
    )
    return f"OK, {len(REQUIRED_VARIABLES)} required variables present" if ok else ""


# -- the boot and the reset --------------------------------------------------------------------


def _boot_of(ctx: CaseContext, since: int = 0) -> Message | None:
    return next((m for m in ctx.session.inbox[since:] if m.action == "BootNotification"), None)


def _connector_reports(ctx: CaseContext, boot: Message) -> tuple[set[tuple[int, int]], list[int]]:
    """The (evseId, connectorId) pairs the station reported after ``boot`` on its
    connection, by StatusNotification or by NotifyEvent of Connector.AvailabilityState
    (G01.FR.03: either), and their journal entries."""
    seen, evidence = set(), []
    for m in ctx.session.inbox[boot.index + 1 :]:
        if m.connection != boot.connection or not m.valid:
            continue
        if m.action == "StatusNotification":
            seen.add((m.payload["evseId"], m.payload["connectorId"]))
            evidence.append(m.entry_id)
        elif m.action == "NotifyEvent":
            for event in m.payload.get("eventData") or []:
                component = event.get("component") or {}
                variable = event.get("variable") or {}
                evse = component.get("evse") or {}
                if (
                    str(component.get("name", "")).lower() == "connector"
                    and variable.get("name") == "AvailabilityState"
                    and "connectorId" in evse
                ):
                    seen.add((evse["id"], evse["connectorId"]))
                    evidence.append(m.entry_id)
    return seen, evidence


async def _connectors_known(ctx: CaseContext) -> set[tuple[int, int]]:
    """The (evseId, connectorId) pairs of the station: from its FullInventory's Connector
    components, else from every status it has sent."""
    report = await inventory(ctx)
    pairs: set[tuple[int, int]] = set()
    if report is not None:
        for item in report.items:
            component = item.get("component") or {}
            evse = component.get("evse") or {}
            if str(component.get("name", "")).lower() == "connector" and "connectorId" in evse:
                pairs.add((evse["id"], evse["connectorId"]))
    if not pairs:
        for m in ctx.session.inbox:
            if m.action == "StatusNotification" and m.valid:
                pairs.add((m.payload["evseId"], m.payload["connectorId"]))
    return pairs


async def _booted(ctx: CaseContext, boot: Message, wanted: set[tuple[int, int]]) -> bool:
    """After a boot answered Accepted: every connector's state reported (B01.FR.05), by
    StatusNotification or NotifyEvent; waits up to the status timeout for them."""
    name = "every connector's state is reported after the boot"
    if not wanted:
        not_tested(
            ctx,
            name,
            "the bench knows of no connector: no Connector component in the FullInventory, "
            "no StatusNotification",
            (boot.entry_id,),
        )
        return False
    deadline: float = ctx.settings.timeouts.status
    cursor = Cursor(boot.index + 1)
    seen, evidence = _connector_reports(ctx, boot)
    while wanted - seen and deadline > 0:
        started = _now()
        try:
            await ctx.expect(
                "StatusNotification",
                None,
                deadline,
                cursor,
                ends=[("NotifyEvent", None)],
                quiet=True,
            )
        except SessionError:  # the wait ended: what came is judged below
            break
        cursor = Cursor(len(ctx.session.inbox))
        deadline -= _now() - started
        seen, evidence = _connector_reports(ctx, boot)
    missing = sorted(wanted - seen)
    detail = f"reported {sorted(seen)}" + (
        f"; not {missing}: {PART2} B01.FR.05: after an Accepted boot the state of every connector SHALL be reported"
        if missing
        else ""
    )
    return ctx.check(not missing, name, detail, (boot.entry_id, *evidence))


def _now() -> float:
    import time

    return time.monotonic()


def _boot_judged(ctx: CaseContext, boot: Message, since: int) -> bool:
    """The boot is the first request of its connection (B01.FR.08) and gives its reason
    (B01.FR.09, held by the schema)."""
    before = [
        m
        for m in ctx.session.inbox[since : boot.index]
        if m.connection == boot.connection and m.action != "BootNotification"
    ]
    ctx.check(
        not before,
        "no other request before the BootNotification",
        f"{', '.join(m.action for m in before)} first: {PART2} B01.FR.08: until the boot is Accepted or Pending the station SHALL NOT send other requests"
        if before
        else "BootNotification first",
        (boot.entry_id, *(m.entry_id for m in before)),
    )
    return (
        ctx.check(
            boot.valid,
            "the BootNotification gives its reason",
            f"reason {boot.payload.get('reason')}"
            if boot.valid
            else f"{boot.violation}: {PART2} B01.FR.09",
            (boot.entry_id,),
        )
        and not before
    )


@case201(
    "TC_B_01_CS",
    "Cold Boot Charging Station - Accepted",
    "B01.FR.01, B01.FR.05, B01.FR.08, B01.FR.09",
    """
The boot the bench saw when the station connected: a BootNotification with its reason (B01.FR.01, B01.FR.09 SHALL), no other request before it (B01.FR.08 SHALL NOT)
Answered Accepted, the station reports the state of every connector, by StatusNotification or NotifyEvent (B01.FR.05 SHALL; G01.FR.03 allows either)
A station that connected without a boot (a reconnection, which part 4 allows) is NOT TESTED: power it on with the bench running""",
)
async def cold_boot(ctx: CaseContext) -> str:
    boot = _boot_of(ctx)
    if boot is None or not ctx.session.inbox or ctx.session.inbox[0].connection != boot.connection:
        not_tested(
            ctx,
            "BootNotification after power-on",
            "the station did not boot while the bench ran (it reconnected without a boot): power it on with the bench running",
        )
        return ""
    ok = _boot_judged(ctx, boot, 0)
    ok = await _booted(ctx, boot, await _connectors_known(ctx)) and ok
    station = boot.payload.get("chargingStation") or {}
    return f"OK, booted as {station.get('vendorName')} {station.get('model')}" if ok else ""


def _transaction_running(ctx: CaseContext) -> bool:
    """A TransactionEvent Started with no Ended for its transactionId since."""
    running: set[str] = set()
    for m in ctx.session.inbox:
        if m.action == "TransactionEvent" and m.valid:
            tid = m.payload["transactionInfo"]["transactionId"]
            if m.payload["eventType"] == "Ended":
                running.discard(tid)
            else:
                running.add(tid)
    return bool(running)


@case201(
    "TC_B_20_CS",
    "Reset Charging Station - Without ongoing transaction - OnIdle",
    "B11.FR.01, B11.FR.03, B11.FR.04, B01.FR.03, B01.FR.05",
    """
The station runs no transaction (one running: NOT TESTED, TC_B_21_CS is the case with one)
Reset OnIdle is Accepted (B11.FR.01, B11.FR.03 SHALL); Rejected or Scheduled is NOT TESTED (B11.FR.06, B11.FR.07 allow them)
The station reboots: a new BootNotification, first on its connection (B11.FR.03, B11.FR.04, B01.FR.03 SHALL; B01.FR.08)
Answered Accepted, it reports the state of every connector (B01.FR.05 SHALL)""",
)
async def reset_idle(ctx: CaseContext) -> str:
    name = "Reset OnIdle is Accepted"
    if _transaction_running(ctx):
        not_tested(
            ctx,
            name,
            "a transaction is running (TransactionEvent Started without Ended): TC_B_21_CS is the case with one",
        )
        return ""
    wanted = await _connectors_known(ctx)
    since = len(ctx.session.inbox)
    cursor = ctx.mark()
    result: Result | None = await ask(ctx, name, "Reset", {"type": "OnIdle"})
    if result is None or not _reset_accepted(ctx, name, result):
        return ""
    boot_name = "a BootNotification after the reset"
    boot = await _boot_after_reset(  # no boot in time: judged here
        ctx,
        boot_name,
        cursor,
        f"{PART2} B11.FR.03: after an Accepted reset the station SHALL reboot, and send a BootNotification (B01.FR.03)",
        evidence_of(result),
    )
    if boot is None:
        return ""
    ctx.check(True, boot_name, f"reason {boot.payload.get('reason')}", (boot.entry_id,))
    ok = _boot_judged(ctx, boot, since)
    ok = await _booted(ctx, boot, wanted) and ok
    return f"OK, reset and booted ({boot.payload.get('reason')})" if ok else ""


def _reset_accepted(ctx: CaseContext, name: str, result: Result) -> bool:
    """The station's answer to Reset: Accepted (recorded as ``name``), or NOT TESTED, as
    a station may refuse (B11.FR.06) or schedule (B11.FR.07) a reset."""
    status, evidence = result.get("status"), evidence_of(result)
    if status != "Accepted":
        not_tested(
            ctx,
            name,
            f"answered {status}: a station may refuse (B11.FR.06) or schedule (B11.FR.07) a reset",
            evidence,
        )
        return False
    return ctx.check(True, name, "Accepted", evidence)


async def _boot_after_reset(
    ctx: CaseContext, name: str, cursor: Cursor, rule: str, evidence: tuple[int, ...] = ()
) -> Message | None:
    """The station's BootNotification since ``cursor``, within the reboot and connect
    timeouts; none: ``name`` FAILs quoting ``rule``."""
    timeouts = ctx.settings.timeouts
    try:
        return await ctx.expect(
            "BootNotification",
            None,
            timeouts.reboot + timeouts.connect,
            cursor,
            what="the station's boot after the reset",
        )
    except SessionError as exc:
        ctx.check(False, name, f"{exc}: {rule}", evidence)
        return None


async def _reset_then_boot(ctx: CaseContext, name: str, cursor: Cursor) -> Message | None:
    """Reset OnIdle, Accepted (else NOT TESTED), and the BootNotification after it."""
    result = await ask(ctx, name, "Reset", {"type": "OnIdle"})
    if result is None or not _reset_accepted(ctx, name, result):
        return None
    return await _boot_after_reset(
        ctx,
        "a BootNotification after the reset",
        cursor,
        f"{PART2} B11.FR.03: after an Accepted reset the station SHALL reboot and boot again (B01.FR.03)",
    )


PENDING_INTERVAL = 3  # seconds: the interval the bench gives with its Pending answer
TOLERANCE = 0.5  # seconds a wait may seem short by (the bench's clock, not the station's)


@case201(
    "TC_B_02_CS",
    "Cold Boot Charging Station - Pending",
    "B02.FR.01, B02.FR.02, B02.FR.04, B02.FR.05, B02.FR.08, B01.FR.05",
    """
The station reboots (Reset OnIdle, Accepted; another answer or a transaction running is NOT TESTED) and the bench answers its BootNotification Pending with a short interval
While Pending, the station answers GetVariables (B02.FR.01 SHALL) and answers RequestStartTransaction Rejected (B02.FR.05 SHALL)
While Pending it sends no request but BootNotification (B02.FR.02 SHALL NOT)
It sends BootNotification again once the interval has passed, not before (B02.FR.08 SHALL, B02.FR.04 SHALL NOT); answered Accepted it reports every connector (B01.FR.05 SHALL)""",
)
async def boot_pending(ctx: CaseContext) -> str:
    name = "Reset OnIdle is Accepted"
    if _transaction_running(ctx):
        not_tested(ctx, name, "a transaction is running: the reset would wait for its end")
        return ""
    wanted = await _connectors_known(ctx)
    boots: list[str] = []

    def registration(payload: dict[str, Any]) -> dict[str, Any]:
        boots.append("Pending" if not boots else "Accepted")
        status = boots[-1]
        return {
            "status": status,
            "currentTime": ctx.session.clock.utc_text(),
            "interval": PENDING_INTERVAL if status == "Pending" else 300,
        }

    cursor = ctx.mark()
    with ctx.session.answers.override("BootNotification", registration):
        pending = await _reset_then_boot(ctx, name, cursor)
        if pending is None:
            return ""
        timeouts = ctx.settings.timeouts
        ok = await _while_pending(ctx)
        try:
            again = await ctx.expect(
                "BootNotification",
                None,
                PENDING_INTERVAL + timeouts.status,
                Cursor(pending.index + 1),
                what="the BootNotification after the Pending interval",
            )
        except SessionError as exc:
            ctx.check(
                False,
                "BootNotification again after the interval",
                f"{exc}: {PART2} B02.FR.08: with status not Accepted and an interval, the station SHALL send BootNotification again once it has passed",
            )
            return ""
    ok = (
        _boot_not_before(
            ctx,
            "BootNotification again after the interval",
            pending,
            again,
            PENDING_INTERVAL,
            f"{PART2} B02.FR.04: it SHALL NOT be sent again before the interval has passed",
        )
        and ok
    )
    ok = (
        _nothing_between_boots(
            ctx,
            "no other request while Pending",
            pending,
            again,
            f"{PART2} B02.FR.02: until Accepted the station SHALL NOT send other requests",
        )
        and ok
    )
    ok = await _booted(ctx, again, wanted) and ok
    return "OK, Pending then Accepted" if ok else ""


def _boot_not_before(
    ctx: CaseContext,
    name: str,
    first: Message,
    again: Message,
    interval: int,
    rule: str,
    note: str = "",
) -> bool:
    """The BootNotification ``again`` came no earlier than ``interval`` after ``first``
    was answered (else FAIL quoting ``rule``); ``note`` is said with the wait."""
    waited = again.mono - first.mono
    early = waited < interval - TOLERANCE
    return ctx.check(
        not early,
        name,
        f"after {waited:.1f} s (interval {interval} s)" + note + (f": {rule}" if early else ""),
        (first.entry_id, again.entry_id),
    )


def _nothing_between_boots(
    ctx: CaseContext, name: str, first: Message, again: Message, rule: str
) -> bool:
    """No request but BootNotification came between the BootNotifications ``first`` and
    ``again`` (else FAIL quoting ``rule``)."""
    others = [
        m
        for m in ctx.session.inbox[first.index + 1 : again.index]
        if m.action != "BootNotification"
    ]
    return ctx.check(
        not others,
        name,
        f"{', '.join(m.action for m in others)}: {rule}" if others else "none",
        (first.entry_id, *(m.entry_id for m in others), again.entry_id),
    )


async def _while_pending(ctx: CaseContext) -> bool:
    """The bench's requests a Pending station answers: GetVariables (B02.FR.01), and
    RequestStartTransaction, Rejected (B02.FR.05)."""
    read = await ask(
        ctx,
        "GetVariables is answered while Pending",
        "GetVariables",
        {"getVariableData": [OFFLINE_THRESHOLD.get()]},
    )
    ok = read is not None and ctx.check(
        True,
        "GetVariables is answered while Pending",
        f"{len(read.get('getVariableResult') or [])} result(s) (B02.FR.01)",
        evidence_of(read),
    )
    name = "RequestStartTransaction is Rejected while Pending"
    start = await ask(
        ctx,
        name,
        "RequestStartTransaction",
        {"idToken": {"idToken": "CCPENDING", "type": "Central"}, "remoteStartId": 1, "evseId": 1},
    )
    if start is None:
        return False
    status = start.get("status")
    return (
        ctx.check(
            status == "Rejected",
            name,
            f"answered {status}"
            + (
                ""
                if status == "Rejected"
                else f": {PART2} B02.FR.05: while Pending it SHALL answer Rejected"
            ),
            evidence_of(start),
        )
        and ok
    )


CASES: list[CatalogueCase] = [
    cold_boot,
    boot_pending,
    get_single,
    get_multiple,
    get_unknown_component,
    get_unknown_variable,
    get_unsupported_attribute,
    set_single,
    set_multiple,
    set_unknown_component,
    set_unknown_variable,
    set_unsupported_attribute,
    set_invalid_format,
    set_read_only,
    configuration_inventory,
    full_inventory,
    mandatory_variables,
    reset_idle,
]
