"""Charging profiles of the simulated station: OCPP 1.6 section 3.13 (Smart Charging),
SetChargingProfile (5.16), ClearChargingProfile (5.5) and GetCompositeSchedule (5.7).

Pure: no clock reads, no I/O; every moment is a parameter (timezone-aware, naive = UTC).

SetChargingProfile.req answers ``Rejected`` when the first of these holds (``check()``
names it), else ``Accepted``:

- the profile cannot be read: a field missing or of the wrong type, an unknown purpose,
  kind or unit, a negative stackLevel, limit or duration, numberPhases not 1-3,
  startPeriod values not rising, no period, an Absolute or Recurring schedule without
  startSchedule, a Recurring one without recurrencyKind Daily/Weekly, validFrom not
  before validTo;
- the connector does not exist;
- stackLevel above ChargeProfileMaxStackLevel; a chargingRateUnit not in
  ChargingScheduleAllowedChargingRateUnit; more periods than ChargingScheduleMaxPeriods;
- a ChargePointMaxProfile on a connector other than 0 (sections 3.13.1, 5.16);
- a TxProfile without a running transaction on the connector, or naming another
  transactionId (section 5.16: "not possible ... without presence of an active transaction");
- more than MaxChargingProfilesInstalled profiles once installed.

An accepted profile replaces any profile with the same chargingProfileId, and any profile
on the same connector with the same stackLevel and purpose (section 5.16).

Composite limit at a moment (sections 3.13.2 stacking, 3.13.3 combining purposes): for each
purpose the profile with the highest stackLevel that is in force wins. In force means
validFrom <= t < validTo and the schedule covers t: at or after its start and its first
startPeriod, before its start + duration. A TxProfile of the running transaction overrides
the TxDefaultProfiles; the connector's own TxDefaultProfile overrides one installed on
connector 0, which otherwise applies to every connector. The ChargePointMaxProfile caps the
result (minimum), applied per connector as this station model has no shared supply model.
For connector 0 only the ChargePointMaxProfile counts.

Schedule start: Absolute at startSchedule; Recurring at startSchedule plus whole days or
weeks; Relative at the transaction start (any startSchedule ignored) or, with no
transaction, at the moment asked ("as if a transaction started now").

Amperes and watts: W = A x voltage x phases, where phases is the smaller of the period's
numberPhases (3 if absent, section 7.14) and the phases the vehicle draws (``phases``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from chargecheck.clock import utc_iso
from chargecheck.protocol.errors import ChargecheckError

FORMAT = 1
CHARGE_POINT_MAX = "ChargePointMaxProfile"
TX_DEFAULT = "TxDefaultProfile"
TX = "TxProfile"
PURPOSES = (CHARGE_POINT_MAX, TX_DEFAULT, TX)
KINDS = ("Absolute", "Recurring", "Relative")
RECURRENCES = {"Daily": timedelta(days=1), "Weekly": timedelta(weeks=1)}
# chargingRateUnit -> its name in ChargingScheduleAllowedChargingRateUnit (section 9.4)
UNIT_NAMES = {"A": "Current", "W": "Power"}
DEFAULT_PHASES = 3  # section 7.14: "numberPhases=3 will be assumed unless another number"


class ChargingProfileError(ChargecheckError):
    """Saved charging profiles (``from_dict``) cannot be restored: the simulator's fault."""


class _Malformed(Exception):
    """A csChargingProfiles the station cannot read (answered Rejected)."""


@dataclass(frozen=True)
class Period:
    start: int  # seconds from the start of the schedule
    limit: float
    phases: int | None

    def watts(self, unit: str, voltage: float, phases: int) -> float:
        return self.limit if unit == "W" else self.limit * voltage * self.used_phases(phases)

    def used_phases(self, phases: int) -> int:
        return min(phases, self.phases or DEFAULT_PHASES)


@dataclass(frozen=True)
class Installed:
    """One installed profile, read from its csChargingProfiles."""

    connector_id: int
    profile_id: int
    stack_level: int
    purpose: str
    kind: str
    recurrency: timedelta | None
    valid_from: datetime | None
    valid_to: datetime | None
    start_schedule: datetime | None
    duration: int | None
    unit: str
    periods: tuple[Period, ...]
    transaction_id: int | None  # the transaction a TxProfile belongs to
    raw: Mapping[str, Any]

    def period_at(self, t: datetime, anchor: datetime) -> Period | None:
        """The period in force at ``t`` (None: not in force); ``anchor`` starts a
        Relative schedule."""
        if self.valid_from is not None and t < self.valid_from:
            return None
        if self.valid_to is not None and t >= self.valid_to:
            return None
        start = self._occurrence(t, anchor)
        if start is None or t < start:
            return None
        offset = (t - start).total_seconds()
        if self.duration is not None and offset >= self.duration:
            return None
        current = None
        for period in self.periods:
            if period.start > offset:
                break
            current = period
        return current

    def boundaries(self, start: datetime, end: datetime, anchor: datetime) -> Iterator[datetime]:
        """Every moment in [start, end) where this profile's limit may change."""
        yield from (moment for moment in (self.valid_from, self.valid_to) if moment is not None)
        for occurrence in self._occurrences(start, end, anchor):
            yield from (occurrence + timedelta(seconds=p.start) for p in self.periods)
            if self.duration is not None:
                yield occurrence + timedelta(seconds=self.duration)

    def _occurrence(self, t: datetime, anchor: datetime) -> datetime | None:
        if self.kind == "Relative":
            return anchor
        assert self.start_schedule is not None  # _parse requires it
        if self.recurrency is None or t < self.start_schedule:
            return self.start_schedule
        return (
            self.start_schedule + ((t - self.start_schedule) // self.recurrency) * self.recurrency
        )

    def _occurrences(self, start: datetime, end: datetime, anchor: datetime) -> Iterator[datetime]:
        first = self._occurrence(start, anchor)
        assert first is not None
        if self.recurrency is None:
            yield first
            return
        while first < end:
            yield first
            first += self.recurrency


class ChargingProfiles:
    """The charging-profile stack of one station (ChargingProfiles on connectors 0..N)."""

    def __init__(
        self,
        connectors: int,
        max_stack_level: int,
        allowed_units: list[str],
        max_periods: int,
        max_installed: int,
    ) -> None:
        self.connectors = connectors
        self.max_stack_level = max_stack_level
        self.allowed_units = list(allowed_units)
        self.max_periods = max_periods
        self.max_installed = max_installed
        self._installed: list[Installed] = []

    # --- SetChargingProfile / ClearChargingProfile / end of transaction ---

    def set(self, connector_id: int, profile: dict[str, Any], transaction_id: int | None) -> str:
        """SetChargingProfile.conf status (section 5.16); ``transaction_id`` is the
        transaction running on the connector, if any."""
        installed, reason = self._decide(connector_id, profile, transaction_id)
        if reason is not None or installed is None:
            return "Rejected"
        self._installed = self._after_set(installed)
        return "Accepted"

    def check(
        self, connector_id: int, profile: dict[str, Any], transaction_id: int | None
    ) -> str | None:
        """Why ``set`` would answer Rejected, or None if it would accept."""
        return self._decide(connector_id, profile, transaction_id)[1]

    def clear(
        self,
        id: int | None,  # noqa: A002 - the field's OCPP name (ClearChargingProfile.req)
        connector_id: int | None,
        purpose: str | None,
        stack_level: int | None,
    ) -> str:
        """ClearChargingProfile.conf status (section 5.5): Accepted if any profile was
        removed, Unknown if none matched. A given ``id`` selects that profile alone (the
        other fields are ignored); otherwise the given fields filter, none = all."""

        def matches(p: Installed) -> bool:
            if id is not None:
                return p.profile_id == id
            wanted: tuple[tuple[object, object], ...] = (
                (connector_id, p.connector_id),
                (purpose, p.purpose),
                (stack_level, p.stack_level),
            )
            return all(field is None or field == value for field, value in wanted)

        kept = [p for p in self._installed if not matches(p)]
        if len(kept) == len(self._installed):
            return "Unknown"
        self._installed = kept
        return "Accepted"

    def transaction_ended(self, connector_id: int) -> None:
        """Remove the connector's TxProfiles: they live as long as their transaction
        (section 3.13.1, TxProfile)."""
        self._installed = [
            p for p in self._installed if not (p.purpose == TX and p.connector_id == connector_id)
        ]

    def installed(self) -> list[tuple[int, dict[str, Any]]]:
        """(connector_id, csChargingProfiles) of every installed profile."""
        return [(p.connector_id, copy.deepcopy(dict(p.raw))) for p in self._installed]

    # --- limits ---

    def limit_w(
        self,
        connector_id: int,
        now: datetime,
        tx_start: datetime | None,
        transaction_id: int | None,
        voltage: float,
        phases: int,
    ) -> float | None:
        """The composite power limit in W at ``now``; None = no profile limits it."""
        now = _aware(now)
        anchor = _aware(tx_start) if tx_start is not None else now
        return self._limit(connector_id, now, anchor, transaction_id, "W", voltage, phases)

    def composite_schedule(
        self,
        connector_id: int,
        duration: int,
        unit: str | None,
        now: datetime,
        tx_start: datetime | None,
        transaction_id: int | None,
        voltage: float,
        phases: int,
    ) -> dict[str, Any] | None:
        """GetCompositeSchedule.conf chargingSchedule over [now, now + duration)
        (section 5.7), or None when no profile limits the connector in that time.

        ``unit`` None reports in A if every profile that may apply is in A, else in W.
        A stretch with no limit cannot be written as a period: before the first limit it
        delays the first startPeriod; after a limit it ends the schedule (``duration`` is
        shortened to it).
        """
        now = _aware(now)
        anchor = _aware(tx_start) if tx_start is not None else now
        end = now + timedelta(seconds=max(duration, 0))
        applicable = self._applicable(connector_id, transaction_id)
        if not applicable:
            return None
        unit = unit or ("A" if all(p.unit == "A" for p in applicable) else "W")
        moments = {now} | {
            moment
            for p in applicable
            for moment in p.boundaries(now, end, anchor)
            if now < moment < end
        }
        limits: dict[int, float | None] = {}
        for moment in sorted(moments):
            limit = self._limit(connector_id, moment, anchor, transaction_id, unit, voltage, phases)
            limits[math.ceil((moment - now).total_seconds())] = (
                None if limit is None else round(limit, 1)
            )
        periods: list[dict[str, Any]] = []
        for offset, limit in limits.items():
            if limit is None and periods:
                duration = offset
                break
            if limit is not None and (not periods or periods[-1]["limit"] != limit):
                periods.append({"startPeriod": offset, "limit": limit})
        if not periods:
            return None
        return {
            "startSchedule": utc_iso(now),
            "duration": max(duration, 0),
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": periods,
        }

    # --- persistence ---

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "connectors": self.connectors,
            "max_stack_level": self.max_stack_level,
            "allowed_units": list(self.allowed_units),
            "max_periods": self.max_periods,
            "max_installed": self.max_installed,
            "installed": [
                {
                    "connector_id": p.connector_id,
                    "transaction_id": p.transaction_id,
                    "profile": copy.deepcopy(dict(p.raw)),
                }
                for p in self._installed
            ],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ChargingProfiles:
        """Rebuild from ``to_dict()`` output, without re-applying the SetChargingProfile
        rules (a TxProfile is restored though its transaction is not running here)."""
        if d.get("format", FORMAT) != FORMAT:
            raise ChargingProfileError(f"unknown format {d.get('format')!r} of saved profiles")
        try:
            profiles = cls(
                d["connectors"],
                d["max_stack_level"],
                d["allowed_units"],
                d["max_periods"],
                d["max_installed"],
            )
            for saved in d["installed"]:
                profiles._installed.append(
                    _parse(saved["connector_id"], saved["profile"], saved["transaction_id"])
                )
        except (KeyError, TypeError, _Malformed) as exc:
            raise ChargingProfileError(f"saved profiles cannot be restored: {exc!r}") from None
        return profiles

    # --- internals ---

    def _decide(
        self, connector_id: int, profile: Mapping[str, Any], transaction_id: int | None
    ) -> tuple[Installed | None, str | None]:
        try:
            p = _parse(connector_id, profile, transaction_id)
        except _Malformed as exc:
            return None, str(exc)
        rules = (
            (not 0 <= connector_id <= self.connectors, "the connector does not exist"),
            (
                p.stack_level > self.max_stack_level,
                f"stackLevel {p.stack_level} > ChargeProfileMaxStackLevel {self.max_stack_level}",
            ),
            (
                UNIT_NAMES[p.unit] not in self.allowed_units,
                f"chargingRateUnit {p.unit} is not allowed (allowed: {self.allowed_units})",
            ),
            (
                len(p.periods) > self.max_periods,
                f"{len(p.periods)} periods > ChargingScheduleMaxPeriods {self.max_periods}",
            ),
            (
                p.purpose == CHARGE_POINT_MAX and connector_id != 0,
                "a ChargePointMaxProfile goes on connector 0 only",
            ),
            (p.purpose == TX and transaction_id is None, "a TxProfile needs a transaction"),
            (
                p.purpose == TX and p.transaction_id != transaction_id,
                f"transactionId {p.transaction_id} is not the running one ({transaction_id})",
            ),
            (
                len(self._after_set(p)) > self.max_installed,
                f"MaxChargingProfilesInstalled {self.max_installed} reached",
            ),
        )
        for failed, reason in rules:
            if failed:
                return None, f"connector {connector_id}: {reason}"
        return p, None

    def _after_set(self, new: Installed) -> list[Installed]:
        slot = (new.connector_id, new.stack_level, new.purpose)
        return [
            old
            for old in self._installed
            if old.profile_id != new.profile_id
            and (old.connector_id, old.stack_level, old.purpose) != slot
        ] + [new]

    def _applicable(self, connector_id: int, transaction_id: int | None) -> list[Installed]:
        """The profiles that may limit the connector at some moment."""

        def applies(p: Installed) -> bool:
            if p.purpose == CHARGE_POINT_MAX:
                return True
            if connector_id == 0:
                return False
            if p.purpose == TX:
                return p.connector_id == connector_id and p.transaction_id == transaction_id
            return p.connector_id in (0, connector_id)

        return [p for p in self._installed if applies(p)]

    def _limit(
        self,
        connector_id: int,
        t: datetime,
        anchor: datetime,
        transaction_id: int | None,
        unit: str,
        voltage: float,
        phases: int,
    ) -> float | None:
        parts = self._governing(connector_id, t, anchor, transaction_id)
        if not parts:
            return None
        return min(_in_unit(p.unit, period, unit, voltage, phases) for p, period in parts)

    def _governing(
        self, connector_id: int, t: datetime, anchor: datetime, transaction_id: int | None
    ) -> list[tuple[Installed, Period]]:
        """The winning (profile, period) of each kind of limit in force at ``t``."""

        def top(purpose: str, connector: int) -> tuple[Installed, Period] | None:
            best: tuple[Installed, Period] | None = None
            for p in self._installed:
                if p.purpose != purpose or p.connector_id != connector:
                    continue
                if purpose == TX and p.transaction_id != transaction_id:
                    continue
                period = p.period_at(t, anchor)
                if period is not None and (best is None or p.stack_level > best[0].stack_level):
                    best = (p, period)
            return best

        parts = [top(CHARGE_POINT_MAX, 0)]
        if connector_id != 0:
            parts.append(
                top(TX, connector_id) or top(TX_DEFAULT, connector_id) or top(TX_DEFAULT, 0)
            )
        return [part for part in parts if part is not None]


def _in_unit(unit: str, period: Period, wanted: str, voltage: float, phases: int) -> float:
    watts = period.watts(unit, voltage, phases)
    return watts if wanted == "W" else watts / (voltage * period.used_phases(phases))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _moment(text: Any) -> datetime | None:
    return None if text is None else _aware(datetime.fromisoformat(text))


def _parse(connector_id: int, raw: Mapping[str, Any], transaction_id: int | None) -> Installed:
    """Read a csChargingProfiles (section 7.8); raise ``_Malformed`` naming the problem."""
    try:
        schedule = raw["chargingSchedule"]
        purpose = raw["chargingProfilePurpose"]
        p = Installed(
            connector_id=connector_id,
            profile_id=int(raw["chargingProfileId"]),
            stack_level=int(raw["stackLevel"]),
            purpose=purpose,
            kind=raw["chargingProfileKind"],
            recurrency=RECURRENCES.get(raw.get("recurrencyKind", "")),
            valid_from=_moment(raw.get("validFrom")),
            valid_to=_moment(raw.get("validTo")),
            start_schedule=_moment(schedule.get("startSchedule")),
            duration=None if schedule.get("duration") is None else int(schedule["duration"]),
            unit=schedule["chargingRateUnit"],
            periods=tuple(
                Period(
                    int(period["startPeriod"]),
                    float(period["limit"]),
                    None if period.get("numberPhases") is None else int(period["numberPhases"]),
                )
                for period in schedule["chargingSchedulePeriod"]
            ),
            transaction_id=raw.get("transactionId", transaction_id) if purpose == TX else None,
            raw=copy.deepcopy(dict(raw)),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _Malformed(f"csChargingProfiles is malformed ({type(exc).__name__}: {exc})") from None
    problems = (
        (p.purpose not in PURPOSES, f"chargingProfilePurpose {p.purpose!r} is unknown"),
        (p.kind not in KINDS, f"chargingProfileKind {p.kind!r} is unknown"),
        (p.unit not in UNIT_NAMES, f"chargingRateUnit {p.unit!r} is unknown"),
        (p.stack_level < 0, "stackLevel is negative"),
        (p.kind != "Relative" and p.start_schedule is None, f"{p.kind} needs startSchedule"),
        (p.kind == "Recurring" and p.recurrency is None, "Recurring needs recurrencyKind"),
        (not p.periods, "chargingSchedulePeriod is empty"),
        (any(b.start <= a.start for a, b in pairwise(p.periods)), "startPeriod must rise"),
        (any(x.start < 0 or x.limit < 0 for x in p.periods), "negative startPeriod or limit"),
        (any(x.phases not in (None, 1, 2, 3) for x in p.periods), "numberPhases must be 1-3"),
        (p.duration is not None and p.duration < 0, "duration is negative"),
        (
            p.valid_from is not None and p.valid_to is not None and p.valid_from >= p.valid_to,
            "validFrom is not before validTo",
        ),
    )
    for failed, reason in problems:
        if failed:
            raise _Malformed(reason)
    return p
