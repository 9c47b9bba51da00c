"""Switchable defects: deliberate misbehaviour, so the bench's own tests can prove that
each row of the acceptance script can FAIL.

A defect is switched on by name in the station settings (``defects={...}``); the station
model checks ``name in self.defects`` at the one place the defect bends its behaviour.

=========================================  ==================================================
name                                       what the station does wrong
=========================================  ==================================================
``boot_missing_iccid``                     BootNotification without the iccid the profile has
``no_status_connector0``                   after boot, no StatusNotification for connector 0
``slow_heartbeat``                         heartbeats at twice the HeartbeatInterval
``start_after_rejected_authorize``         starts a transaction although Authorize was not
                                           Accepted
``firmware_stops_at_downloaded``           UpdateFirmware ends at Downloaded: never installs,
                                           never reboots
``diagnostics_never_uploaded``             GetDiagnostics: reports Uploading and Uploaded but
                                           never puts the file on the server
``change_configuration_not_supported``     every ChangeConfiguration answered NotSupported
``drop_offline_queue``                     transaction messages cached while offline are
                                           thrown away on reconnect
``ignore_charging_limit``                  charging profiles are accepted but never limit the
                                           power (no SuspendedEVSE at a limit of 0)
``missing_measurands``                     meter values carry only Energy.Active.Import.Register
``wrong_status_after_change_availability`` stays Available after ChangeAvailability Inoperative
``no_boot_after_reset``                    after Reset it reconnects without a BootNotification
``get_configuration_empty``                GetConfiguration answers an empty key list
``no_meter_values``                        no MeterValues during transactions (none at all)
``remote_start_rejected``                  RemoteStartTransaction always Rejected
``no_stop_on_unplug``                      unplugging the EV does not stop the transaction
``stop_reason_local``                      an unplug stops the transaction with reason Local
``clear_cache_rejected``                   ClearCache answered Rejected
``trigger_message_rejected``               TriggerMessage answered Rejected
``trigger_heartbeat_ignored``              TriggerMessage(Heartbeat) Accepted, nothing sent
``no_fault_status``                        fault injection sends nothing (no Faulted)
``no_preparing_on_plug``                   plugging in leaves the connector Available
``set_charging_profile_rejected``          SetChargingProfile answered Rejected
``silent_fault``                           a fault makes the connector Faulted (TriggerMessage
                                           says so) but no StatusNotification reports the
                                           change into or out of Faulted
``silent_after_reconnect``                 after a reconnection (no reboot) its outbound queue
                                           is dead: it answers CALLs, sends none of its own
=========================================  ==================================================
"""

from __future__ import annotations

from collections.abc import Iterable

DEFECTS: dict[str, str] = {
    "boot_missing_iccid": "BootNotification without the iccid the profile has",
    "no_status_connector0": "after boot, no StatusNotification for connector 0",
    "slow_heartbeat": "heartbeats at twice the HeartbeatInterval",
    "start_after_rejected_authorize": "starts a transaction although Authorize was not Accepted",
    "firmware_stops_at_downloaded": "UpdateFirmware ends at Downloaded, never installs",
    "diagnostics_never_uploaded": "reports Uploading and Uploaded but never uploads the file",
    "change_configuration_not_supported": "every ChangeConfiguration answered NotSupported",
    "drop_offline_queue": "transaction messages cached while offline are dropped on reconnect",
    "ignore_charging_limit": "charging profiles accepted but never limit the power",
    "missing_measurands": "meter values carry only Energy.Active.Import.Register",
    "wrong_status_after_change_availability": "stays Available on ChangeAvailability Inoperative",
    "no_boot_after_reset": "after Reset it reconnects without a BootNotification",
    "get_configuration_empty": "GetConfiguration answers an empty key list",
    "no_meter_values": "no MeterValues at all",
    "remote_start_rejected": "RemoteStartTransaction always Rejected",
    "no_stop_on_unplug": "unplugging the EV does not stop the transaction",
    "stop_reason_local": "an unplug stops the transaction with reason Local",
    "clear_cache_rejected": "ClearCache answered Rejected",
    "trigger_message_rejected": "TriggerMessage answered Rejected",
    "trigger_heartbeat_ignored": "TriggerMessage(Heartbeat) Accepted, nothing sent",
    "no_fault_status": "fault injection sends nothing",
    "no_preparing_on_plug": "plugging in leaves the connector Available",
    "set_charging_profile_rejected": "SetChargingProfile answered Rejected",
    "silent_fault": "Faulted without a StatusNotification (TriggerMessage tells it)",
    "silent_after_reconnect": "after a reconnection it answers CALLs but sends none of its own",
}


def checked_defects(names: Iterable[str]) -> frozenset[str]:
    """``names`` as a frozenset; ``ValueError`` naming any defect that does not exist."""
    return checked_switches(names, DEFECTS, "defects")


def checked_switches(names: Iterable[str], known: dict[str, str], what: str) -> frozenset[str]:
    """``names`` as a frozenset; ``ValueError`` naming any of them ``known`` lacks (the
    defects here, the legal variants in ``chargecheck.sim.variants``)."""
    chosen = frozenset(names)
    unknown = sorted(chosen - known.keys())
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; known: {sorted(known)}")
    return chosen
