"""The rule table and ``check``: every group's checks run over every station's trace, those
written for the OCPP version the station spoke (``Check.versions``).

``RULES`` lists every rule (id, severity, section, wording) in the order the groups
run; reports render it as the table of what the bench judges. Each group module
(``wire``, ``status``, ``transactions``, ``metering``, ``timing``, ``configuration``)
documents its own rules in its docstring.
"""

from __future__ import annotations

from collections.abc import Iterable

from chargecheck.conformance import (
    configuration,
    metering,
    status,
    status201,
    timing,
    transactions,
    transactions201,
    wire,
)
from chargecheck.conformance.findings import Check, Finding, Rule, Severity, finding_order
from chargecheck.conformance.settings import CheckSettings
from chargecheck.conformance.trace import build_traces
from chargecheck.journal.store import Entry

CHECKS: tuple[Check, ...] = (
    *wire.CHECKS,
    *status.CHECKS,
    *transactions.CHECKS,
    *metering.CHECKS,
    *timing.CHECKS,
    *configuration.CHECKS,
    *wire.CHECKS_201,
    *transactions201.CHECKS,
    *status201.CHECKS,
)

RULES: tuple[Rule, ...] = tuple(c.rule for c in CHECKS)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def check(entries: Iterable[Entry], settings: CheckSettings | None = None) -> list[Finding]:
    """Every finding over a run's journal entries, in journal order. Pure: no I/O."""
    settings = settings or CheckSettings()
    findings: list[Finding] = []
    for trace in build_traces(entries):
        for rule_check in CHECKS:
            if rule_check.applies_to(trace.version):
                findings.extend(rule_check.run(trace, settings))
    return sorted(findings, key=finding_order)


def fails_run(findings: Iterable[Finding], settings: CheckSettings | None = None) -> bool:
    """Whether the findings fail the run: in strict mode, any violation does."""
    settings = settings or CheckSettings()
    return settings.strict and any(f.severity is Severity.VIOLATION for f in findings)


def rules_table() -> list[dict[str, str]]:
    """``RULES`` as rows (id, severity, section, text) for a report to render."""
    return [rule.to_dict() for rule in RULES]
