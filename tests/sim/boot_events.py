"""The security event every boot of a station with the security extension queues
(StartupOfTheDevice, or ResetOrReboot after a reboot of its own; proved by
``test_security_events``), for the tests whose subject is something else: they leave it
out of the message sequences they check."""

from __future__ import annotations

from typing import Any

BOOT_EVENTS = ("StartupOfTheDevice", "ResetOrReboot")


def is_boot_event(action: str, payload: dict[str, Any]) -> bool:
    return action == "SecurityEventNotification" and payload.get("type") in BOOT_EVENTS


def without_boot_events(messages: list[Any]) -> list[Any]:
    """``messages`` (the Central System's ``Message``s, or the model tests' ``Call``s)
    without the boots' security events."""
    return [m for m in messages if not is_boot_event(m.action, m.payload)]
