"""Switchable defects of the OCPP 2.0.1 simulated station: deliberate misbehaviour, so
that a 2.0.1 bench can prove each of its checks can FAIL.

A defect is switched on by name (``Station201Settings(defects={...})``); the model checks
``name in self.defects`` at the one place the defect bends its behaviour.

==================================  ===========================================================
name                                what the station does wrong
==================================  ===========================================================
``seq_no_gap``                      the seqNo of a transaction's TransactionEvents skips one
                                    (0, 2, 3, ...: the second message gets 2)
``no_status_on_plug``               plugging a cable in sends no StatusNotification (the
                                    connector is Occupied all the same)
``get_variables_ignores_unknown``   GetVariables answers Accepted (with an empty value) for a
                                    component or variable the station does not have
``set_read_only_accepted``          SetVariables of a ReadOnly variable answered Accepted
                                    (the value does not change)
``boot_ignores_pending``            while its BootNotification is Pending it sends
                                    StatusNotification, Heartbeat and TransactionEvent all
                                    the same (against B02.FR.02)
``offline_flag_missing``            TransactionEvents of events that happened offline are
                                    sent without offline=true (against E04.FR.03)
==================================  ===========================================================
"""

from __future__ import annotations

from collections.abc import Iterable

DEFECTS_201: dict[str, str] = {
    "seq_no_gap": "the seqNo of a transaction's TransactionEvents skips one",
    "no_status_on_plug": "plugging a cable in sends no StatusNotification",
    "get_variables_ignores_unknown": "GetVariables answers Accepted for an unknown variable",
    "set_read_only_accepted": "SetVariables of a ReadOnly variable answered Accepted",
    "boot_ignores_pending": "sends other messages while its BootNotification is Pending",
    "offline_flag_missing": "TransactionEvents that happened offline lack offline=true",
}


def checked_defects_201(names: Iterable[str]) -> frozenset[str]:
    """``names`` as a set; a ``ValueError`` naming the known defects if one is not."""
    chosen = frozenset(names)
    unknown = sorted(chosen - DEFECTS_201.keys())
    if unknown:
        known = ", ".join(sorted(DEFECTS_201))
        raise ValueError(f"unknown 2.0.1 defect {unknown[0]!r} (known: {known})")
    return chosen
