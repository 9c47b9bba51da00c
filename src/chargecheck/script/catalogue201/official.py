# ruff: noqa: E501  (one official case a line)
"""The official OCPP 2.0.1 charging-station test cases of the Open Charge Alliance's test
tool (OCTT) in blocks B (provisioning) and E (transactions), as facts: id, title, the use
cases they are written for, their place in the Core certification profile ("M": mandatory,
"C": conditional on a feature, "-": not in Core) and the manual steps they need, in our
words (collected from OCA's OCPP 2.0.1 part 6, test cases, and part 5, certification
profiles; no prose of them). The order is the test case document's. The cases themselves are written from the OCPP 2.0.1
specification in this package's modules."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Official:
    id: str
    title: str
    use_cases: str
    core: str  # "M", "C" or "-"
    manual: str  # "no", or the steps


# fmt: off
OFFICIAL: tuple[Official, ...] = (
    Official('TC_B_01_CS', 'Cold Boot Charging Station - Accepted', 'B01', 'M', 'maybe: reboot (power cycle, or tool Reset)'),
    Official('TC_B_02_CS', 'Cold Boot Charging Station - Pending', 'B02, F06', 'M', 'yes: reboot'),
    Official('TC_B_03_CS', 'Cold Boot Charging Station - Rejected', 'B03', 'M', 'yes: reboot'),
    Official('TC_B_30_CS', 'Cold Boot Charging Station - Pending/Rejected - SecurityError', 'B03', 'M', 'no'),
    Official('TC_B_06_CS', 'Get Variables - single value', 'B06', 'M', 'no'),
    Official('TC_B_07_CS', 'Get Variables - multiple values', 'B06', 'M', 'no'),
    Official('TC_B_32_CS', 'Get Variables - Unknown component', 'B06', 'M', 'no'),
    Official('TC_B_33_CS', 'Get Variables - Unknown variable', 'B06', 'M', 'no'),
    Official('TC_B_34_CS', 'Get Variables - Not supported attribute type', 'B06', 'M', 'no'),
    Official('TC_B_09_CS', 'Set Variables - single value', 'B05', 'M', 'no'),
    Official('TC_B_10_CS', 'Set Variables - multiple values', 'B05', 'M', 'no'),
    Official('TC_B_35_CS', 'Set Variables - Unknown component', 'B05', 'M', 'no'),
    Official('TC_B_36_CS', 'Set Variables - Unknown variable', 'B05', 'M', 'no'),
    Official('TC_B_37_CS', 'Set Variables - Not supported attribute type', 'B05', 'M', 'no'),
    Official('TC_B_11_CS', 'Set Variables - invalidly formatted values', 'B05', 'M', 'no'),
    Official('TC_B_39_CS', 'Set Variables - Read-only', 'B05', 'M', 'no'),
    Official('TC_B_12_CS', 'Get Base Report - ConfigurationInventory', 'B07', 'M', 'no'),
    Official('TC_B_13_CS', 'Get Base Report - FullInventory', 'B07', 'M', 'no'),
    Official('TC_B_14_CS', 'Get Base Report - SummaryInventory', 'B07', '-', 'no'),
    Official('TC_B_15_CS', 'Get Base Report - Not Supported base report', 'B07', 'C', 'no'),
    Official('TC_B_16_CS', 'Get Custom Report - with component criteria', 'B08', '-', 'no'),
    Official('TC_B_17_CS', 'Get Custom Report - with component/variable', 'B08', '-', 'no'),
    Official('TC_B_18_CS', 'Get Custom Report - with component criteria and component/variable', 'B08', '-', 'no'),
    Official('TC_B_19_CS', 'Get Custom Report - for unknown component criteria', 'B08', '-', 'no'),
    Official('TC_B_20_CS', 'Reset Charging Station - Without ongoing transaction - OnIdle', 'B11', 'M', 'no'),
    Official('TC_B_21_CS', 'Reset Charging Station - With Ongoing Transaction - OnIdle', 'B12', 'M', 'yes: idToken or remote start, plug in, idToken or remote stop, unplug'),
    Official('TC_B_22_CS', 'Reset Charging Station - With Ongoing Transaction - Immediate', 'B12', 'M', 'yes: idToken or remote start, plug in'),
    Official('TC_B_23_CS', 'Reset Charging Station - Unavailable persists reset', 'B11', 'M', 'no'),
    Official('TC_B_24_CS', 'Reset Charging Station - Reserved persists reset', 'B11', '-', 'no'),
    Official('TC_B_41_CS', 'Reset Charging Station - With multiple ongoing transactions - OnIdle', 'B12', 'C', 'yes: idToken or remote start, plug in, idToken or remote stop, unplug'),
    Official('TC_B_25_CS', 'Reset EVSE - Without ongoing transaction', 'B11', 'C', 'no'),
    Official('TC_B_26_CS', 'Reset EVSE - With Ongoing Transaction - OnIdle', 'B12', 'C', 'yes: idToken or remote start, plug in, idToken or remote stop, unplug'),
    Official('TC_B_27_CS', 'Reset EVSE - With Ongoing Transaction - Immediate', 'B12', 'C', 'yes: idToken or remote start, plug in'),
    Official('TC_B_28_CS', 'Reset EVSE - Not Supported', 'B11, B12', 'C', 'no'),
    Official('TC_B_29_CS', 'Reset EVSE - With ongoing transaction - Not Supported', 'B11', 'C', 'yes: idToken or remote start, plug in'),
    Official('TC_B_43_CS', 'Set new NetworkConnectionProfile - Rejected', 'B09', 'M', 'no'),
    Official('TC_B_45_CS', 'Migrate to new ConnectionProfile - Success - Same CSMS Root', 'B09, B10', 'M', 'maybe: reboot (power cycle, or tool Reset)'),
    Official('TC_B_46_CS', 'Migrate to new ConnectionProfile - Fallback mechanism - Same CSMS Root', 'B10', 'M', 'maybe: reboot (power cycle, or tool Reset)'),
    Official('TC_B_47_CS', 'Migrate to new ConnectionProfile - Fallback after NetworkProfileConnectionAttempts per NetworkConfigurationPriority failed - New CSMS Root - New CSMS', 'B09,B10,M05', 'C', 'maybe: reboot (power cycle, or tool Reset)'),
    Official('TC_B_49_CS', 'Migrate to new ConnectionProfile - Fallback after NetworkProfileConnectionAttempts per NetworkConfigurationPriority failed - Same CSMS Root', 'B10', 'C', 'maybe: reboot (power cycle, or tool Reset)'),
    Official('TC_B_50_CS', 'Migrate to new ConnectionProfile - Success - New CSMS Root - New CSMS', 'B10,M05', 'M', 'maybe: reboot (power cycle, or tool Reset)'),
    Official('TC_B_51_CS', 'Status change during offline period - > Offline Threshold', 'B04', 'M', 'yes: plug in'),
    Official('TC_B_52_CS', 'Status change during offline period - < Offline Threshold', 'B04', 'M', 'yes: plug in'),
    Official('TC_B_53_CS', 'Get Base Report - Test mandatory DM variables via FullInventory', 'B07', 'M', 'no'),
    Official('TC_B_54_CS', 'Get Custom Report - with component/variable, but no instance', 'B08', '-', 'no'),
    Official('TC_B_55_CS', 'Get Custom Report - with component/variable/instance', 'B08', '-', 'no'),
    Official('TC_B_56_CS', 'Get Custom Report - with component/variable, but no evseId', 'B08', '-', 'no'),
    Official('TC_B_57_CS', 'Network Reconnection - After connection loss', 'Part 4 section 5.3. Reconnecting', 'M', 'no'),
    Official('TC_E_01_CS', 'Start transaction options - PowerPathClosed', 'E01(S5)', 'C', 'yes: idToken or remote start, plug in'),
    Official('TC_E_02_CS', 'Start transaction options - EnergyTransfer', 'E01(S6)', 'C', 'yes: plug in, idToken or remote start'),
    Official('TC_E_09_CS', 'Start transaction options - EVConnected', 'E01(S2)', 'C', 'yes: plug in'),
    Official('TC_E_10_CS', 'Start transaction options - Authorized - Local', 'E01(S3) AND (C01 OR C02 OR C04 OR C06)', 'C', 'yes: present idToken'),
    Official('TC_E_13_CS', 'Start transaction options - Authorized - Remote', 'E01(S3) AND F02', 'C', 'no'),
    Official('TC_E_11_CS', 'Start transaction options - DataSigned', 'E01(S4)', 'C', 'yes: plug in, idToken or remote start'),
    Official('TC_E_12_CS', 'Start transaction options - ParkingBayOccupied', 'E01(S1)', 'C', 'yes: parking bay (if sensor)'),
    Official('TC_E_16_CS', 'Stop transaction options - Deauthorized - Invalid idToken', 'E06(S3)', 'C', 'yes: offline start (idToken + plug), idToken or remote start, plug in, idToken or remote stop, unplug'),
    Official('TC_E_17_CS', 'Stop transaction options - Deauthorized - EV side disconnect', 'E06(S3)', 'C', 'yes: unplug, present idToken, idToken or remote start, plug in, EV suspends charging'),
    Official('TC_E_39_CS', 'Stop transaction options - Deauthorized - timeout', 'E06(S3)', 'M', 'yes: plug in, idToken or remote start'),
    Official('TC_E_03_CS', 'Local start transaction - Cable plugin first - Success', 'E02 AND (C01 OR C02 OR C04 OR C06)', 'C', 'yes: idToken or remote start, plug in'),
    Official('TC_E_04_CS', 'Local start transaction - Authorization first - Success', 'E03 AND (C01 OR C02 OR C04 OR C06)', 'C', 'yes: idToken or remote start, plug in'),
    Official('TC_E_05_CS', 'Local start transaction - Authorization first - Cable plugin timeout', 'E03 AND (C01 OR C02 OR C04 OR C06)', 'C', 'yes: idToken or remote start, plug in'),
    Official('TC_E_38_CS', 'Local start transaction - EV not ready', 'E03', 'C', 'yes: set EV state (suspend / not ready), idToken or remote start, plug in'),
    Official('TC_E_52_CS', 'Local start transaction - Authorization first - DisableRemoteAuthorization', 'E03 AND C01', 'C', 'yes: present idToken'),
    Official('TC_E_06_CS', 'Local Stop Transaction - Accepted', 'E07 AND (C01 OR C02 OR C04)', 'C', 'yes: idToken or remote start, plug in, idToken or remote stop, unplug'),
    Official('TC_E_07_CS', 'Stop transaction options - PowerPathClosed - Local stop', 'E06(S5)', 'C', 'yes: present idToken, idToken or remote start, plug in, idToken or remote stop'),
    Official('TC_E_35_CS', 'Stop transaction options - PowerPathClosed - Remote stop', 'E06(S5)', 'C', 'yes: idToken or remote start, plug in'),
    Official('TC_E_37_CS', 'Stop transaction options - PowerPathClosed - EV side disconnect', 'E06(S5)', 'C', 'yes: unplug, idToken or remote start, plug in, EV suspends charging'),
    Official('TC_E_08_CS', 'Stop transaction options - EnergyTransfer stopped - StopAuthorized', 'E06(S6)', 'C', 'yes: idToken or remote start, plug in, idToken or remote stop'),
    Official('TC_E_22_CS', 'Stop transaction options - EnergyTransfer stopped - SuspendedEV', 'E06(S6)', 'C', 'yes: set EV state (suspend / not ready), idToken or remote start, plug in'),
    Official('TC_E_14_CS', 'Stop transaction options - EVDisconnected - Charging Station side', 'E06(S2)', 'C', 'yes: unplug, idToken or remote start, plug in, idToken or remote stop'),
    Official('TC_E_20_CS', 'Stop transaction options - EVDisconnected - EV side (able to charge IEC 61851-1 EV)', 'E06(S2), E10', 'C', 'yes: unplug, idToken or remote start, plug in, EV suspends charging'),
    Official('TC_E_54_CS', 'Stop transaction options - EVDisconnected - EV side (not able to charge IEC 61851-1 EV)', 'E06(S2), E10', 'C', 'yes: unplug, idToken or remote start, plug in, EV suspends charging'),
    Official('TC_E_15_CS', 'Stop transaction options - StopAuthorized - Local', 'E06(S3)', 'C', 'yes: present idToken, idToken or remote start, plug in'),
    Official('TC_E_21_CS', 'Stop transaction options - StopAuthorized - Remote', 'E06(S3) AND F03', 'C', 'yes: idToken or remote start, plug in'),
    Official('TC_E_19_CS', 'Stop transaction options - ParkingBayUnoccupied', 'E06(S1)', 'C', 'yes: parking bay (if sensor), idToken or remote start, plug in, idToken or remote stop, unplug'),
    Official('TC_E_24_CS', 'Disconnect cable on EV-side - Deauthorize transaction - UnlockOnEVSideDisconnect is true', 'E09', 'C', 'yes: unplug, idToken or remote start, plug in, EV suspends charging'),
    Official('TC_E_25_CS', 'Disconnect cable on EV-side - Deauthorize transaction - UnlockOnEVSideDisconnect is false', 'E09', 'C', 'yes: unplug, present idToken, idToken or remote start, plug in, EV suspends charging'),
    Official('TC_E_26_CS', 'Disconnect cable on EV-side - Suspend transaction', 'E10', 'C', 'yes: unplug, plug in, idToken or remote start, EV suspends charging'),
    Official('TC_E_27_CS', 'Disconnect cable on EV-side - Suspend transaction - Fixed cable connection timeout', 'E10', 'C', 'yes: unplug, plug in, idToken or remote start, EV suspends charging'),
    Official('TC_E_28_CS', 'Check Transaction status - TransactionId unknown', 'E14', 'M', 'no'),
    Official('TC_E_29_CS', 'Check Transaction status - Transaction with id ongoing - with message in queue', 'E14', 'M', 'yes: idToken or remote start, plug in'),
    Official('TC_E_30_CS', 'Check Transaction status - Transaction with id ongoing - without message in queue', 'E14', 'M', 'yes: idToken or remote start, plug in'),
    Official('TC_E_31_CS', 'Check Transaction status - Transaction with id ended - with message in queue', 'E14', 'C', 'yes: present idToken, unplug, parking bay (if sensor), idToken or remote start, plug in'),
    Official('TC_E_32_CS', 'Check Transaction status - Transaction with id ended - without message in queue', 'E14', 'M', 'yes: idToken or remote start, plug in'),
    Official('TC_E_33_CS', 'Check Transaction status - Without transactionId - with message in queue', 'E14', 'M', 'yes: idToken or remote start, plug in'),
    Official('TC_E_34_CS', 'Check Transaction status - Without transactionId - without message in queue', 'E14', 'M', 'no'),
    Official('TC_E_40_CS', 'Offline Behaviour - Connection loss during transaction', 'E11', 'M', 'yes: idToken or remote start, plug in'),
    Official('TC_E_41_CS', 'Retry sending transaction message when failed - Max retry count reached', 'E13', 'M', 'yes: idToken or remote start, plug in'),
    Official('TC_E_50_CS', 'Retry sending transaction message when failed - Max retry count reached - CallError', 'E13', 'M', 'yes: idToken or remote start, plug in'),
    Official('TC_E_42_CS', 'Retry sending transaction message when failed - Success before reaching the max retry count', 'E13', 'M', 'yes: idToken or remote start, plug in'),
    Official('TC_E_51_CS', 'Retry sending transaction message when failed - Success before reaching the max retry count - CallError', 'E13', 'M', 'yes: idToken or remote start, plug in'),
    Official('TC_E_43_CS', 'Offline Behaviour - Transaction during offline period', 'E12', 'C', 'yes: whole offline session (idToken, plug, stop, unplug)'),
    Official('TC_E_44_CS', 'Offline Behaviour - Stop transaction during offline period', 'E08', 'C', 'yes: present idToken, unplug, parking bay (if sensor), idToken or remote start, plug in'),
    Official('TC_E_45_CS', 'Offline Behaviour - Stop transaction during offline period - Same GroupId', 'E08', 'C', 'yes: present idToken, unplug, parking bay (if sensor), idToken or remote start, plug in, idToken or remote stop'),
    Official('TC_E_46_CS', 'End of charging process 15118', 'E15', '-', 'yes: idToken or remote start, plug in'),
)
# fmt: on

BY_ID: dict[str, Official] = {o.id: o for o in OFFICIAL}
