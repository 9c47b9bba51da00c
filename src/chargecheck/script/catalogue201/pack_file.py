"""The text of the pack ``octt201-cs`` (``script/packs/octt201-cs.toml``), made from the
2.0.1 catalogue in code: one row per case, in ``CATALOGUE``'s order (OCTT's), its id,
title and criteria equal to the code's. ``tests/script/test_catalogue201.py`` holds the
shipped file to it; after changing a case, write the file anew with

    python -m chargecheck.script.catalogue201.pack_file \
        > src/chargecheck/script/packs/octt201-cs.toml
"""

from __future__ import annotations

import sys

from chargecheck.script.catalogue.pack_file import pack_text as _pack_text

NAME = "octt201-cs"
TITLE = "OCPP 2.0.1 charging station test cases (OCTT's official ids, open catalogue)"

HEADER = """\
# The open catalogue of OCPP 2.0.1 charging station test cases, one row per case of
# chargecheck.script.catalogue201, made by chargecheck.script.catalogue201.pack_file (do
# not edit by hand: tests/script/test_catalogue201.py holds this file to the code). A row
# with an id TC_x_nn_CS checks what the Open Charge Alliance test tool's case of that id
# checks (its title is the official one). Every criterion is written from OCPP 2.0.1 and
# names the requirements it rests on (part 2, e.g. B06.FR.06).
"""


def pack_text() -> str:
    from chargecheck.script.catalogue201 import CATALOGUE

    return _pack_text(CATALOGUE.values(), NAME, TITLE, HEADER, ocpp="2.0.1")


if __name__ == "__main__":
    sys.stdout.write(pack_text())
