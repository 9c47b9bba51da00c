"""The bench's default answers to the CALLs of an OCPP 2.0.1 Charging Station.

One builder per action the station may send (OCPP 2.0.1 part 2; ``OCPP201.station_actions``),
each returning a payload valid against the action's response schema. The settings are
``Answers``'s, shared with 1.6: the boot status and heartbeat interval (B01), and the
status of each identifier, looked up by the ``idToken`` string of an ``IdTokenType``
(``Answers.id_tags``, ``default_id_status``); a token with a parent in ``Answers.parents``
gets it as its ``groupIdToken`` (type ``Central``: the bench issued the grouping).

Where the CSMS decides something the bench has no means for (signing a certificate,
an OCSP check, a 15118 contract, a charging schedule for the EV), the default is the
refusal the schema offers, so that a station under test sees a plain, legal answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chargecheck.csms.answers import Answers

Payload = dict[str, Any]


def id_token_info(answers: Answers, id_token: Payload) -> Payload:
    """The ``IdTokenInfoType`` for an ``IdTokenType``, from the 1.6 settings keyed by
    its ``idToken`` string (OCPP 2.0.1 part 2, C01 Authorize, E TransactionEvent)."""
    token = str(id_token.get("idToken", ""))
    info: Payload = {"status": answers.id_tags.get(token, answers.default_id_status)}
    parent = answers.parents.get(token)
    if parent is not None:
        info["groupIdToken"] = {"idToken": parent, "type": "Central"}
    return info


def _boot(a: Answers, _: Payload, now: str) -> Payload:
    return {"currentTime": now, "interval": a.heartbeat_interval, "status": a.boot_status}


def _transaction_event(a: Answers, p: Payload, _: str) -> Payload:
    # The idTokenInfo answers the idToken a TransactionEvent carries (part 2, section E).
    return {"idTokenInfo": id_token_info(a, p["idToken"])} if "idToken" in p else {}


def _empty(_a: Answers, _p: Payload, _now: str) -> Payload:
    return {}


def _status(status: str) -> Callable[[Answers, Payload, str], Payload]:
    return lambda _a, _p, _now: {"status": status}


DEFAULTS_201: dict[str, Callable[[Answers, Payload, str], Payload]] = {
    "Authorize": lambda a, p, _: {"idTokenInfo": id_token_info(a, p["idToken"])},
    "BootNotification": _boot,
    "ClearedChargingLimit": _empty,
    "DataTransfer": lambda a, _p, _now: {"status": a.data_transfer_status},
    "FirmwareStatusNotification": _empty,
    # No contract certificate to give; exiResponse is required, an empty one says so.
    "Get15118EVCertificate": lambda _a, _p, _now: {"status": "Failed", "exiResponse": ""},
    "GetCertificateStatus": _status("Failed"),  # the bench has no OCSP responder
    "Heartbeat": lambda _a, _p, now: {"currentTime": now},
    "LogStatusNotification": _empty,
    "MeterValues": _empty,
    "NotifyChargingLimit": _empty,
    "NotifyCustomerInformation": _empty,
    "NotifyDisplayMessages": _empty,
    "NotifyEVChargingNeeds": _status("Rejected"),  # no schedule will be given
    "NotifyEVChargingSchedule": _status("Accepted"),  # received (no approval)
    "NotifyEvent": _empty,
    "NotifyMonitoringReport": _empty,
    "NotifyReport": _empty,
    "PublishFirmwareStatusNotification": _empty,
    "ReportChargingProfiles": _empty,
    "ReservationStatusUpdate": _empty,
    "SecurityEventNotification": _empty,
    "SignCertificate": _status("Rejected"),  # the bench signs no CSR
    "StatusNotification": _empty,
    "TransactionEvent": _transaction_event,
}
