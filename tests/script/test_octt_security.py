"""The 15 security cases of OCTT section 2.24 (``catalogue.security``,
``security_profiles``, ``security_files``; the OCPP 1.6 security whitepaper) against the
simulator over loopback: each PASSes or is NOT TESTED with its reason, each security
defect of the simulator FAILs its case, and a station that does not implement the
extension (no SecurityProfile key) is NOT TESTED on all 15, never FAIL."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pytest
from rich.console import Console

import chargecheck.demo as demo
import chargecheck.run as run_module
from chargecheck.script.catalogue import CATALOGUE
from chargecheck.script.catalogue.octt import OFFICIAL
from chargecheck.script.runner import Case
from chargecheck.script.verdict import Outcome, Verdict
from tests.script.catalogue_run import (
    not_passed,
    not_tested_because,
    passed_with_evidence,
    run_cases,
    shipped_key,
)
from tests.script.conftest import FAST

SECURITY = [o.id for o in OFFICIAL if o.security]
# On a plain ws:// run (the demo's): what the bench cannot reach, and the option that would.
NOT_ON_PLAIN = {
    "TC_073_CS": "the run takes no password (chargecheck run --password)",
    "TC_074_CS": "a run with --tls and --client-ca and a station at profile 3",
    "TC_086_CS": "a plain ws:// run: chargecheck run --tls reaches it",
    "TC_087_CS": "chargecheck run --tls and --client-ca reaches it",
}


async def over_tls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ids: Sequence[str]
) -> dict[str, Verdict]:
    """``run_cases`` over wss:// with a password (``chargecheck demo --tls``: profile 2)."""
    cases = [
        Case(n, CATALOGUE[i].title, CATALOGUE[i].criteria, CATALOGUE[i].run, i)
        for n, i in enumerate(ids, 1)
    ]
    monkeypatch.setattr(run_module, "pack_cases", lambda pack: cases)
    summary = await demo.run_demo(
        tmp_path / "out", Console(file=io.StringIO(), width=200), settings=FAST, tls=True
    )
    assert not summary.bench_errors, summary.bench_errors
    return {v.id: v for v in summary.verdicts}


def failed_on(verdict: Verdict, criterion: str) -> None:
    """The verdict FAILs, ``criterion`` among the criteria that failed."""
    assert verdict.outcome is Outcome.FAIL, (verdict.id, verdict.result, not_passed(verdict))
    failed = [c.name for c in verdict.criteria if c.outcome is Outcome.FAIL]
    assert any(criterion in name for name in failed), (verdict.id, failed)


async def test_the_healthy_simulator_passes_every_case_a_plain_run_reaches(tmp_path, monkeypatch):
    verdicts = await run_cases(tmp_path, monkeypatch, SECURITY)
    assert list(verdicts) == SECURITY
    assert len(list((tmp_path / "out" / "pki").glob("run-*/ca.pem"))) == 1  # the run's CA
    passed_with_evidence(*(v for i, v in verdicts.items() if i not in NOT_ON_PLAIN))
    for i, reason in NOT_ON_PLAIN.items():
        not_tested_because(verdicts[i], reason)
    # TC_074_CS judged all but the reconnection with the new certificate.
    judged = [c for c in verdicts["TC_074_CS"].criteria if c.outcome is Outcome.PASS]
    assert len(judged) == 4, not_passed(verdicts["TC_074_CS"])


async def test_over_tls_with_a_password_the_profile_cases_pass(tmp_path, monkeypatch):
    ids = ["TC_073_CS", "TC_083_CS", "TC_084_CS", "TC_085_CS", "TC_086_CS", "TC_087_CS"]
    verdicts = await over_tls(tmp_path, monkeypatch, ids)
    passed_with_evidence(
        verdicts["TC_073_CS"], verdicts["TC_084_CS"], verdicts["TC_085_CS"], verdicts["TC_086_CS"]
    )
    not_tested_because(verdicts["TC_083_CS"], "the bench cannot serve profile 3 in this run")
    not_tested_because(verdicts["TC_087_CS"], "chargecheck run --client-ca reaches it")


DEFECT_CASES = [
    (
        "csr_wrong_common_name",
        ["TC_074_CS"],
        "TC_074_CS",
        "the CSR meets the certificate properties",
    ),
    ("accepts_any_client_certificate", ["TC_077_CS"], "TC_077_CS", "invalid chain is Rejected"),
    ("no_security_events", ["TC_077_CS"], "TC_077_CS", "InvalidChargePointCertificate"),
    (
        "no_event_on_invalid_certificate",
        ["TC_078_CS"],
        "TC_078_CS",
        "InvalidCentralSystemCertificate",
    ),
    ("installed_ids_ignore_type", ["TC_075_1_CS"], "TC_075_1_CS", "does not list it"),
    ("delete_unknown_certificate_accepted", ["TC_076_CS"], "TC_076_CS", "again is NotFound"),
    ("security_profile_downgrade_accepted", ["TC_083_CS", "TC_084_CS"], "TC_084_CS", "is Rejected"),
    ("installs_invalid_signature", ["TC_081_CS"], "TC_081_CS", "InvalidSignature"),
    ("log_status_without_request_id", ["TC_079_CS"], "TC_079_CS", "LogStatusNotification"),
]


@pytest.mark.parametrize(
    ("defect", "ids", "case_id", "criterion"), DEFECT_CASES, ids=[d[0] for d in DEFECT_CASES]
)
async def test_each_security_defect_fails_its_case(
    tmp_path, monkeypatch, defect, ids, case_id, criterion
):
    verdicts = await run_cases(tmp_path, monkeypatch, ids, [defect])
    failed_on(verdicts[case_id], criterion)


async def test_a_station_without_the_extension_is_not_tested_on_every_case(tmp_path, monkeypatch):
    without = (shipped_key("SecurityProfile") + ",", "")
    verdicts = await run_cases(tmp_path, monkeypatch, SECURITY, edits=[without])
    assert list(verdicts) == SECURITY
    for verdict in verdicts.values():
        not_tested_because(verdict, "no SecurityProfile key")
        assert all(c.outcome is Outcome.NOT_TESTED for c in verdict.criteria), verdict.id
