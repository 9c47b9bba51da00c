"""Legal variants: behaviours that OCPP 1.6 allows and real chargers show, so that the
bench's own tests can prove it never FAILs a station for one of them (the mirror of
``chargecheck.sim.defects``).

A variant is switched on by name in the station settings (``variants={...}``). Either the
station model checks ``name in self.variants`` at the one place the variant bends its
behaviour (the last column), or the variant reshapes the charger profile's configuration
each time the station powers on (``shape_configuration``: keys a variant sets or removes
are given back when it is switched off again, so a station's disk can be reused).

==============================  ===========================================  ==================
name                            what the station does                        OCPP 1.6, where
==============================  ===========================================  ==================
``power_only``                  ChargingScheduleAllowedChargingRateUnit is   9.4 (a list of the
                                "Power": a SetChargingProfile in A is        supported units),
                                Rejected; one in W limits the current the    5.16, 5.7 ("not
                                car draws (W / the three phase voltages);    able to report the
                                GetCompositeSchedule in W is Accepted, in A  requested schedule:
                                Rejected (it would have to report a unit     SHALL respond
                                the station does not support)                Rejected");
                                                                             shape, central_calls
``finishing_until_unplugged``   after a stop with the cable in, Finishing    4.9 Finishing ("not
                                until the cable is pulled: a card there is   yet available for a
                                ignored, RemoteStartTransaction there is     new user, e.g. the
                                Rejected                                     cable has not been
                                                                             removed"), 5.11;
                                                                             accepts_session
``plug_first_stays_preparing``  a car plugged in with no identification      9.1 ConnectionTime-
                                stays Preparing (no ConnectionTimeOut:       Out runs "from
                                nobody was authorised)                       successful
                                                                             authorization"; 4.9
                                                                             Preparing;
                                                                             await_identification
``no_authorization_cache``      no Authorization Cache: no                   3.5 (the cache is
                                AuthorizationCache* keys (GetConfiguration   optional; OCTT
                                reports them unknown), ClearCache Rejected,  TC_061 needs "an
                                an idTag accepted online is not kept for     authorization cache
                                offline use                                  implemented"), 9.1
                                                                             (an optional key),
                                                                             5.8 unknownKey, 5.4
                                                                             / 7.20 Rejected;
                                                                             shape, StationCore
                                                                             .authorization_cache
``one_connector``               NumberOfConnectors 1: connectors 0 and 1     9.1 NumberOfConnec-
                                only                                         tors; shape
``fixed_cable``                 UnlockConnector answered NotSupported (no    5.18, 7.46 ("no
                                connector lock); a running transaction goes  connector lock");
                                on; the car still plugs and unplugs          OCTT TC_017_2,
                                                                             TC_018_2;
                                                                             central_calls
``integer_meter_stop``          Energy.Active.Import.Register sampled with   7.43 SampledValue
                                two decimals ("81.26"); meterStart and       value (a decimal
                                meterStop (integers) are the register        string); 6.45 / 6.49
                                rounded down                                 meterStart /
                                                                             meterStop (integer
                                                                             Wh); StationCore
``connector0_when_asked``       no StatusNotification of connector 0 at      4.2 / 4.9 (no SHALL
                                boot: only when it changes or is asked with  to report every
                                TriggerMessage (the behaviour of the defect  connector at boot);
                                ``no_status_connector0``)                    report_all_statuses
``scheduled_availability``      with a car plugged in and no transaction,    5.2 (the answer
                                ChangeAvailability Inoperative of its        "SHALL indicate
                                connector is Scheduled and takes effect when whether the Charge
                                the cable is pulled (the default: Accepted,  Point is able to
                                Unavailable at once)                         change"); 7.3;
                                                                             availability_wait
``slow_answers``                the answer to RemoteStartTransaction,        OCPP-J 4.1.1 limits
                                RemoteStopTransaction, ChangeAvailability,   only one CALL in
                                Reset, TriggerMessage, UnlockConnector and   flight per side; a
                                ChangeConfiguration goes SLOW_ANSWER_S real  CALLRESULT has no
                                seconds late (decided at once; what it       deadline but the
                                causes follows the answer; the station's     CS's own timeout;
                                own messages are not held back)              Station._answer
``slow_acts``                   a physical act (plug, unplug, card, error,   not OCPP's: the
                                clear the error) takes effect SLOW_ACT_S     physical world;
                                real seconds after it is asked (the request  Simulator
                                returns at once: the act has started)
``backup_power``                when the mains go, a back-up source holds    7.37 Reason
                                the station up: it ends every transaction    PowerLoss; OCTT
                                (reason PowerLoss) and delivers what it      TC_032_1 (without
                                holds, then goes down (without it: the       it: TC_032_2);
                                transaction ends or resumes after the boot)  Simulator.power_cycle
``reserve_connector_zero``      ReserveConnectorZeroSupported true: a        9.3 (the key, true
                                ReserveNow of connector 0 reserves the       or false), 5.13
                                station as a whole (the profile's value is   (connector 0);
                                false: Rejected)                             shape, reservations
``no_reservation``              SupportedFeatureProfiles without             3.3 (only Core is
                                Reservation: ReserveNow and                  required), 9.1,
                                CancelReservation answered Rejected          5.13 ("configured
                                                                             not to accept
                                                                             reservations");
                                                                             shape, reservations
``no_local_list``               SupportedFeatureProfiles without             3.3 (only Core is
                                LocalAuthListManagement:                     required), 5.10
                                GetLocalListVersion answers -1,              ("-1 ... does not
                                SendLocalList NotSupported                   support"), 5.15;
                                                                             shape, central_calls
``invalid_id_keeps_charging``   a StartTransaction.conf that does not        3.5.4, 4.8 (SHOULD
                                accept the idTag changes nothing: the        stop it, or only
                                transaction and the energy go on, whatever   the energy);
                                StopTransactionOnInvalidId says              deauthorize
``no_group_stop``               another card at a connector in a             4.1, 7.14 (no SHALL
                                transaction is ignored (no Authorize.req),   that a card of the
                                even one of the starter's parentIdTag: only  same parentIdTag
                                the starting card stops it                   stops it); stopping
``no_security_extension``       no security extension (whitepaper keys       the whitepaper is
                                SecurityProfile, AuthorizationKey, CpoName,  an optional
                                CertificateStore*, ... absent): its CALLs    extension of 1.6;
                                answered CALLERROR NotSupported, no          shape,
                                security events                              security_calls
``certificate_events_logged``   InvalidChargePointCertificate and            whitepaper A04:
                                InvalidCentralSystemCertificate only in the  only critical
                                security log, never sent (they are not       events SHALL be
                                critical)                                    sent; security
``signed_update_no_installing`` a signed firmware update reports no          whitepaper L01 (it
                                Installing (a bootloader that cannot send):  MAY leave
                                Downloaded, SignatureVerified, Installed     Installing out);
                                                                             maintenance
==============================  ===========================================  ==================

``slow_answers`` and ``slow_acts`` count real seconds, not station seconds: they are about
the bench's patience with the world, which ``time_scale`` does not speed up.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from chargecheck.sim.defects import checked_switches

VARIANTS: dict[str, str] = {
    "power_only": "charging schedules in W only: A profiles Rejected, W profiles limit power",
    "finishing_until_unplugged": "Finishing until the cable is pulled; no new session there",
    "plug_first_stays_preparing": "a car plugged in with no identification stays Preparing",
    "no_authorization_cache": "no Authorization Cache: no keys, ClearCache Rejected",
    "one_connector": "NumberOfConnectors 1: connectors 0 and 1 only",
    "fixed_cable": "UnlockConnector answered NotSupported (no connector lock)",
    "integer_meter_stop": "register sampled with decimals; meterStart/meterStop rounded down",
    "connector0_when_asked": "connector 0's status only when it changes or is asked",
    "scheduled_availability": "Inoperative with a car plugged in: Scheduled until unplugged",
    "slow_answers": "answers to the CS's commands sent 1.5 s late",
    "slow_acts": "physical acts take effect 1.5 s after they are asked",
    "backup_power": "a power cut ends the transactions (PowerLoss) before going down",
    "reserve_connector_zero": "ReserveConnectorZeroSupported true: connector 0 reservable",
    "no_reservation": "no Reservation profile: ReserveNow and CancelReservation Rejected",
    "no_local_list": "no LocalAuthListManagement profile: list version -1, lists NotSupported",
    "invalid_id_keeps_charging": "an idTag StartTransaction.conf refuses charges on regardless",
    "no_group_stop": "another card during a transaction ignored, even one of the same parent",
    "no_security_extension": "no security extension: no keys, its CALLs NotSupported",
    "certificate_events_logged": "invalid certificate security events logged, not sent",
    "signed_update_no_installing": "a signed firmware update reports no Installing",
}

SLOW_ANSWER_S = 1.5  # real seconds a slow answer waits (variant slow_answers)
BACKUP_POWER_S = 5.0  # real seconds the back-up source holds the station up at most
SLOW_ACT_S = 1.5  # real seconds before a physical act takes effect (variant slow_acts)
SLOW_ANSWER_ACTIONS = frozenset(
    {
        "RemoteStartTransaction",
        "RemoteStopTransaction",
        "ChangeAvailability",
        "Reset",
        "TriggerMessage",
        "UnlockConnector",
        "ChangeConfiguration",
    }
)
METER_DECIMALS = 2  # decimals of the sampled register (variant integer_meter_stop)

RATE_UNIT_KEY = "ChargingScheduleAllowedChargingRateUnit"
CACHE_KEY_PREFIX = "authorizationcache"  # AuthorizationCacheEnabled and the vendor's kin
CONNECTORS_KEY = "NumberOfConnectors"
PHASE_ROTATION_KEY = "ConnectorPhaseRotation"
RESERVE_ZERO_KEY = "ReserveConnectorZeroSupported"
PROFILES_KEY = "SupportedFeatureProfiles"
SECURITY_KEYS = frozenset(  # the security whitepaper's configuration keys
    {
        "securityprofile",
        "authorizationkey",
        "cponame",
        "certificatestoremaxlength",
        "additionalrootcertificatecheck",
        "certificatesignedmaxchainsize",
    }
)


def checked_variants(names: Iterable[str]) -> frozenset[str]:
    """``names`` as a frozenset; ``ValueError`` naming any variant that does not exist."""
    return checked_switches(names, VARIANTS, "variants")


def variant_connectors(profile_connectors: int, variants: Iterable[str]) -> int:
    """How many connectors (1..n) a station of this profile has with ``variants``."""
    return 1 if "one_connector" in variants else profile_connectors


# -- the configuration of a charger with variants -----------------------------------------

Data = dict[str, Any]  # a Configuration.to_dict()


@lru_cache(maxsize=32)
def profile_configuration(profile: str | Path) -> Data:
    """The profile's configuration (``Configuration.to_dict()``), read once per process;
    shared: copy before changing it."""
    from chargecheck.sim.configuration import Configuration

    return Configuration.from_profile(profile).to_dict()


def shape_configuration(saved: Data, profile: Data, variants: Iterable[str]) -> Data:
    """``saved`` as the charger is with ``variants``: each variant that changes keys
    applies its change; each one switched off takes back what it changed (the profile's
    entries). ``saved`` itself is not changed; the result equals it if nothing changed."""
    chosen = frozenset(variants)
    data = orjson.loads(orjson.dumps(saved))  # a deep copy of JSON data, ~10x deepcopy's pace
    for name, (on, off) in _SHAPES.items():
        (on if name in chosen else off)(data, profile)
    return data


def _keys(data: Data) -> list[dict[str, Any]]:
    keys: list[dict[str, Any]] = data["configuration"]["keys"]
    return keys


def _entry(data: Data, name: str) -> dict[str, Any] | None:
    return next((e for e in _keys(data) if e["name"].lower() == name.lower()), None)


def _restore(data: Data, profile: Data, name: str) -> None:
    """Key ``name`` as the profile has it (at its place in the profile's order), or
    absent if the profile lacks it."""
    wanted = _entry(profile, name)
    if _entry(data, name) == wanted:
        return
    keys = [e for e in _keys(data) if e["name"].lower() != name.lower()]
    if wanted is not None:
        order = [e["name"].lower() for e in _keys(profile)]
        before = set(order[: order.index(name.lower())])
        at = sum(1 for e in keys if e["name"].lower() in before)
        keys.insert(at, copy.deepcopy(wanted))
    data["configuration"]["keys"] = keys
    data.get("pending", {}).pop(name, None)


def _power_only(data: Data, profile: Data) -> None:
    entry = _entry(data, RATE_UNIT_KEY)
    if entry is None:
        entry = {"name": RATE_UNIT_KEY, "type": "csl", "readonly": True, "allowed": "rate_units"}
        _keys(data).append(entry)
    entry["value"] = "Power"


def _no_cache(data: Data, profile: Data) -> None:
    data["configuration"]["keys"] = [
        e for e in _keys(data) if not e["name"].lower().startswith(CACHE_KEY_PREFIX)
    ]
    pending = data.get("pending", {})
    for name in [n for n in pending if n.lower().startswith(CACHE_KEY_PREFIX)]:
        del pending[name]


def _with_cache(data: Data, profile: Data) -> None:
    for entry in _keys(profile):
        if entry["name"].lower().startswith(CACHE_KEY_PREFIX) and not _entry(data, entry["name"]):
            _restore(data, profile, entry["name"])


def _no_security(data: Data, profile: Data) -> None:
    data["configuration"]["keys"] = [
        e for e in _keys(data) if e["name"].lower() not in SECURITY_KEYS
    ]
    pending = data.get("pending", {})
    for name in [n for n in pending if n.lower() in SECURITY_KEYS]:
        del pending[name]


def _with_security(data: Data, profile: Data) -> None:
    for entry in _keys(profile):
        if entry["name"].lower() in SECURITY_KEYS and not _entry(data, entry["name"]):
            _restore(data, profile, entry["name"])


def _set(data: Data, name: str, value: str, kind: str) -> None:
    """Key ``name`` read-only with ``value`` (added if the profile lacks it)."""
    entry = _entry(data, name)
    if entry is None:
        entry = {"name": name, "type": kind, "readonly": True}
        _keys(data).append(entry)
    entry["value"] = value


def _feature(name: str, claimed: bool) -> Shape:
    """Claim feature profile ``name`` in SupportedFeatureProfiles, or not; claimed back
    only if the charger's profile claims it (item by item: other variants may edit the
    same key)."""

    def shape(data: Data, profile: Data) -> None:
        entry, original = _entry(data, PROFILES_KEY), _entry(profile, PROFILES_KEY)
        if entry is None or original is None:
            return
        items = [i for i in str(entry.get("value", "")).split(",") if i]
        has = name.lower() in {i.lower() for i in items}
        order = [i for i in str(original.get("value", "")).split(",") if i]
        if claimed and not has and name.lower() in {i.lower() for i in order}:
            mine = {i.lower() for i in items} | {name.lower()}
            kept = [i for i in order if i.lower() in mine]
            entry["value"] = ",".join(kept + [i for i in items if i not in kept])
        elif not claimed and has:
            entry["value"] = ",".join(i for i in items if i.lower() != name.lower())

    return shape


def _one_connector(data: Data, profile: Data) -> None:
    data["connectors"] = 1
    entry = _entry(data, CONNECTORS_KEY)
    if entry is not None:
        entry["value"] = "1"
    rotation = _entry(data, PHASE_ROTATION_KEY)
    if rotation is not None and rotation.get("value"):
        # "<connectorId>.<rotation>" items (section 9.1): those of connectors gone go too.
        items = rotation["value"].split(",")
        rotation["value"] = ",".join(i for i in items if i.partition(".")[0] in ("0", "1"))


def _all_connectors(data: Data, profile: Data) -> None:
    if data["connectors"] == profile["connectors"]:
        return
    data["connectors"] = profile["connectors"]
    _restore(data, profile, CONNECTORS_KEY)
    _restore(data, profile, PHASE_ROTATION_KEY)


Shape = Callable[[Data, Data], None]

# variant -> (apply it, take it back)
_SHAPES: dict[str, tuple[Shape, Shape]] = {
    "power_only": (_power_only, lambda data, profile: _restore(data, profile, RATE_UNIT_KEY)),
    "no_authorization_cache": (_no_cache, _with_cache),
    "one_connector": (_one_connector, _all_connectors),
    "reserve_connector_zero": (
        lambda data, profile: _set(data, RESERVE_ZERO_KEY, "true", "bool"),
        lambda data, profile: _restore(data, profile, RESERVE_ZERO_KEY),
    ),
    "no_reservation": (_feature("Reservation", False), _feature("Reservation", True)),
    "no_local_list": (
        _feature("LocalAuthListManagement", False),
        _feature("LocalAuthListManagement", True),
    ),
    "no_security_extension": (_no_security, _with_security),
}
