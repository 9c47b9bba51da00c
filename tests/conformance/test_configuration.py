"""Configuration rules: GetConfiguration results against OCPP 1.6 chapter 9."""

from __future__ import annotations

import pytest

from chargecheck.conformance import Severity
from chargecheck.conformance.config_keys import KEYS, required_keys, type_problem

from .conftest import configuration_keys, good_session
from .journal_trace import TraceWriter


def test_conformant_session_has_no_configuration_findings(w: TraceWriter) -> None:
    good_session(w)
    assert [r for r in w.rules() if r.startswith("configuration.")] == []


def test_missing_core_key_is_a_violation_naming_it(w: TraceWriter) -> None:
    w.connect()
    call = w.command(
        "GetConfiguration",
        {},
        {
            "configurationKey": configuration_keys(
                HeartbeatInterval=None, ResetRetries=None, BlinkRepeat=None
            )
        },
    )
    found = w.of("configuration.required_key")
    assert [(f.severity, f.entries) for f in found] == [(Severity.VIOLATION, (call, call + 1))]
    assert found[0].message.endswith(
        "2 key(s) required for Core, FirmwareManagement, "
        "LocalAuthListManagement, RemoteTrigger, Reservation, "
        "SmartCharging: HeartbeatInterval, ResetRetries"
    )


def test_profile_keys_are_required_only_when_the_profile_is_claimed(w: TraceWriter) -> None:
    w.connect()
    core_only = configuration_keys(
        SupportedFeatureProfiles="Core,RemoteTrigger",
        ChargeProfileMaxStackLevel=None,
        LocalAuthListEnabled=None,
    )
    w.command("GetConfiguration", {}, {"configurationKey": core_only})
    assert w.of("configuration.required_key") == []
    smart = configuration_keys(
        SupportedFeatureProfiles="Core,SmartCharging", ChargeProfileMaxStackLevel=None
    )
    w.command("GetConfiguration", {}, {"configurationKey": smart})
    found = w.of("configuration.required_key")
    assert len(found) == 1 and found[0].message.endswith(": ChargeProfileMaxStackLevel")


def test_without_supported_feature_profiles_core_is_required(w: TraceWriter) -> None:
    w.connect()
    w.command(
        "GetConfiguration",
        {},
        {
            "configurationKey": configuration_keys(
                SupportedFeatureProfiles=None, LocalAuthListEnabled=None
            )
        },
    )
    found = w.of("configuration.required_key")
    assert len(found) == 1 and found[0].message.endswith(": SupportedFeatureProfiles")


def test_required_key_asked_by_name_and_reported_unknown_is_a_violation(w: TraceWriter) -> None:
    w.connect()
    w.command(
        "GetConfiguration",
        {"key": ["HeartbeatInterval", "VendorThing"]},
        {"configurationKey": [], "unknownKey": ["HeartbeatInterval", "VendorThing"]},
    )
    w.command("GetConfiguration", {"key": ["VendorThing"]}, {"unknownKey": ["VendorThing"]})
    found = w.of("configuration.required_key")
    assert len(found) == 1 and found[0].message.endswith(": HeartbeatInterval")


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("HeartbeatInterval", "60s", "is not an integer"),
        ("HeartbeatInterval", "", "is not an integer"),
        ("LocalPreAuthorize", "yes", "is not true or false"),
        ("SupportedFeatureProfiles", "Core,,SmartCharging", "with an empty item"),
        ("SupportedFeatureProfiles", "Core,Smart", "'Smart'"),
        ("MeterValuesSampledData", "Energy.Active.Import.Register,Volts", "'Volts'"),
        ("ChargingScheduleAllowedChargingRateUnit", "Amps", "'Amps'"),
        ("ConnectorPhaseRotation", "1.XYZ", "'1.XYZ'"),
    ],
)
def test_value_not_parsing_as_its_type_is_a_violation(
    w: TraceWriter, key: str, value: str, problem: str
) -> None:
    w.connect()
    w.command("GetConfiguration", {}, {"configurationKey": configuration_keys(**{key: value})})
    found = w.of("configuration.value_type")
    assert [f.severity for f in found] == [Severity.VIOLATION]
    assert found[0].message.startswith(f"{key} = {value!r}") and problem in found[0].message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("HeartbeatInterval", "-1"),
        ("LocalPreAuthorize", "False"),
        ("StopTxnSampledData", ""),
        ("ConnectorPhaseRotation", "NotApplicable"),
        ("VendorKey", "anything at all"),
    ],
)
def test_values_of_their_type_give_no_finding(w: TraceWriter, key: str, value: str) -> None:
    w.connect()
    keys = [*configuration_keys(), {"key": key, "readonly": False, "value": value}]
    w.command("GetConfiguration", {}, {"configurationKey": keys})
    assert w.of("configuration.value_type") == []


def test_read_only_key_reported_writable_is_a_warning(w: TraceWriter) -> None:
    w.connect()
    keys = configuration_keys()
    for item in keys:
        if item["key"] in ("NumberOfConnectors", "AuthorizeRemoteTxRequests"):
            item["readonly"] = False
    w.command("GetConfiguration", {}, {"configurationKey": keys})
    found = w.of("configuration.readonly")
    assert [f.severity for f in found] == [Severity.WARNING]
    assert found[0].message.startswith("NumberOfConnectors")


def test_required_key_table_matches_the_reference() -> None:
    assert len(required_keys({"Core"})) == 21
    assert "SendLocalListMaxLength" in required_keys({"LocalAuthListManagement"})
    assert "MaxChargingProfilesInstalled" not in required_keys(set())
    assert KEYS["AuthorizeRemoteTxRequests"].readonly is None
    assert type_problem("NotAStandardKey", "??") is None


# -- one finding per issue of the station's configuration, however often it is asked ----


def _three_answers(w: TraceWriter, **overrides: str | None) -> list[int]:
    """GetConfiguration asked three times (as the bench does in a run); the reply ids."""
    w.connect()
    replies = []
    for _ in range(3):
        call = w.command(
            "GetConfiguration", {}, {"configurationKey": configuration_keys(**overrides)}
        )
        replies.append(call + 1)
        w.tick(60)
    return replies


def test_a_missing_key_seen_in_three_answers_is_one_finding(w: TraceWriter) -> None:
    replies = _three_answers(w, HeartbeatInterval=None)
    found = w.of("configuration.required_key")
    assert [f.entries for f in found] == [tuple(i for reply in replies for i in (reply - 1, reply))]
    assert found[0].message.startswith("3 GetConfiguration answers lack 1 key(s) required")
    assert found[0].message.endswith(": HeartbeatInterval")


def test_keys_missing_from_different_answers_are_different_findings(w: TraceWriter) -> None:
    w.connect()
    first = w.command(
        "GetConfiguration", {}, {"configurationKey": configuration_keys(ResetRetries=None)}
    )
    second = w.command(
        "GetConfiguration",
        {},
        {"configurationKey": configuration_keys(ResetRetries=None, HeartbeatInterval=None)},
    )
    found = w.of("configuration.required_key")
    assert sorted((f.entries, f.message.rsplit(": ", 1)[1]) for f in found) == [
        ((first, first + 1, second, second + 1), "ResetRetries"),
        ((second, second + 1), "HeartbeatInterval"),
    ]


def test_a_bad_value_seen_in_three_answers_is_one_finding(w: TraceWriter) -> None:
    replies = _three_answers(w, HeartbeatInterval="60s")
    found = w.of("configuration.value_type")
    assert [(f.severity, f.entries) for f in found] == [(Severity.VIOLATION, tuple(replies))]
    assert found[0].message == (
        "HeartbeatInterval = '60s' is not an integer (a int key) in 3 GetConfiguration answers"
    )


def test_distinct_bad_values_of_one_key_are_one_finding_naming_each(w: TraceWriter) -> None:
    w.connect()
    first = w.command(
        "GetConfiguration", {}, {"configurationKey": configuration_keys(HeartbeatInterval="60s")}
    )
    second = w.command(
        "GetConfiguration", {}, {"configurationKey": configuration_keys(HeartbeatInterval="1m")}
    )
    found = w.of("configuration.value_type")
    assert [f.entries for f in found] == [(first + 1, second + 1)]
    assert "'60s' is not an integer (a int key); also '1m' is not an integer" in found[0].message


def test_a_read_only_key_reported_writable_in_three_answers_is_one_finding(
    w: TraceWriter,
) -> None:
    keys = configuration_keys()
    for item in keys:
        if item["key"] == "NumberOfConnectors":
            item["readonly"] = False
    w.connect()
    replies = [w.command("GetConfiguration", {}, {"configurationKey": keys}) + 1 for _ in range(3)]
    found = w.of("configuration.readonly")
    assert [(f.severity, f.entries) for f in found] == [(Severity.WARNING, tuple(replies))]
    assert found[0].message == (
        "NumberOfConnectors is reported writable (readonly false) in 3 GetConfiguration answers"
    )
