"""The open catalogue of OCPP 1.6 charge point test cases: ``CATALOGUE`` (id -> case).

Written in the spirit of the Open Charge Alliance's TC_xxx_CS list of charge point test
cases, from the OCPP 1.6 specification's own words (edition 2, each case names its
section). The ids TC_001_CS, TC_002_CS ... are this catalogue's own numbering: they do
not reproduce the OCA's numbering, and a case of the same number there tests something
else. The pack ``ocpp16-cs`` (``script/packs/ocpp16-cs.toml``) runs them, one row each.

The modules, by area; the cases are written out in each module's ``CASES``, in order:
``boot`` (boot, reset), ``core`` (availability, unlock, data transfer), ``configuration``,
``transactions``, ``reservation``, ``local_list``, ``firmware``, ``trigger``,
``smart_charging``, ``offline``, ``monitoring`` (heartbeats, meter values and errors
reported unasked).
"""

from chargecheck.script.catalogue import (
    boot,
    configuration,
    core,
    firmware,
    local_list,
    monitoring,
    offline,
    reservation,
    smart_charging,
    transactions,
    trigger,
)
from chargecheck.script.catalogue.base import CatalogueCase

_MODULES = (
    boot,
    core,
    configuration,
    transactions,
    reservation,
    local_list,
    firmware,
    trigger,
    smart_charging,
    offline,
    monitoring,
)

CATALOGUE: dict[str, CatalogueCase] = {
    c.id: c for c in sorted((c for m in _MODULES for c in m.CASES), key=lambda c: c.id)
}

__all__ = ["CATALOGUE", "CatalogueCase"]
