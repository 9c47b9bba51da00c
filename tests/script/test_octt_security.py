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
# On a plain ws:// run with no second wss:// endpoint: what the bench cannot reach, and the
# option that would.
NOT_ON_PLAIN = {
    "TC_074_CS": "chargecheck run --secure-port, or --tls with --client-ca, reaches it",
    "TC_086_CS": "chargecheck run --secure-port, or --tls, reaches it",
    "TC_087_CS": "chargecheck run --secure-port, or --tls with --client-ca, reaches it",
}


async def over_tls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ids: Sequence[str], secure: bool
) -> dict[str, Verdict]:
    """``run_cases`` over wss:// with a password (``chargecheck demo --tls``: profile 2);
    ``secure``: with the second endpoint too."""
    cases = [
        Case(n, CATALOGUE[i].title, CATALOGUE[i].criteria, CATALOGUE[i].run, i)
        for n, i in enumerate(ids, 1)
    ]
    monkeypatch.setattr(run_module, "pack_cases", lambda pack: cases)
    summary = await demo.run_demo(
        tmp_path / "out",
        Console(file=io.StringIO(), width=200),
        settings=FAST,
        tls=True,
        secure=secure,
    )
    assert not summary.bench_errors, summary.bench_errors
    return {v.id: v for v in summary.verdicts}


def failed_on(verdict: Verdict, criterion: str) -> None:
    """The verdict FAILs, ``criterion`` among the criteria that failed."""
    assert verdict.outcome is Outcome.FAIL, (verdict.id, verdict.result, not_passed(verdict))
    failed = [c.name for c in verdict.criteria if c.outcome is Outcome.FAIL]
    assert any(criterion in name for name in failed), (verdict.id, failed)


async def test_the_healthy_simulator_passes_all_15_with_the_second_endpoint(tmp_path, monkeypatch):
    """The demo's run (ws:// and a second wss:// endpoint): every case PASSes; the station
    is raised 0 -> 1 (TC_073), 1 -> 3 (TC_074, with its new certificate), set to 2 by the
    operator's step and raised to 3 (TC_083), set to 2 again (TC_085)."""
    verdicts = await run_cases(tmp_path, monkeypatch, SECURITY)
    assert list(verdicts) == SECURITY
    assert len(list((tmp_path / "out" / "pki").glob("run-*/ca.pem"))) == 1  # the run's CA
    passed_with_evidence(*verdicts.values())
    client = [c for c in verdicts["TC_074_CS"].criteria if "new certificate" in c.name]
    assert client and "CN=ALFEN-NG920-DEMO" in client[-1].detail, client
    upgraded = [c for c in verdicts["TC_083_CS"].criteria if "reconnects on" in c.name]
    assert upgraded and "client certificate CN=ALFEN-NG920-DEMO" in upgraded[0].detail, upgraded


async def test_nobody_at_the_station_leaves_only_the_lowering_not_tested(tmp_path, monkeypatch):
    """With no operator the station cannot be set to a lower profile: TC_083 and TC_085
    (it is on 3 from TC_074 on) name the step."""
    verdicts = await run_cases(tmp_path, monkeypatch, SECURITY, nobody=True)
    lowered = {i for i, v in verdicts.items() if v.outcome is Outcome.NOT_TESTED}
    assert lowered == {"TC_083_CS", "TC_085_CS"}, {i: not_passed(verdicts[i]) for i in lowered}
    for i in lowered:
        not_tested_because(verdicts[i], "the operator's step was not done")
    passed_with_evidence(*(v for i, v in verdicts.items() if i not in lowered))


async def test_a_plain_run_without_the_second_endpoint_names_the_option(tmp_path, monkeypatch):
    verdicts = await run_cases(tmp_path, monkeypatch, SECURITY, secure=False)
    passed_with_evidence(*(v for i, v in verdicts.items() if i not in NOT_ON_PLAIN))
    for i, reason in NOT_ON_PLAIN.items():
        not_tested_because(verdicts[i], reason)
    # TC_074_CS judged all but the reconnection with the new certificate.
    judged = [c for c in verdicts["TC_074_CS"].criteria if c.outcome is Outcome.PASS]
    assert len(judged) == 4, not_passed(verdicts["TC_074_CS"])
    # TC_083_CS: the station (on 1 after TC_073) set to 0 by the operator, raised to 1.
    upgraded = [c for c in verdicts["TC_083_CS"].criteria if "reconnects on" in c.name]
    assert upgraded and upgraded[0].detail == "plain ws://, valid Basic Auth", upgraded


@pytest.mark.parametrize("secure", [False, True], ids=["tls-only", "with-second-endpoint"])
async def test_over_tls_with_a_password_the_profile_cases_pass(tmp_path, monkeypatch, secure):
    ids = ["TC_073_CS", "TC_083_CS", "TC_084_CS", "TC_085_CS", "TC_086_CS", "TC_087_CS"]
    verdicts = await over_tls(tmp_path, monkeypatch, ids, secure)
    if secure:
        passed_with_evidence(*verdicts.values())
        return
    # The run's port is wss:// asking for no client certificate: no profile below 2 and no 3.
    passed_with_evidence(*(verdicts[i] for i in ids if i not in ("TC_083_CS", "TC_087_CS")))
    not_tested_because(verdicts["TC_083_CS"], "--secure-port beside ws:// reaches it")
    not_tested_because(verdicts["TC_087_CS"], "--tls with --client-ca, reaches it")


DEFECT_CASES = [
    (
        "csr_wrong_common_name",
        ["TC_074_CS"],
        "TC_074_CS",
        "the CSR meets the certificate properties",
    ),
    ("accepts_any_client_certificate", ["TC_077_CS"], "TC_077_CS", "invalid chain is Rejected"),
    ("no_security_events", ["TC_075_1_CS", "TC_080_CS"], "TC_080_CS", "FirmwareUpdated"),
    ("accepts_invalid_root", ["TC_078_CS"], "TC_078_CS", "expired root is Rejected"),
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


async def test_a_station_that_keeps_its_old_connection_after_a_raise_fails_tc_083(
    tmp_path, monkeypatch
):
    """Accepting SecurityProfile 3 and then connecting without a client certificate breaks
    A05 (it SHALL connect using the new profile): TC_083 FAILs on it, citing it. (The
    station: the simulator whose profile-3 connection leaves its certificate out.)"""
    import chargecheck.sim.tls as tls

    secured_connection = tls.secured_connection

    def without_certificate(model, url, tls, secure_url, cert_file):  # type: ignore[no-untyped-def]
        chain = model.client_chain
        model.store.put("security:chain", None)
        try:
            return secured_connection(model, url, tls, secure_url, cert_file)
        finally:
            model.store.put("security:chain", chain)

    monkeypatch.setattr(tls, "secured_connection", without_certificate)
    verdicts = await run_cases(tmp_path, monkeypatch, ["TC_074_CS", "TC_083_CS"])
    failed_on(verdicts["TC_083_CS"], "reconnects on SecurityProfile 3")
    assert "SHALL connect using SecurityProfile 3" in verdicts["TC_083_CS"].result
    # TC_074's own judging rests on the connection it could not reach: NOT TESTED, not FAIL.
    assert verdicts["TC_074_CS"].outcome is Outcome.NOT_TESTED, not_passed(verdicts["TC_074_CS"])


async def test_certificate_events_only_logged_pass_from_the_security_log(tmp_path, monkeypatch):
    """InvalidChargePointCertificate and InvalidCentralSystemCertificate are not critical
    (whitepaper A04): a station that only logs them PASSes, the bench finding them in the
    security log it uploads."""
    ids = ["TC_077_CS", "TC_078_CS"]
    verdicts = await run_cases(tmp_path, monkeypatch, ids, variants=["certificate_events_logged"])
    passed_with_evidence(*verdicts.values())
    for verdict in verdicts.values():
        (event,) = [c for c in verdict.criteria if c.name.startswith("the security event")]
        assert "not sent" in event.detail and "in the security log" in event.detail, event


async def test_an_event_neither_sent_nor_named_in_the_log_is_not_tested(tmp_path, monkeypatch):
    """A log whose format names the event otherwise proves nothing missing: NOT TESTED."""
    from chargecheck.sim.security import Security

    monkeypatch.setattr(Security, "security_log_file", lambda self: b"vendor format\n")
    verdicts = await run_cases(
        tmp_path, monkeypatch, ["TC_078_CS"], variants=["certificate_events_logged"]
    )
    not_tested_because(verdicts["TC_078_CS"], "nor found by its name in the security log")
    assert not any(c.outcome is Outcome.FAIL for c in verdicts["TC_078_CS"].criteria)


async def test_a_signed_update_without_installing_passes(tmp_path, monkeypatch):
    verdicts = await run_cases(
        tmp_path, monkeypatch, ["TC_080_CS"], variants=["signed_update_no_installing"]
    )
    passed_with_evidence(verdicts["TC_080_CS"])
    assert "Installing" not in verdicts["TC_080_CS"].result


async def test_the_reports_list_every_security_event_the_station_sent(tmp_path, monkeypatch):
    """The bench reports every SecurityEventNotification (the issue's "journals and
    reports every security event"): the JSON report lists each with its frame's entry,
    the Markdown header counts them by type."""
    import json

    from chargecheck.clock import Clock
    from chargecheck.journal import Journal

    cases = [Case(1, CATALOGUE["TC_081_CS"].title, "", CATALOGUE["TC_081_CS"].run, "TC_081_CS")]
    monkeypatch.setattr(run_module, "pack_cases", lambda pack: cases)
    summary = await demo.run_demo(
        tmp_path / "out", Console(file=io.StringIO(), width=200), settings=FAST
    )
    report = json.loads(summary.reports["json"].read_text(encoding="utf-8"))
    events = report["security"]["security_events"]
    assert {"StartupOfTheDevice", "InvalidFirmwareSignature"} <= {e["type"] for e in events}
    clock = Clock()
    journal = Journal(tmp_path / "out" / "journal.sqlite", clock.utc_text, clock.mono)
    try:
        sent = [
            e.id
            for e in journal.entries(summary.run_id)
            if e.kind == "frame_in" and '"SecurityEventNotification"' in (e.raw or "")
        ]
    finally:
        journal.close()
    assert [e["entry"] for e in events] == sent
    markdown = summary.reports["md"].read_text(encoding="utf-8")
    assert "Security Events" in markdown and "InvalidFirmwareSignature" in markdown
