"""Protocol findings over a whole run's trace: pure checks of a station's OCPP 1.6 behaviour.

A station can pass every row of the acceptance script and still break OCPP 1.6 in ways
that hurt in the field. ``check(entries, settings)`` reads a run's journal entries (as
``Journal.entries(run_id)`` yields them) and returns ``Finding`` values, each naming its
rule, the spec section, what happened and the journal entries that prove it::

    findings = check(journal.entries(run_id), CheckSettings())
    store_findings(journal, run_id, findings)

The rules live in one module per group (``wire``, ``status``, ``transactions``,
``metering``, ``timing``, ``configuration``), each a table of ``Check(rule, function)``
documented in the module docstring; ``RULES`` gathers them for reports.
"""

from chargecheck.conformance.command import check_command, print_findings
from chargecheck.conformance.findings import (
    Check,
    Finding,
    Rule,
    Severity,
    group_by_severity,
    summarise,
)
from chargecheck.conformance.persist import load_findings, store_findings
from chargecheck.conformance.rules import RULES, RULES_BY_ID, check, fails_run, rules_table
from chargecheck.conformance.settings import CheckSettings

__all__ = [
    "RULES",
    "RULES_BY_ID",
    "Check",
    "CheckSettings",
    "Finding",
    "Rule",
    "Severity",
    "check",
    "check_command",
    "fails_run",
    "group_by_severity",
    "load_findings",
    "print_findings",
    "rules_table",
    "store_findings",
    "summarise",
]
