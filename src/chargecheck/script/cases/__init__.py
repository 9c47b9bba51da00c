"""The 18 rows of the seed's script, in its order. Written out, not registered."""

from chargecheck.script.cases import (
    row01_boot_notification,
    row02_heartbeat,
    row03_change_availability,
    row04_get_configuration,
    row05_change_configuration,
    row06_start_transaction,
    row07_stop_transaction,
    row08_meter_values,
    row09_reset,
    row10_error_conditions,
    row11_cable_status,
    row12_firmware_update,
    row13_diagnostics,
    row14_set_charging_profile,
    row15_smart_charging,
    row16_offline_transactions,
    row17_clear_cache,
    row18_trigger_message,
)
from chargecheck.script.runner import Case

CASES: list[Case] = [
    row01_boot_notification.CASE,
    row02_heartbeat.CASE,
    row03_change_availability.CASE,
    row04_get_configuration.CASE,
    row05_change_configuration.CASE,
    row06_start_transaction.CASE,
    row07_stop_transaction.CASE,
    row08_meter_values.CASE,
    row09_reset.CASE,
    row10_error_conditions.CASE,
    row11_cable_status.CASE,
    row12_firmware_update.CASE,
    row13_diagnostics.CASE,
    row14_set_charging_profile.CASE,
    row15_smart_charging.CASE,
    row16_offline_transactions.CASE,
    row17_clear_cache.CASE,
    row18_trigger_message.CASE,
]
