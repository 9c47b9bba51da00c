"""Block B's migration to another network profile (``catalogue201.provisioning_network``,
OCPP 2.0.1 use cases B09 / B10) against the 2.0.1 simulator over loopback: the three
cases PASS on the healthy station, a station that keeps the URL it was started with
FAILs them (B10.FR.04), and the bench leaves the station on its old profile."""

from __future__ import annotations

from tests.script.catalogue201_run import run_pack201

CASES = ("TC_B_45_CS", "TC_B_46_CS", "TC_B_49_CS")


def _criteria(verdict) -> dict[str, str]:
    return {c.name: str(c.outcome) for c in verdict.criteria}


async def test_the_three_migrations_pass_against_the_simulator(tmp_path):
    verdicts = await run_pack201(tmp_path, CASES)
    assert list(verdicts) == list(CASES)
    for case, verdict in verdicts.items():
        assert str(verdict.outcome) == "PASS", (case, verdict.result, verdict.criteria)
        assert all(c.evidence for c in verdict.criteria), (case, verdict.criteria)
    assert "it boots over the new profile" in _criteria(verdicts["TC_B_45_CS"])
    assert "it boots over the old profile" in _criteria(verdicts["TC_B_46_CS"])
    fallback = _criteria(verdicts["TC_B_49_CS"])
    assert fallback["it boots over the old profile"] == "PASS"
    console = (tmp_path / "console.txt").read_text()
    assert console.count("clean-up: the station rebooted onto its profile of before") == 3
    for variable in ("NetworkProfileConnectionAttempts", "RetryBackOffRandomRange"):
        assert console.count(f"clean-up: OCPPCommCtrlr.{variable} put back to 3: Accepted") == 2


async def test_a_station_keeping_its_first_url_fails_each_migration(tmp_path):
    verdicts = await run_pack201(tmp_path, CASES, ("network_priority_ignored",))
    for case, verdict in verdicts.items():
        assert str(verdict.outcome) == "FAIL", (case, verdict.result)
        failed = [c for c in verdict.criteria if str(c.outcome) == "FAIL"]
        assert [c.name for c in failed] == [
            "after the reboot it connects over the first entry, the new profile, first"
        ], case
        assert "B10.FR.04" in failed[0].detail
