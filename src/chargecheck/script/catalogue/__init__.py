"""The open catalogue of OCPP 1.6 charge point test cases: ``CATALOGUE`` (id -> case).

Each case checks what an official case of the Open Charge Alliance's test tool (OCTT)
checks and carries its id and title (``TC_003_CS Regular Charging Session - Plugin
First``; the list is ``catalogue.octt.OFFICIAL``), or is one of ours with no official
counterpart, under the prefix ``CC_`` that OCTT never uses (``CC_008_CS``). Every case
is written from the OCPP 1.6 specification's own words (edition 2, each criterion names
its section), not from OCTT's documents. A case that covers only a part of its official
case says which in its criteria. The pack ``octt16-cs`` (``script/packs/octt16-cs.toml``)
runs them, one row each, in OCTT's order, then ours.

The modules, by area; the cases are written out in each module's ``CASES``:

- ``boot``: boot and reset;
- ``core``: availability, unlocking, vendor data;
- ``configuration``: GetConfiguration and ChangeConfiguration;
- ``transactions``: charging sessions, local and remote;
- ``sessions``: sessions at their edges (ConnectionTimeOut, the EV side, remote starts refused);
- ``reservation``, ``charge_point_reservation``: reservations of a connector, of the Charge Point;
- ``local_list``, ``authorization_lists``: the Local Authorization List;
- ``firmware``, ``transfer_failures``: firmware and diagnostics, and transfers that fail;
- ``trigger``: TriggerMessage;
- ``smart_charging``, ``profile_checks``: charging profiles, applied and refused;
- ``offline``: offline authorisation, the list and the cache;
- ``monitoring``: heartbeats, periodic meter values, errors;
- ``locks``: fixed cables and cable locks that fail;
- ``power``: power failures;
- ``outages``: connection loss during a transaction;
- ``offline_transactions``: transactions started offline;
- ``metering``: clock-aligned meter values, configuration value checks;
- ``security``, ``security_profiles``, ``security_files``: the OCPP 1.6 security extension
  (OCTT section 2.24; written from the "Improved security for OCPP 1.6-J" whitepaper):
  certificates, security profiles and Basic Auth/TLS connections, the security log and
  signed firmware.

What they share: ``base`` (the case, calls and answers, transactions, outages),
``session_steps`` (keys, ConnectionTimeOut, the EV side), ``security_steps`` (the
extension's guard, the run's CA, certificates), ``profiles`` (charging profiles
and the composite schedule); ``octt`` lists the official cases, ``pack_file`` writes the
pack, ``coverage`` the coverage table.
"""

from chargecheck.script.catalogue import (
    authorization_lists,
    boot,
    charge_point_reservation,
    configuration,
    core,
    firmware,
    local_list,
    locks,
    metering,
    monitoring,
    offline,
    offline_transactions,
    outages,
    power,
    profile_checks,
    reservation,
    security,
    security_files,
    security_profiles,
    sessions,
    smart_charging,
    transactions,
    transfer_failures,
    trigger,
)
from chargecheck.script.catalogue.base import CatalogueCase
from chargecheck.script.catalogue.octt import OFFICIAL

_MODULES = (
    boot,
    core,
    configuration,
    transactions,
    sessions,
    reservation,
    charge_point_reservation,
    local_list,
    authorization_lists,
    firmware,
    transfer_failures,
    trigger,
    smart_charging,
    profile_checks,
    offline,
    monitoring,
    locks,
    power,
    outages,
    offline_transactions,
    metering,
    security,
    security_profiles,
    security_files,
)

_ORDER = {o.id: n for n, o in enumerate(OFFICIAL)}

CATALOGUE: dict[str, CatalogueCase] = {
    c.id: c
    for c in sorted(
        (c for m in _MODULES for c in m.CASES), key=lambda c: (_ORDER.get(c.id, len(_ORDER)), c.id)
    )
}

__all__ = ["CATALOGUE", "CatalogueCase"]
