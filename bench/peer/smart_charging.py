"""Charging profiles (OCPP 1.6 sections 3.13, 5.5, 5.7, 5.16): which are installed, and
the current limit they give a connector at a moment.

Profiles are kept as the ``ocpp`` package hands them to a handler (snake_case keys).
The rules: a TxProfile needs a transaction on its connector (5.16) and lives as long as
it; a ChargePointMaxProfile goes on connector 0 only; a new profile replaces one with
the same id, or with the same stackLevel and purpose on the same connector (3.13.2);
per purpose the highest stackLevel in force wins, a TxProfile overrides the
TxDefaultProfile, and a ChargePointMaxProfile caps both (3.13.1). A limit in W is
turned into A per phase at the nominal voltage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

NOMINAL_VOLTAGE = 230.0
PHASES = 3
MAX_STACK_LEVEL = 8
MAX_PERIODS = 24
MAX_PROFILES = 16

Profile = dict[str, Any]


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass
class Installed:
    connector_id: int
    profile: Profile
    transaction: object | None = None  # a TxProfile's transaction


@dataclass
class ProfileStore:
    installed: list[Installed] = field(default_factory=list)

    def set(
        self, connector_id: int, profile: Profile, transaction: object | None, running: int | None
    ) -> str:
        """SetChargingProfile (5.16): Accepted or Rejected. ``transaction`` is the one
        running on the connector (None when there is none), ``running`` its id."""
        purpose = profile["charging_profile_purpose"]
        schedule = profile["charging_schedule"]
        if profile["stack_level"] > MAX_STACK_LEVEL:
            return "Rejected"
        if len(schedule["charging_schedule_period"]) > MAX_PERIODS:
            return "Rejected"
        if purpose == "ChargePointMaxProfile" and connector_id != 0:
            return "Rejected"
        tx = None
        if purpose == "TxProfile":
            wanted = profile.get("transaction_id")
            if connector_id == 0 or transaction is None or wanted not in (None, running):
                return "Rejected"  # 5.16: no transaction active on the connector
            tx = transaction
        self.installed = [
            i
            for i in self.installed
            if i.profile["charging_profile_id"] != profile["charging_profile_id"]
            and not (
                i.connector_id == connector_id
                and i.profile["stack_level"] == profile["stack_level"]
                and i.profile["charging_profile_purpose"] == purpose
            )
        ]
        if len(self.installed) >= MAX_PROFILES:
            return "Rejected"
        self.installed.append(Installed(connector_id, profile, tx))
        return "Accepted"

    def clear(
        self,
        profile_id: int | None,
        connector_id: int | None,
        purpose: str | None,
        stack_level: int | None,
    ) -> str:
        """ClearChargingProfile (5.5): Accepted if one matched, else Unknown."""

        def matches(i: Installed) -> bool:
            if profile_id is not None:
                return bool(i.profile["charging_profile_id"] == profile_id)
            return (
                (connector_id is None or i.connector_id == connector_id)
                and (purpose is None or i.profile["charging_profile_purpose"] == purpose)
                and (stack_level is None or i.profile["stack_level"] == stack_level)
            )

        kept = [i for i in self.installed if not matches(i)]
        removed = len(self.installed) - len(kept)
        self.installed = kept
        return "Accepted" if removed else "Unknown"

    def end_transaction(self, transaction: object) -> None:
        """A TxProfile ends with its transaction (3.13.1)."""
        self.installed = [i for i in self.installed if i.transaction is not transaction]

    def limit(
        self, connector_id: int, now: datetime, tx_start: datetime | None, tx: object | None
    ) -> float | None:
        """The current limit (A per phase) in force on the connector, None for none."""

        def best(purpose: str, connectors: tuple[int, ...]) -> float | None:
            found = [
                (i.profile["stack_level"], i.connector_id == connector_id, value)
                for i in self.installed
                if i.connector_id in connectors
                and i.profile["charging_profile_purpose"] == purpose
                and (purpose != "TxProfile" or i.transaction is tx)
                and (value := amps_at(i.profile, now, tx_start)) is not None
            ]
            return max(found)[2] if found else None

        own = None
        if tx is not None:
            own = best("TxProfile", (connector_id,))
        if own is None:
            own = best("TxDefaultProfile", (connector_id, 0))
        cap = best("ChargePointMaxProfile", (0,))
        limits = [x for x in (own, cap) if x is not None]
        return min(limits) if limits else None

    def composite(
        self, connector_id: int, now: datetime, duration: int, tx_start: datetime | None, tx: object
    ) -> list[dict[str, Any]]:
        """GetCompositeSchedule (5.7): the limit at every moment one may change, merged."""
        start = tx_start
        moments = {0}
        for i in self.installed:
            begin = schedule_start(i.profile, now, start)
            if begin is None:
                continue
            for period in i.profile["charging_schedule"]["charging_schedule_period"]:
                offset = math.ceil((begin - now).total_seconds() + period["start_period"])
                if 0 < offset < duration:
                    moments.add(offset)
        periods: list[dict[str, Any]] = []
        for offset in sorted(moments):
            value = self.limit(connector_id, now + timedelta(seconds=offset), start, tx)
            amps = value if value is not None else 32.0
            if not periods or periods[-1]["limit"] != amps:
                periods.append({"start_period": offset, "limit": amps})
        return periods


def schedule_start(profile: Profile, now: datetime, tx_start: datetime | None) -> datetime | None:
    """When the profile's schedule begins, for the occurrence in force at ``now``."""
    schedule = profile["charging_schedule"]
    kind = profile["charging_profile_kind"]
    if kind == "Relative":
        return tx_start or now
    begin = parse_time(schedule.get("start_schedule")) or parse_time(profile.get("valid_from"))
    if begin is None:
        return now
    if kind == "Recurring":
        period = timedelta(days=7 if profile.get("recurrency_kind") == "Weekly" else 1)
        while begin + period <= now:
            begin += period
    return begin


def amps_at(profile: Profile, now: datetime, tx_start: datetime | None) -> float | None:
    """The profile's limit at ``now`` in A per phase, None when it is not in force."""
    valid_from, valid_to = (
        parse_time(profile.get("valid_from")),
        parse_time(profile.get("valid_to")),
    )
    if (valid_from and now < valid_from) or (valid_to and now >= valid_to):
        return None
    begin = schedule_start(profile, now, tx_start)
    schedule = profile["charging_schedule"]
    elapsed = (now - begin).total_seconds() if begin else 0.0
    duration = schedule.get("duration")
    if elapsed < 0 or (duration is not None and elapsed >= duration):
        return None
    periods = [p for p in schedule["charging_schedule_period"] if p["start_period"] <= elapsed]
    if not periods:
        return None
    period = max(periods, key=lambda p: p["start_period"])
    limit = float(period["limit"])
    if schedule["charging_rate_unit"] == "W":
        phases = period.get("number_phases") or PHASES
        limit /= NOMINAL_VOLTAGE * phases
    return limit
