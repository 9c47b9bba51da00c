"""Configuration keys of the simulated station: the Alfen profile, GetConfiguration
(OCPP 1.6 section 5.8), ChangeConfiguration (section 5.3), persistence and user profiles."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from chargecheck.protocol import validate
from chargecheck.sim.configuration import (
    Configuration,
    ConfigurationError,
    TooManyKeys,
    profile_names,
)

# OCPP 1.6 section 9 (reference/ocpp16-configuration-keys.md): key -> read-only.
# AuthorizeRemoteTxRequests may be R or RW (the station's choice); None = either.
STANDARD_KEYS: dict[str, bool | None] = {
    # Core
    "AllowOfflineTxForUnknownId": False,
    "AuthorizationCacheEnabled": False,
    "AuthorizeRemoteTxRequests": None,
    "BlinkRepeat": False,
    "ClockAlignedDataInterval": False,
    "ConnectionTimeOut": False,
    "ConnectorPhaseRotation": False,
    "ConnectorPhaseRotationMaxLength": True,
    "GetConfigurationMaxKeys": True,
    "HeartbeatInterval": False,
    "LightIntensity": False,
    "LocalAuthorizeOffline": False,
    "LocalPreAuthorize": False,
    "MaxEnergyOnInvalidId": False,
    "MeterValuesAlignedData": False,
    "MeterValuesAlignedDataMaxLength": True,
    "MeterValuesSampledData": False,
    "MeterValuesSampledDataMaxLength": True,
    "MeterValueSampleInterval": False,
    "MinimumStatusDuration": False,
    "NumberOfConnectors": True,
    "ResetRetries": False,
    "StopTransactionOnEVSideDisconnect": False,
    "StopTransactionOnInvalidId": False,
    "StopTxnAlignedData": False,
    "StopTxnAlignedDataMaxLength": True,
    "StopTxnSampledData": False,
    "StopTxnSampledDataMaxLength": True,
    "SupportedFeatureProfiles": True,
    "SupportedFeatureProfilesMaxLength": True,
    "TransactionMessageAttempts": False,
    "TransactionMessageRetryInterval": False,
    "UnlockConnectorOnEVSideDisconnect": False,
    "WebSocketPingInterval": False,
    # Local Auth List Management
    "LocalAuthListEnabled": False,
    "LocalAuthListMaxLength": True,
    "SendLocalListMaxLength": True,
    # Reservation
    "ReserveConnectorZeroSupported": True,
    # Smart Charging
    "ChargeProfileMaxStackLevel": True,
    "ChargingScheduleAllowedChargingRateUnit": True,
    "ChargingScheduleMaxPeriods": True,
    "ConnectorSwitch3to1PhaseSupported": True,
    "MaxChargingProfilesInstalled": True,
}

ALFEN_VALUES = {
    "HeartbeatInterval": "3600",
    "MeterValueSampleInterval": "60",
    "MeterValuesSampledData": (
        "Energy.Active.Import.Register,Voltage,Current.Import,Power.Active.Import"
    ),
    "SupportedFeatureProfiles": (
        "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger"
    ),
    "NumberOfConnectors": "2",
    "ConnectionTimeOut": "60",
    "AuthorizeRemoteTxRequests": "false",
    "StopTransactionOnEVSideDisconnect": "true",
    "TransactionMessageAttempts": "3",
    "TransactionMessageRetryInterval": "60",
    "ChargeProfileMaxStackLevel": "8",
    "ChargingScheduleAllowedChargingRateUnit": "Current,Power",
    "ChargingScheduleMaxPeriods": "24",
    "MaxChargingProfilesInstalled": "8",
    "LocalAuthorizeOffline": "true",
    "AllowOfflineTxForUnknownId": "false",
    "GetConfigurationMaxKeys": "200",
}


@pytest.fixture
def alfen() -> Configuration:
    return Configuration.from_profile("alfen-ng920")


# --- the Alfen NG920 profile ---


def test_alfen_reports_125_keys_each_with_key_readonly_and_value(alfen):
    entries, unknown = alfen.get(None)
    assert len(entries) == 125
    assert unknown == []
    assert len({entry["key"] for entry in entries}) == 125
    write_only = {"AuthorizationKey"}  # security whitepaper: never reported with a value
    for entry in entries:
        fields = {"key", "readonly"} | (set() if entry["key"] in write_only else {"value"})
        assert set(entry) == fields, entry["key"]
    validate("GetConfiguration", {"configurationKey": entries}, response=True)


def test_alfen_holds_every_standard_key_with_its_readonly_flag(alfen):
    reported = {entry["key"]: entry["readonly"] for entry in alfen.get(None)[0]}
    for key, readonly in STANDARD_KEYS.items():
        assert key in reported, key
        if readonly is not None:
            assert reported[key] is readonly, key


def test_alfen_has_the_agreed_values(alfen):
    for key, value in ALFEN_VALUES.items():
        assert alfen.value(key) == value, key
    assert alfen.int_value("GetConfigurationMaxKeys") >= len(alfen.keys())


def test_alfen_identity_is_the_seeds_boot_notification_without_meter_fields(alfen):
    assert alfen.identity == {
        "chargePointVendor": "Alfen BV",
        "chargePointModel": "NG920-61002",
        "chargePointSerialNumber": "ace0001593",
        "chargeBoxSerialNumber": "A00003",
        "firmwareVersion": "4.4.0-3106",
        "iccid": "89462038005003992030",
        "imsi": "240075811404511",
    }
    assert alfen.connectors == 2
    validate("BootNotification", alfen.identity)


def test_alfen_profile_file_says_its_vendor_keys_are_not_alfens_real_list():
    text = (
        resources.files("chargecheck.sim")
        .joinpath("profiles", "alfen-ng920.toml")
        .read_text(encoding="utf-8")
    )
    head = text[: text.index("[identity]")]
    assert "PLAUSIBLE BUT NOT ALFEN'S REAL LIST" in head
    for known in ("SC-Mode", "SC-GreenShare", "SC-ComfortLevel"):
        assert known in head


def test_alfen_vendor_keys_include_the_known_smart_charging_names(alfen):
    assert alfen.value("SC-Mode") == "Off"
    assert alfen.spec("SC-Mode").allowed == ("Off", "Green", "Comfort")
    assert alfen.value("SC-GreenShare") is not None
    assert alfen.value("SC-ComfortLevel") is not None


def test_package_lists_the_alfen_profile():
    assert "alfen-ng920" in profile_names()


# --- GetConfiguration (section 5.8) ---


def test_get_with_empty_list_reports_every_key(alfen):
    assert alfen.get([]) == alfen.get(None)


def test_get_reports_requested_keys_and_unknown_keys_apart(alfen):
    entries, unknown = alfen.get(["HeartbeatInterval", "NoSuchKey", "NumberOfConnectors"])
    assert entries == [
        {"key": "HeartbeatInterval", "readonly": False, "value": "3600"},
        {"key": "NumberOfConnectors", "readonly": True, "value": "2"},
    ]
    assert unknown == ["NoSuchKey"]


def test_get_matches_keys_case_insensitively_and_reports_each_once(alfen):
    entries, unknown = alfen.get(["heartbeatinterval", "HEARTBEATINTERVAL", "nope", "NOPE"])
    assert entries == [{"key": "HeartbeatInterval", "readonly": False, "value": "3600"}]
    assert unknown == ["nope"]


def test_get_refuses_more_requested_keys_than_get_configuration_max_keys(alfen):
    alfen.get([f"Key{n}" for n in range(200)])
    with pytest.raises(TooManyKeys) as caught:
        alfen.get([f"Key{n}" for n in range(201)])
    assert caught.value.code == "OccurenceConstraintViolation"
    assert (caught.value.requested, caught.value.maximum) == (201, 200)


def test_get_omits_value_of_a_key_without_one():
    config = Configuration.from_dict(
        user_profile([{"name": "Secret", "type": "string"}]), source="test"
    )
    assert config.get(None) == ([{"key": "Secret", "readonly": False}], [])
    assert config.value("Secret") is None
    assert Configuration.from_dict(config.to_dict()).get(None) == config.get(None)


def test_get_without_get_configuration_max_keys_takes_any_number_of_keys():
    config = Configuration.from_dict(user_profile([{"name": "K", "type": "int", "value": 1}]))
    entries, unknown = config.get(["K"] + [f"Key{n}" for n in range(1000)])
    assert entries == [{"key": "K", "readonly": False, "value": "1"}]
    assert len(unknown) == 1000


# --- ChangeConfiguration (section 5.3) ---


def test_change_accepted_takes_effect_at_once(alfen):
    assert alfen.change("MeterValueSampleInterval", "30") == "Accepted"
    assert alfen.value("MeterValueSampleInterval") == "30"
    assert alfen.int_value("MeterValueSampleInterval") == 30
    assert alfen.get(["MeterValueSampleInterval"])[0][0]["value"] == "30"


def test_change_of_unknown_key_is_not_supported(alfen):
    assert alfen.change("NoSuchKey", "1") == "NotSupported"
    assert alfen.value("NoSuchKey") is None


def test_change_of_readonly_key_is_rejected_and_keeps_the_value(alfen):
    assert alfen.change("NumberOfConnectors", "2") == "Rejected"
    assert alfen.change("SupportedFeatureProfiles", "Core") == "Rejected"
    assert alfen.value("SupportedFeatureProfiles") == ALFEN_VALUES["SupportedFeatureProfiles"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("HeartbeatInterval", "abc"),  # not an integer
        ("HeartbeatInterval", "1.5"),
        ("HeartbeatInterval", "+60"),
        ("HeartbeatInterval", " 60"),
        ("HeartbeatInterval", ""),
        ("HeartbeatInterval", "0"),  # below min 1
        ("LightIntensity", "101"),  # above max 100
        ("LocalPreAuthorize", "yes"),  # not a boolean
        ("LocalPreAuthorize", "1"),
        ("MeterValuesSampledData", "Energy.Active.Import.Registerr"),  # not a 1.6 Measurand
        ("MeterValuesSampledData", "Voltage,,SoC"),  # empty item
        (
            "MeterValuesSampledData",
            "Voltage,SoC,Frequency,Temperature,RPM,Power.Factor,"
            "Power.Offered,Current.Offered,Current.Export",
        ),  # 9 items, MaxLength 8
        ("ConnectorPhaseRotation", "0.RST,3.RST"),  # connector 3 does not exist
        ("ConnectorPhaseRotation", "1.XYZ"),
        ("ConnectorPhaseRotation", "RST"),
        ("ConnectorPhaseRotation", "0.RST,1.RST,2.RST,1.RTS"),  # 4 items, MaxLength 3
        ("SC-Mode", "Eco"),  # not an allowed value
        ("FreeChargingIdTag", "X" * 21),  # longer than max_chars 20
        ("DisplayIdleText", "X" * 41),
        ("NTPServer", "X" * 256),
    ],
)
def test_change_with_a_bad_value_is_rejected_and_keeps_the_value(alfen, key, value):
    before = alfen.value(key)
    assert alfen.change(key, value) == "Rejected"
    assert alfen.value(key) == before


def test_change_refuses_values_over_the_500_character_cistring():
    config = Configuration.from_dict(user_profile([{"name": "Note", "type": "string"}]))
    assert config.change("Note", "x" * 500) == "Accepted"
    assert config.change("Note", "x" * 501) == "Rejected"


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("LocalPreAuthorize", "TRUE", "true"),
        ("LocalPreAuthorize", "False", "false"),
        ("SC-Mode", "green", "Green"),
        ("MeterValuesSampledData", "voltage, SOC", "Voltage,SoC"),
        ("MeterValuesSampledData", "", ""),
        ("ConnectorPhaseRotation", "0.notapplicable,1.rst,2.TSR", "0.NotApplicable,1.RST,2.TSR"),
        ("HeartbeatInterval", "007", "7"),
        ("DisplayIdleText", "Hello, world", "Hello, world"),
    ],
)
def test_change_accepts_cistring_values_and_stores_their_canonical_form(alfen, key, value, stored):
    assert alfen.change(key.lower(), value) == "Accepted"
    assert alfen.value(key) == stored


def test_change_accepts_a_list_exactly_at_its_max_length(alfen):
    eight = "Voltage,SoC,Frequency,Temperature,RPM,Power.Factor,Power.Offered,Current.Offered"
    assert alfen.change("MeterValuesSampledData", eight) == "Accepted"
    assert alfen.list_value("MeterValuesSampledData") == eight.split(",")


def test_change_of_reboot_key_is_pending_until_apply_pending(alfen):
    assert alfen.change("ModemAPN", "m2m.example") == "RebootRequired"
    assert alfen.value("ModemAPN") == "internet"
    assert alfen.get(["ModemAPN"])[0][0]["value"] == "internet"
    assert alfen.pending == {"ModemAPN": "m2m.example"}
    assert alfen.change("modemapn", "m2m.other") == "RebootRequired"
    assert alfen.apply_pending() == {"ModemAPN": "m2m.other"}
    assert alfen.value("ModemAPN") == "m2m.other"
    assert alfen.pending == {}
    assert alfen.apply_pending() == {}


def test_change_of_reboot_key_with_a_bad_value_is_rejected_not_pending(alfen):
    assert alfen.change("InstallationPhases", "4") == "Rejected"
    assert alfen.pending == {}


# --- station-side access ---


def test_typed_accessors_read_values(alfen):
    assert alfen.int_value("ModemSignalStrength") == -67
    assert alfen.bool_value("StopTransactionOnEVSideDisconnect") is True
    assert alfen.bool_value("AuthorizeRemoteTxRequests") is False
    assert alfen.list_value("ChargingScheduleAllowedChargingRateUnit") == ["Current", "Power"]
    assert alfen.list_value("StopTxnAlignedData") == []


@pytest.mark.parametrize(
    ("accessor", "key", "problem"),
    [
        ("int_value", "LocalPreAuthorize", "is of type bool, not int"),
        ("bool_value", "HeartbeatInterval", "is of type int, not bool"),
        ("list_value", "SC-Mode", "is of type string, not csl"),
        ("int_value", "NoSuchKey", "is not a key of this charger"),
    ],
)
def test_typed_accessors_name_the_simulators_mistake(alfen, accessor, key, problem):
    with pytest.raises(ConfigurationError, match=problem):
        getattr(alfen, accessor)(key)


def test_typed_accessor_of_a_key_without_value_is_an_error():
    config = Configuration.from_dict(user_profile([{"name": "Limit", "type": "int"}]))
    with pytest.raises(ConfigurationError, match="has no value"):
        config.int_value("Limit")


def test_set_internal_bypasses_readonly_and_replaces_a_pending_change(alfen):
    alfen.set_internal("HardwareVersion", "NG920-61002 rev. D")
    assert alfen.value("HardwareVersion") == "NG920-61002 rev. D"
    alfen.change("ModemAPN", "pending.example")
    alfen.set_internal("ModemAPN", "firmware.example")
    assert alfen.value("ModemAPN") == "firmware.example"
    assert alfen.pending == {}


def test_set_internal_refuses_an_invalid_value_or_an_unknown_key(alfen):
    with pytest.raises(ConfigurationError, match="'NumberOfConnectors' value 'two'"):
        alfen.set_internal("NumberOfConnectors", "two")
    with pytest.raises(ConfigurationError, match="not a key of this charger"):
        alfen.set_internal("NoSuchKey", "1")


# --- persistence across reboots ---


def test_to_dict_from_dict_round_trip_keeps_values_and_pending_changes(alfen):
    alfen.change("MeterValueSampleInterval", "15")
    alfen.change("SC-Mode", "comfort")
    alfen.change("InstallationMaxCurrent", "32")
    alfen.identity["firmwareVersion"] = "4.5.0-1000"
    saved = json.loads(json.dumps(alfen.to_dict()))
    restored = Configuration.from_dict(saved)
    assert restored.get(None) == alfen.get(None)
    assert restored.identity == alfen.identity
    assert restored.connectors == 2
    assert restored.pending == {"InstallationMaxCurrent": "32"}
    assert restored.to_dict() == saved
    assert restored.apply_pending() == {"InstallationMaxCurrent": "32"}
    assert restored.int_value("InstallationMaxCurrent") == 32
    assert restored.change("NumberOfConnectors", "3") == "Rejected"
    assert restored.change("InstallationPhases", "1") == "RebootRequired"


def test_from_dict_refuses_an_unknown_format(alfen):
    saved = alfen.to_dict() | {"format": 99}
    with pytest.raises(ConfigurationError, match="unknown format 99"):
        Configuration.from_dict(saved)


# --- user profiles ---

USER_TOML = """
connectors = 1

[identity]
chargePointVendor = "Example"
chargePointModel = "Wallbox-1"

[configuration]
keys = [
    { name = "HeartbeatInterval", type = "int", value = 900, min = 10 },
    { name = "NumberOfConnectors", type = "int", readonly = true, value = 1 },
    { name = "LocalPreAuthorize", type = "bool", value = true },
    { name = "MeterValuesSampledDataMaxLength", type = "int", readonly = true, value = 2 },
    { name = "MeterValuesSampledData", type = "csl", value = "Voltage", allowed = "measurands", \
max_length_key = "MeterValuesSampledDataMaxLength" },
    { name = "Colour", type = "string", value = "red", allowed = ["red", "green"] },
    { name = "Units", type = "csl", value = "W,A" },
]
"""


def test_a_user_profile_file_loads_by_path(tmp_path):
    path = tmp_path / "wallbox.toml"
    path.write_text(USER_TOML, encoding="utf-8")
    for profile in (path, str(path)):
        config = Configuration.from_profile(profile)
        assert config.identity == {"chargePointVendor": "Example", "chargePointModel": "Wallbox-1"}
        assert config.connectors == 1
        assert config.keys()[0] == "HeartbeatInterval"
        assert config.int_value("HeartbeatInterval") == 900
        assert config.bool_value("LocalPreAuthorize") is True
        assert config.list_value("Units") == ["W", "A"]
    assert config.change("HeartbeatInterval", "9") == "Rejected"
    assert config.change("MeterValuesSampledData", "Voltage,SoC,Frequency") == "Rejected"
    assert config.change("Units", "anything,goes") == "Accepted"
    assert config.change("Colour", "blue") == "Rejected"


def user_profile(keys, **top):
    return {
        "connectors": 1,
        "identity": {"chargePointVendor": "V", "chargePointModel": "M"},
        "configuration": {"keys": keys},
    } | top


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (user_profile([{"type": "int"}]), "every key needs a name"),
        (user_profile([{"name": "K", "type": "float"}]), "type must be one of"),
        (user_profile([{"name": "K", "type": "int", "colour": 1}]), "unknown fields"),
        (user_profile([{"name": "K", "type": "int", "readonly": "yes"}]), "readonly must be"),
        (user_profile([{"name": "K", "type": "int", "min": "1"}]), "min must be an integer"),
        (user_profile([{"name": "K", "type": "int", "min": 5, "max": 1}]), "min above max"),
        (user_profile([{"name": "K", "type": "bool", "min": 1}]), "not an int key"),
        (user_profile([{"name": "K", "type": "int", "allowed": ["1"]}]), "neither a string"),
        (user_profile([{"name": "K", "type": "string", "allowed": "colours"}]), "allowed must"),
        (user_profile([{"name": "K", "type": "string", "max_length_key": "L"}]), "not a csl"),
        (user_profile([{"name": "K", "type": "csl", "max_length_key": "L"}]), "not an int key"),
        (user_profile([{"name": "K", "type": "int"}, {"name": "k", "type": "int"}]), "twice"),
        (user_profile([{"name": "K", "type": "int", "value": 1.5}]), "must be a string"),
        (user_profile([{"name": "K", "type": "int", "value": "x"}]), "'x' is not valid"),
        (user_profile([{"name": "K", "type": "int"}], pending={"K": "x"}), "'x' is not valid"),
        (user_profile([{"name": "K", "type": "int"}], pending={"Q": "1"}), "not a key"),
        (
            user_profile([{"name": "NumberOfConnectors", "type": "int", "value": 2}]),
            "differs from connectors = 1",
        ),
        (user_profile([], connectors=0), "connectors must be a positive integer"),
        (user_profile([], connectors=True), "connectors must be a positive integer"),
        (user_profile([], identity={"chargePointVendor": "V"}), "lacks chargePointModel"),
        (user_profile([], identity={"chargePointVendor": 1}), "must map field names"),
        (user_profile([], configuration={"keys": {}}), "configuration.keys must be a list"),
        (user_profile([], configuration=[]), "configuration.keys must be a list"),
    ],
)
def test_a_malformed_profile_is_refused_naming_source_and_problem(data, problem):
    with pytest.raises(ConfigurationError, match=problem) as caught:
        Configuration.from_dict(data, source="wallbox.toml")
    assert str(caught.value).startswith("wallbox.toml")


def test_a_profile_file_that_is_not_toml_is_refused(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("connectors = = 2\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        Configuration.from_profile(path)


def test_a_missing_profile_file_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="cannot read charger profile"):
        Configuration.from_profile(tmp_path / "absent.toml")


def test_an_unknown_profile_name_lists_the_known_ones():
    with pytest.raises(ConfigurationError, match=r"no charger profile named 'acme'.*alfen-ng920"):
        Configuration.from_profile("acme")
