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
``unlock_failure_unlocked``                UnlockConnector answered Unlocked although the cable
                                           lock is jammed (lock_failure)
``power_loss_no_stop``                     a transaction cut by a power loss is forgotten: no
                                           StopTransaction, before going down or after boot
``availability_lost_on_power_cut``         after a power cut, connectors made Inoperative are
                                           Available again
``local_list_without_profile``            claims no LocalAuthListManagement, yet answers
                                           GetLocalListVersion with its version and Accepts
                                           SendLocalList
``local_list_failure_accepted``            SendLocalList answered Accepted while the list
                                           cannot be stored (local_list_failure): nothing kept
``local_list_remote_start_lost``           RemoteStartTransaction for an idTag of the Local
                                           Authorization List Accepted, then nothing starts
``firmware_installs_damaged_image``        reports Installed for a firmware file it could not
                                           install (nothing installed)
``diagnostics_upload_failure_hidden``      reports Uploaded when its upload failed
``tx_profile_any_transaction``             takes a TxProfile naming another transactionId as
                                           the running transaction's
``tx_default_not_during_transaction``      a TxDefaultProfile set during a transaction is
                                           Accepted but never installed
``remote_start_any_profile_purpose``       RemoteStartTransaction with a chargingProfile of
                                           another purpose than TxProfile is Accepted
``reserve_ignores_status``                 ReserveNow answered Accepted (nothing held) where it
                                           should be Occupied, Faulted or Unavailable
``reservation_without_profile``            claims no Reservation, yet Accepts ReserveNow
``cancel_unknown_reservation_accepted``    CancelReservation of a reservationId it does not
                                           hold answered Accepted
``reservation_ignores_parent``             a card at a connector reserved for another idTag
                                           is refused at once: no Authorize.req to learn its
                                           parentIdTag
``start_without_reservation_id``           the StartTransaction that ends a reservation does
                                           not carry its reservationId
``offline_meter_values_dropped``           periodic and clock-aligned MeterValues of a
                                           transaction sampled offline are not queued
``offline_stop_lost``                      the StopTransaction of a transaction started
                                           offline is never sent (its StartTransaction is)
``accept_unapplied_value``                 a ChangeConfiguration value it cannot take is
                                           answered Accepted and not applied
``offline_queue_newest_first``             after a reconnection the queued MeterValues go
                                           newest first
``connection_timeout_ignored``             an idTag authorised with no cable keeps the
                                           connector Preparing: ConnectionTimeOut never ends it
``no_stop_while_cable_locked``             with UnlockConnectorOnEVSideDisconnect false, the
                                           EV side disconnecting does not stop the transaction
``stop_on_unplug_regardless``              the EV side disconnecting stops the transaction
                                           although StopTransactionOnEVSideDisconnect is false
``remote_start_busy_accepted``             RemoteStartTransaction on a connector in a
                                           transaction answered Accepted, then nothing starts
``no_security_events``                     sends no SecurityEventNotification at all (logs
                                           them only)
``csr_wrong_common_name``                  the CSR of SignCertificate.req names another CN than
                                           the Charge Point's identity
``accepts_any_client_certificate``         CertificateSigned with a chain that is not for its
                                           key or identity answered Accepted, and installed
``accepts_invalid_root``                   InstallCertificate of a root certificate that is
                                           not valid (expired) answered Accepted, and kept
``installed_ids_ignore_type``              GetInstalledCertificateIds lists the certificates
                                           of every type, whatever certificateType asks
``delete_unknown_certificate_accepted``    DeleteCertificate of a certificate it does not hold
                                           answered Accepted
``security_profile_downgrade_accepted``    ChangeConfiguration SecurityProfile to a lower
                                           value answered Accepted
``installs_invalid_signature``             signed firmware whose signature does not verify is
                                           reported SignatureVerified and installed
``log_status_without_request_id``          LogStatusNotification of a GetLog upload without
                                           its requestId
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
    "unlock_failure_unlocked": "UnlockConnector answered Unlocked with the cable lock jammed",
    "power_loss_no_stop": "a transaction cut by a power loss ends without StopTransaction",
    "availability_lost_on_power_cut": "Inoperative forgotten after a power cut",
    "local_list_without_profile": "no LocalAuthListManagement claimed, yet a local list",
    "local_list_failure_accepted": "SendLocalList Accepted while the list cannot be stored",
    "local_list_remote_start_lost": "remote start for a local list idTag: Accepted, no start",
    "firmware_installs_damaged_image": "Installed reported for a file it could not install",
    "diagnostics_upload_failure_hidden": "Uploaded reported when the upload failed",
    "tx_profile_any_transaction": "a TxProfile naming another transaction is taken",
    "tx_default_not_during_transaction": "TxDefaultProfile during a transaction Accepted, unused",
    "remote_start_any_profile_purpose": "remote start with a non-TxProfile profile Accepted",
    "reserve_ignores_status": "ReserveNow Accepted (nothing held) when not Available",
    "reservation_without_profile": "no Reservation claimed, yet ReserveNow Accepted",
    "cancel_unknown_reservation_accepted": "CancelReservation of an unknown id Accepted",
    "reservation_ignores_parent": "another idTag refused at a reserved connector, no Authorize",
    "start_without_reservation_id": "no reservationId in the StartTransaction ending one",
    "offline_meter_values_dropped": "MeterValues of a transaction sampled offline not queued",
    "offline_stop_lost": "a transaction started offline is never reported stopped",
    "accept_unapplied_value": "a value it cannot take answered Accepted, not applied",
    "offline_queue_newest_first": "queued MeterValues sent newest first after a reconnection",
    "connection_timeout_ignored": "identified, no cable: ConnectionTimeOut never ends it",
    "no_stop_while_cable_locked": "cable held locked: the EV unplug does not stop",
    "stop_on_unplug_regardless": "EV unplug stops although StopTransactionOnEVSideDisconnect false",
    "remote_start_busy_accepted": "remote start on a connector in a transaction: Accepted, nothing",
    "no_security_events": "no SecurityEventNotification at all",
    "csr_wrong_common_name": "the CSR's CN is not the Charge Point's identity",
    "accepts_any_client_certificate": "CertificateSigned Accepted for a chain not its own",
    "accepts_invalid_root": "InstallCertificate of an expired root Accepted",
    "installed_ids_ignore_type": "GetInstalledCertificateIds lists every type",
    "delete_unknown_certificate_accepted": "DeleteCertificate of an unknown certificate Accepted",
    "security_profile_downgrade_accepted": "a lower SecurityProfile Accepted",
    "installs_invalid_signature": "signed firmware with an invalid signature installed",
    "log_status_without_request_id": "LogStatusNotification without the requestId",
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
