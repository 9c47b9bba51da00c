"""The open catalogue of OCPP 2.0.1 charging-station test cases: ``CATALOGUE`` (id -> case).

Each case checks what the Open Charge Alliance test tool's (OCTT) 2.0.1 case of the same
id checks, under its official id and title (``TC_B_06_CS Get Variables - single value``;
the list is ``official.OFFICIAL``), written from the OCPP 2.0.1 specification's
requirements (part 2; each criterion names its requirement ids, e.g. B06.FR.06), not from
OCTT's documents. The pack ``octt201-cs`` (``script/packs/octt201-cs.toml``) runs them.

The modules, by block: ``provisioning`` (B: boot, variables, base reports, reset) and
``transactions`` (E: transaction status, remote start); ``base`` is what they share.
"""

from chargecheck.script.catalogue.base import CatalogueCase
from chargecheck.script.catalogue201 import provisioning, transactions
from chargecheck.script.catalogue201.official import OFFICIAL

_ORDER = {o.id: n for n, o in enumerate(OFFICIAL)}

CATALOGUE: dict[str, CatalogueCase] = {
    c.id: c
    for c in sorted(
        (c for m in (provisioning, transactions) for c in m.CASES),
        key=lambda c: (_ORDER.get(c.id, len(_ORDER)), c.id),
    )
}

__all__ = ["CATALOGUE", "CatalogueCase"]
