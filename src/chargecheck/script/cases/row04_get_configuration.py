"""Row 4 - Get configuration (OCPP 1.6 sections 5.8 and 6.24 GetConfiguration.conf).

In 1.6 there is one GetConfiguration.conf (see DESIGN.md): count its configurationKey
entries and check that each has ``key`` and ``readonly``. What each FAIL rests on:

- the station lists its configuration (at least one item): the seed ("the complete list
  of items"); section 5.8: with no key asked for, the Charge Point "SHALL return a list
  of all configuration settings".
- every item has a key and a readonly flag: both are required fields of KeyValue
  (GetConfiguration.conf, 1..1).
- each key listed once: the seed's "total number of items" and "complete list" count
  configuration items, and a key listed twice is counted twice (with two values, the
  Central System cannot tell which holds).

Not a FAIL, said in the detail: an item without a value (KeyValue.value is optional,
"If key is known but not set, this field may be absent") and an unknownKey list (section
5.8 puts there the requested keys the station does not know; none was requested, so it
says nothing about the list of items).
"""

from __future__ import annotations

from chargecheck.script.context import CaseContext
from chargecheck.script.runner import seed_case
from chargecheck.wording import counted


async def run(ctx: CaseContext) -> str:
    result = await ctx.call("GetConfiguration", {})
    items = result.get("configurationKey", [])
    ev = (result.call_entry_id, result.entry_id)
    listed = counted(len(items), "item")
    ctx.check(len(items) > 0, "the station lists its configuration", listed, ev)
    broken = [
        i
        for i in items
        if not isinstance(i.get("key"), str) or not isinstance(i.get("readonly"), bool)
    ]
    ctx.check(
        not broken,
        "every item has a key and a readonly flag",
        f"{counted(len(broken), 'item')} without both" if broken else "all do",
        ev,
    )
    valueless = [i["key"] for i in items if "value" not in i and isinstance(i.get("key"), str)]
    unknown = result.get("unknownKey", [])
    notes = (
        [f"known but not set (no value): {', '.join(valueless[:10])}"] if valueless else []
    ) + ([f"unknownKey (none asked for): {', '.join(map(str, unknown[:10]))}"] if unknown else [])
    if notes:
        ctx.values["notes"] = notes
    keys = [i.get("key") for i in items]
    duplicates = sorted({k for k in keys if keys.count(k) > 1 and isinstance(k, str)})
    ctx.check(
        not duplicates,
        "each key listed once",
        f"repeated: {', '.join(duplicates)}" if duplicates else "no repeats",
        ev,
    )
    ctx.values["items"] = len(items)
    return f"OK, received {listed}" + "".join(f"; {n}" for n in notes)


CASE = seed_case(4, run)
