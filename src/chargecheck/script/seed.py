# ruff: noqa: E501, RUF001  (the seed's words, verbatim)
"""The seed's 18 rows: function and acceptance criteria, word for word (HTML removed).

Source: shared/seeds/000_1d8396e6a1299e6b.txt, "TestScript Charge Station connected
with OCPP 1.6 to GreenFlux Platform" (an Alfen NG920).
"""

ROWS: dict[int, tuple[str, str]] = {
    1: (
        "Boot notification",
        "Receive a (not empty) BootNotification message, containing chargePointModel and chargePointVendor (required by OCPP 1.6), and chargePointSerialNumber, iccid, chargePointVendor, firmwareVersion and chargePointModel",
    ),
    2: (
        "Heartbeat (automatic)",
        "Receive OCPP command from CS i.e.. heartbeat registered\nWhen CS is not providing heartbeat, send OCPP command to see heartbeat\nProvide TCPIP default heartbeat at least every 1 hour from CS (configurable under Set Configuration).",
    ),
    3: (
        "Change availability",
        "After sending ChangeAvailability with type Operative, the status must change to Available.\nAfter sending ChangeAvailability with type Inoperative, the status must change to Unavailable.\nThis availability must be reflected by receiving a StatusNotification message (per socket)\nReceive a (not empty) StatusNotification message per connector (including connector 0), containing: i. If not in error: status with Available, Preparing, Charging, SuspendedEV, SuspendedEVSE, Finishing, Reserved, Unavailable or Faulted\nii. If in error: error details (errorCode)",
    ),
    4: (
        "Get configuration (list parameters that can be read)",
        "After sending GetConfiguration() the Charge Station must respond with a GetConfiguration message, containing the total number of items, followed by a message with the complete list of items.",
    ),
    5: (
        "Set configuration (set parameters that can be configured)",
        'After sending ChangeConfiguration (per item) a message with status Accepted must be received (and not "Not Supported", "Not implemented")',
    ),
    6: (
        "Start charge transaction (both local notification and remote trigger)",
        "After sending RemoteStartTransaction the transaction must start, and a StartTransaction message (including transactionId) must be received, followed by several StatusNotification messages (according to OCPP 1.6)\nLocal StartTransaction should start with an Authorize, which – if approved – must be followed by a StartTransaction and several StatusNotification messages (according to OCPP 1.6).\nIf not approved the sequence must stop",
    ),
    7: (
        "Stop charge transaction (both local notification and remote trigger)",
        "After sending RemoteStopTransaction (by using the transactionId) the transaction must stop, via a StopTransaction message, followed by several StatusNotification messages (according to OCPP 1.6)\nLocal StopTransaction starts with receiving a StopTransaction and several StatusNotification messages (according to OCPP 1.6)\nWhen the charging cable is disconnected, a StopTransaction message must be received",
    ),
    8: (
        "Receive Meter reading",
        "Meter values are received at the start of transaction and stop of transaction\nMeter values are received, according to meter interval that can be set by user (at least 30 seconds interval when charging)\nVoltage, current and power reading are received, according to meter interval that can be set by user (at least 30 seconds interval)",
    ),
    9: (
        "Reset CS (both hard and soft reset)",
        "Hard reset (ResetType 0): Charging Station comes online after reset (BootNotification message, StatusNotification message, etc.)\nSoft reset (ResetType 1): Charging Station comes online after reset (BootNotification message, StatusNotification message, etc.)",
    ),
    10: (
        "Any hardware related notifications or error conditions",
        "Create an error (e.g. disconnecting communication pin or power pin connection or create 3 phase imbalance supply), notifications to be represented in the StatusNotification messages.\nError messages on connector 0 are from the Charging Station itself.",
    ),
    11: (
        "Charging cable connection status",
        "Status to be represented in the StatusNotification messages.\nWhen car is connected, the charging station changes from Available to Occupied and to Error (connection is timed out).",
    ),
    12: (
        "Remote Firmware update",
        'Receive firmware file from manufacturer.\nAfter sending UpdateFirmware, FirmwareStatusNotification message with FirmwareStatus "Downloading" must be received, followed by FirmwareStatusNotification message with FirmwareStatus "Installed".\nAutomatically reboot if connectors are available',
    ),
    13: (
        "Remotely initiate and get diagnostics reports",
        "After sending GetDiagnostics, with specific timeframe and ftp location, the Charging Station must send GetDiagnostics message and upload the diagnostic file to the specified ftp location",
    ),
    14: (
        "Set charging profile or power control (for smart charging)",
        "After sending SetChargingProfile (per connector) a message with status Accepted must be received",
    ),
    15: (
        "Smart Charging Enable/Disable",
        "Receive enable/disable status notification when smart charging enabled/disabled",
    ),
    16: (
        "Get past charge transactions",
        "When Charging Station reconnects, after being offline, the cached transactions must be sent to the server automatically",
    ),
    17: (
        "Clear cache (if applicable)",
        "After sending the ClearCache, a message with status Accepted must be received",
    ),
    18: (
        "TriggerMessage",
        "After booting the centralsystem will send a TriggerMessage requesting the status of the charger.",
    ),
}
