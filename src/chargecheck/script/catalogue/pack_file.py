"""The text of the pack ``octt16-cs`` (``script/packs/octt16-cs.toml``), made from the
catalogue in code: one row per case, in ``CATALOGUE``'s order (OCTT's, then ours), its id,
title and criteria equal to the code's. ``tests/script/test_catalogue.py`` holds the
shipped file to it; after changing a case, write the file anew with

    python -m chargecheck.script.catalogue.pack_file > src/chargecheck/script/packs/octt16-cs.toml
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chargecheck.script.catalogue.base import CatalogueCase

NAME = "octt16-cs"
TITLE = "OCPP 1.6 charge point test cases (OCTT's official ids, open catalogue)"

HEADER = """\
# The open catalogue of OCPP 1.6 charge point test cases, one row per case of
# chargecheck.script.catalogue, made by chargecheck.script.catalogue.pack_file (do not
# edit by hand: tests/script/test_catalogue.py holds this file to the code). A row with
# an id TC_xxx_CS checks what the Open Charge Alliance test tool's case of that id checks
# (its title is the official one); a row CC_xxx_CS is one of ours with no official
# counterpart. Every criterion is written from OCPP 1.6 and names the section it rests on.
"""


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def pack_text(
    cases: Iterable[CatalogueCase] | None = None,
    name: str = NAME,
    title: str = TITLE,
    header: str = HEADER,
    ocpp: str | None = None,
) -> str:
    """The pack of ``cases`` (default: the 1.6 catalogue's), one row each."""
    if cases is None:
        from chargecheck.script.catalogue import CATALOGUE

        cases = CATALOGUE.values()
    parts = [header, "[pack]", f"name = {_string(name)}", f"title = {_string(title)}"]
    if ocpp is not None:
        parts.append(f"ocpp = {_string(ocpp)}")
    parts.append("")
    for case in cases:
        if "'''" in case.criteria:
            raise ValueError(f"{case.id}: criteria may not hold ''' (a TOML literal string)")
        parts += [
            "[[row]]",
            f"id = {_string(case.id)}",
            f"function = {_string(case.title)}",
            f"criteria = '''\n{case.criteria}'''",
            f"cases = [{_string(case.id)}]",
            "",
        ]
    return "\n".join(parts)


if __name__ == "__main__":
    sys.stdout.write(pack_text())
