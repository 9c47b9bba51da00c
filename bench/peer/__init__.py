"""A charge station that shares no code with chargecheck: the bench's second opinion.

Built on the ``ocpp`` package's ``ocpp.v16.ChargePoint`` and websockets' asyncio client
(subprotocol ``ocpp1.6``), it behaves as an honest OCPP 1.6 charger (feature profiles
Core, FirmwareManagement, LocalAuthListManagement, RemoteTrigger, SmartCharging), and
differs from chargecheck's simulator where real chargers do:

- BootNotification (4.2) without iccid / imsi (no modem; ``--iccid`` gives it one), with
  meterType and meterSerialNumber; after it a StatusNotification for each connector > 0 only:
  connector 0 reports when its availability changes or when TriggerMessage asks (5.17);
- ``--ev-connected 1``: an EV plugged in from power-on stays for the whole run; with no
  session the connector is Available (its ConnectionTimeOut ran out, 9.1), so a
  RemoteStartTransaction (5.11) starts at once: StartTransaction, then Charging (A3);
  after a stop it stays Finishing (cable in) and the next start goes Preparing first;
  ``--authorize-remote-tx-requests``: Preparing, then Authorize, then the start;
- meterStart / meterStop, Sample.Periodic MeterValues at MeterValueSampleInterval with
  the MeterValuesSampledData measurands per phase (Voltage L1-N..L3-N, Current.Import
  L1..L3, Power.Active.Import, Energy.Active.Import.Register), Transaction.Begin / End
  in StopTransaction.transactionData, Sample.Clock at ClockAlignedDataInterval;
- RemoteStopTransaction (reason Remote), UnlockConnector (UnlockCommand), Reset (soft:
  StopTransaction first; hard: StopTransaction HardReset after the next boot);
- SetChargingProfile / ClearChargingProfile / GetCompositeSchedule: a limit under 6 A
  gives SuspendedEVSE, lifting it gives Charging again;
- GetConfiguration lists unknown keys in unknownKey; ChangeConfiguration checks types
  and measurands; ClearCache, GetLocalListVersion, SendLocalList; no Reservation (the
  ``ocpp`` package answers NotImplemented);
- offline (the Central System closes the socket, refuses reconnects): transactions go on;
  StartTransaction / StopTransaction / their MeterValues wait, with the time they
  happened, and go out in order once reconnected (no BootNotification then: it did not
  reboot), followed by the latest status of each connector that changed;
- Heartbeats only when no other CALL went out within HeartbeatInterval (4.6);
- UpdateFirmware (fetch over http/ftp, Downloading .. Installed, reboot; installs only
  with no transaction running) and GetDiagnostics (FTP upload).

Options: ``python -m bench.peer_station --help``. Everything lives in memory: state
survives reconnects and reboots, not the process. Modules: ``model`` (state, statuses,
outbox), ``configuration``, ``meter``, ``smart_charging``, ``sessions`` (transactions,
resets), ``station`` (lives, connections, sending), ``charge_point`` (the CALL handlers),
``transfers`` (firmware, diagnostics), ``main`` (command line)::

    python -m bench.peer_station ws://127.0.0.1:9000/ocpp PEER-1 --ev-connected 1
"""
