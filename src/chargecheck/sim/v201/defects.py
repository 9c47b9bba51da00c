"""Switchable defects of the OCPP 2.0.1 simulated station: deliberate misbehaviour, so
that a 2.0.1 bench can prove each of its checks can FAIL.

A defect is switched on by name (``Station201Settings(defects={...})``); the model checks
``name in self.defects`` at the one place the defect bends its behaviour.

==================================  ===========================================================
name                                what the station does wrong
==================================  ===========================================================
``seq_no_gap``                      the seqNo of a transaction's TransactionEvents skips one
                                    (0, 2, 3, ...: the second message gets 2)
``no_status_on_plug``               plugging a cable in sends no StatusNotification (the
                                    connector is Occupied all the same)
``get_variables_ignores_unknown``   GetVariables answers Accepted (with an empty value) for a
                                    component or variable the station does not have
``set_read_only_accepted``          SetVariables of a ReadOnly variable answered Accepted
                                    (the value does not change)
``boot_ignores_pending``            while its BootNotification is Pending it sends
                                    StatusNotification, Heartbeat and TransactionEvent all
                                    the same (against B02.FR.02)
``offline_flag_missing``            TransactionEvents of events that happened offline are
                                    sent without offline=true (against E04.FR.03)
``retry_ignores_interval``          a TransactionEvent that failed is sent again at once, not
                                    after MessageAttemptInterval[TransactionEvent] times the
                                    transmissions so far (against E13.FR.03)
``retry_beyond_attempts``           a failing TransactionEvent is sent once more than
                                    MessageAttempts[TransactionEvent] (against E13.FR.04)
``stopped_reason_missing``          the Ended TransactionEvent carries no stoppedReason, even
                                    when the CSMS stopped it (against E06.FR.08, F03.FR.03)
``ev_connect_timeout_ignored``      an authorization waiting for the cable never lapses after
                                    TxCtrlr.EVConnectionTimeOut (against F02.FR.07, E10.FR.02)
``ev_side_disconnect_ignored``      with StopTxOnEVSideDisconnect true, a cable pulled at the
                                    car does not deauthorize the transaction (against
                                    E09.FR.01)
``invalid_token_kept``              a TransactionEventResponse with idTokenInfo Invalid does
                                    not deauthorize the transaction (against E06.FR.04)
``rejected_boot_chatters``          once its BootNotification is Rejected it sends a
                                    Heartbeat all the same (against B03.FR.02)
``rejected_boot_answers``           while Rejected it answers the CSMS's requests as if
                                    Accepted (against B03.FR.08: CALLERROR SecurityError)
``unsupported_report_sent``         GetBaseReport of a report it does not support is
                                    answered NotSupported, and its FullInventory is sent
                                    all the same (against B07.FR.05)
``reset_cuts_transaction``          a Reset OnIdle answered Scheduled ends the running
                                    transactions at once (against B12.FR.03)
``reset_skips_ended``               a Reset Immediate reboots without ending the running
                                    transactions first: they end after the boot (against
                                    B12.FR.04)
``reset_ignores_unavailable``       an EVSE made Inoperative comes back Available after a
                                    reboot (against B11.FR.02, B01.FR.07)
``network_profile_any_slot``        SetNetworkProfile stores a profile in any slot, one
                                    out of NetworkConfigurationPriority's valuesList too
                                    (against B09.FR.05)
``offline_reports_changed_only``    after any outage it reports only the connectors whose
                                    status changed (against B04.FR.01)
``offline_reports_all``             after any outage it reports every connector (against
                                    B04.FR.02)
``backoff_not_doubled``             the reconnection wait is RetryBackOffWaitMinimum (plus
                                    the random part) every time, never doubled (against
                                    OCPP-J 2.0.1 part 4 section 5.3)
``network_priority_ignored``        it always connects to the URL it was started with, not
                                    to the first entry of NetworkConfigurationPriority
                                    (against B10.FR.04)
==================================  ===========================================================
"""

from __future__ import annotations

from collections.abc import Iterable

DEFECTS_201: dict[str, str] = {
    "seq_no_gap": "the seqNo of a transaction's TransactionEvents skips one",
    "no_status_on_plug": "plugging a cable in sends no StatusNotification",
    "get_variables_ignores_unknown": "GetVariables answers Accepted for an unknown variable",
    "set_read_only_accepted": "SetVariables of a ReadOnly variable answered Accepted",
    "boot_ignores_pending": "sends other messages while its BootNotification is Pending",
    "offline_flag_missing": "TransactionEvents that happened offline lack offline=true",
    "retry_ignores_interval": "a failed TransactionEvent is resent at once",
    "retry_beyond_attempts": "a failing TransactionEvent is sent once too often",
    "stopped_reason_missing": "the Ended TransactionEvent lacks stoppedReason",
    "ev_connect_timeout_ignored": "an authorization waiting for the cable never lapses",
    "ev_side_disconnect_ignored": "a cable pulled at the car does not deauthorize",
    "invalid_token_kept": "an Invalid idTokenInfo does not deauthorize the transaction",
    "rejected_boot_chatters": "sends a Heartbeat once its BootNotification is Rejected",
    "rejected_boot_answers": "answers the CSMS's requests while Rejected",
    "unsupported_report_sent": "sends NotifyReports for a base report it answered NotSupported",
    "reset_cuts_transaction": "a Reset OnIdle ends the running transactions at once",
    "reset_skips_ended": "a Reset Immediate reboots before ending the running transactions",
    "reset_ignores_unavailable": "an Inoperative EVSE comes back Available after a reboot",
    "network_profile_any_slot": "SetNetworkProfile accepts a slot out of the valuesList",
    "offline_reports_changed_only": "after any outage it reports only changed connectors",
    "offline_reports_all": "after any outage it reports every connector",
    "backoff_not_doubled": "the reconnection back-off is never doubled",
    "network_priority_ignored": "connects to its first URL whatever NetworkConfigurationPriority",
}


def checked_defects_201(names: Iterable[str]) -> frozenset[str]:
    """``names`` as a set; a ``ValueError`` naming the known defects if one is not."""
    chosen = frozenset(names)
    unknown = sorted(chosen - DEFECTS_201.keys())
    if unknown:
        known = ", ".join(sorted(DEFECTS_201))
        raise ValueError(f"unknown 2.0.1 defect {unknown[0]!r} (known: {known})")
    return chosen
