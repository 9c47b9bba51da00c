"""The open catalogue of OCPP 2.0.1 charging-station test cases: ``CATALOGUE`` (id -> case).

Each case checks what the Open Charge Alliance test tool's (OCTT) 2.0.1 case of the same
id checks, under its official id and title (``TC_B_06_CS Get Variables - single value``;
the list is ``official.OFFICIAL``), written from the OCPP 2.0.1 specification's
requirements (part 2; each criterion names its requirement ids, e.g. B06.FR.06), not from
OCTT's documents. The pack ``octt201-cs`` (``script/packs/octt201-cs.toml``) runs them.

The modules, by block: ``provisioning`` (B: boot, variables, base reports, reset) and
``transactions`` (E: transaction status, remote start), the rest of B in ``provisioning_boot``
(a registration Rejected, requests refused), ``provisioning_reset`` (resets with
transactions, Unavailable across a reset), ``provisioning_evse_reset`` (the reset of one
EVSE), ``provisioning_offline`` (offline periods, reconnection) and
``provisioning_network`` (migrating to another network profile); the rest of E in
``starts`` (start points), ``local_starts`` (sessions begun at the station), ``stops``
(stop points), ``deauthorized``, ``ev_side`` (the cable pulled at the car), ``queued``
(messages held offline) and ``retries`` (E13), on the reusable states of ``states`` and
``sessions``; ``base`` is what they share.
"""

from chargecheck.script.catalogue.base import CatalogueCase
from chargecheck.script.catalogue201 import (
    deauthorized,
    ev_side,
    local_starts,
    provisioning,
    provisioning_boot,
    provisioning_evse_reset,
    provisioning_network,
    provisioning_offline,
    provisioning_reset,
    queued,
    retries,
    starts,
    stops,
    transactions,
)
from chargecheck.script.catalogue201.official import OFFICIAL

_ORDER = {o.id: n for n, o in enumerate(OFFICIAL)}
_MODULES = (
    provisioning,
    provisioning_boot,
    provisioning_reset,
    provisioning_evse_reset,
    provisioning_offline,
    provisioning_network,
    transactions,
    starts,
    local_starts,
    stops,
    deauthorized,
    ev_side,
    queued,
    retries,
)

CATALOGUE: dict[str, CatalogueCase] = {
    c.id: c
    for c in sorted(
        (c for m in _MODULES for c in m.CASES),
        key=lambda c: (_ORDER.get(c.id, len(_ORDER)), c.id),
    )
}

__all__ = ["CATALOGUE", "CatalogueCase"]
