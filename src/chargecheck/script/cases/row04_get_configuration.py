"""Row 4 - Get configuration (OCPP 1.6 section 5.8).

In 1.6 there is one GetConfiguration.conf (see DESIGN.md): count its configurationKey
entries and check that each has ``key`` and ``readonly``, and a ``value`` unless the
station cannot read it; with no key requested, no unknownKey may come back.
"""

from __future__ import annotations

from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case


async def run(ctx: CaseContext) -> str:
    result = await ctx.call("GetConfiguration", {})
    items = result.get("configurationKey", [])
    ev = (result.call_entry_id, result.entry_id)
    ctx.check(len(items) > 0, "the station lists its configuration", f"{len(items)} items", ev)
    broken = [
        i
        for i in items
        if not isinstance(i.get("key"), str) or not isinstance(i.get("readonly"), bool)
    ]
    ctx.check(
        not broken,
        "every item has a key and a readonly flag",
        f"{len(broken)} items without" if broken else "all do",
        ev,
    )
    valueless = [i["key"] for i in items if "value" not in i and isinstance(i.get("key"), str)]
    ctx.check(
        not valueless,
        "every item has a value",
        f"no value: {', '.join(valueless[:10])}" if valueless else "all do",
        ev,
    )
    unknown = result.get("unknownKey", [])
    ctx.check(
        not unknown,
        "the complete list, no unknown key",
        f"unknownKey: {unknown}" if unknown else "complete",
        ev,
    )
    keys = [i.get("key") for i in items]
    duplicates = sorted({k for k in keys if keys.count(k) > 1 and isinstance(k, str)})
    ctx.check(
        not duplicates,
        "each key listed once",
        f"repeated: {', '.join(duplicates)}" if duplicates else "no repeats",
        ev,
    )
    ctx.values["items"] = len(items)
    return f"OK, received {len(items)} items"


CASE = seed_case(4, run)
