"""The three-phase meter and the firmware image format, by plain calls."""

from __future__ import annotations

import pytest

from chargecheck.protocol.firmware_image import firmware_image
from chargecheck.sim.firmware import FirmwareFormatError, firmware_version
from chargecheck.sim.meter import Meter, amps_for_watts
from chargecheck.sim.station_clock import StationClock


def test_energy_integrates_power_over_time_and_never_decreases():
    meter = Meter()
    meter.set_current(32.0, 32.0, mono=0.0)
    meter.advance(3600.0)
    assert meter.register_wh == pytest.approx(22080, abs=1)  # 32 A x 690 V for an hour
    meter.set_current(0.0, 32.0, mono=3600.0)
    meter.advance(7200.0)
    meter.advance(7100.0)  # a time going backwards adds nothing
    assert meter.register_wh == pytest.approx(22080, abs=1)


def test_sampled_values_give_each_phase_and_the_total():
    meter = Meter(energy_wh=1234.9)
    meter.set_current(16.0, 32.0, mono=0.0)
    values = meter.sampled_values(
        ["Energy.Active.Import.Register", "Power.Active.Import", "Voltage", "SoC"], "Trigger"
    )
    by_key = {(v["measurand"], v.get("phase")): v for v in values}
    assert by_key[("Energy.Active.Import.Register", None)]["value"] == "1234"
    power = [float(by_key[("Power.Active.Import", p)]["value"]) for p in ("L1", "L2", "L3")]
    assert sum(power) == pytest.approx(float(by_key[("Power.Active.Import", None)]["value"]))
    assert {v["unit"] for v in values if v["measurand"] == "Voltage"} == {"V"}
    assert all(v["context"] == "Trigger" for v in values)
    assert not any(v["measurand"] == "SoC" for v in values)  # not modelled: left out


def test_a_watt_limit_and_an_ampere_limit_agree_at_230_volts():
    assert amps_for_watts(22080) == pytest.approx(32.0)


def test_a_firmware_image_carries_its_version_in_a_manifest():
    assert firmware_version(firmware_image("4.5.0-1", 20)) == "4.5.0-1"
    for junk in (b"", b"MZ\x90", b'{"version": "1"}\n', b'["4.5"]\n'):
        with pytest.raises(FirmwareFormatError):
            firmware_version(junk)


class FakeTime:
    """A base clock the test moves by hand (time is injected, never read)."""

    def __init__(self) -> None:
        from datetime import UTC, datetime

        self.t = 100.0
        self.start = datetime(2030, 1, 1, tzinfo=UTC)

    def mono(self) -> float:
        return self.t

    def utc(self):
        from datetime import timedelta

        return self.start + timedelta(seconds=self.t - 100.0)


def test_station_time_runs_time_scale_times_faster():
    base = FakeTime()
    clock = StationClock(base, time_scale=10)  # type: ignore[arg-type]
    base.t += 6.0
    assert clock.mono() == pytest.approx(60.0)
    assert (clock.utc() - base.start).total_seconds() == pytest.approx(60.0)
    assert clock.real_seconds(60.0) == pytest.approx(6.0)
    with pytest.raises(ValueError):
        StationClock(base, time_scale=0)  # type: ignore[arg-type]
