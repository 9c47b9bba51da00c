"""Transaction rules of OCPP 2.0.1: the TransactionEvents of each transaction, judged by
their seqNo (OCPP 2.0.1 part 2, block E, and the TransactionEventRequest message).

| rule | severity | what it demands |
|---|---|---|
| tx201.first_and_last | violation | first event (by seqNo) Started, last Ended, one of each |
| tx201.seq_no_gap | violation | between Started and Ended every seqNo arrived |
| tx201.seq_no_gap_offline | warning | the same, in a transaction with events sent offline |
| tx201.seq_no_reused | violation | two different events of a transaction do not share a seqNo |
| tx201.resent_after_answer | warning | an event the bench answered is not sent again |

Events may arrive out of order (a queue sent after an outage); the seqNo gives their
order (E01.FR.07 and the seqNo rules: the station adds 1 for every TransactionEvent it
sends). A transaction whose Ended has not arrived is judged on what arrived only: no gap
is counted before its end. A station that was offline MAY drop intermediate Updated events
under memory pressure (E11.FR.04, E12.FR.04): a gap in a transaction with events flagged
offline is a warning. A resent event (the same seqNo after a CALLERROR or no answer,
E13) is the same event, not a reuse; one the bench had answered is a warning (its answer
may have been lost with the connection).
"""

from __future__ import annotations

from collections.abc import Iterator

from chargecheck.conformance.findings import Check, Finding, Rule, Severity
from chargecheck.conformance.settings import CheckSettings
from chargecheck.conformance.trace import Exchange, StationTrace
from chargecheck.protocol.frames import CallResult

V, W = Severity.VIOLATION, Severity.WARNING
VERSIONS = frozenset({"2.0.1"})

FIRST_AND_LAST = Rule(
    "tx201.first_and_last",
    V,
    "OCPP 2.0.1 part 2, TransactionEventRequest eventType; E01, E06",
    "The first TransactionEvent of a transaction is Started and the last Ended, one of each; "
    "the others are Updated",
)
SEQ_NO_GAP = Rule(
    "tx201.seq_no_gap",
    V,
    "OCPP 2.0.1 part 2, E01.FR.07 (seqNo)",
    "Every seqNo between a transaction's Started and its Ended arrives: the station adds 1 "
    "for every TransactionEvent it sends",
)
SEQ_NO_GAP_OFFLINE = Rule(
    "tx201.seq_no_gap_offline",
    W,
    "OCPP 2.0.1 part 2, E01.FR.07; E11.FR.04, E12.FR.04 (MAY drop Updated events offline)",
    "A seqNo missing from a transaction that was (partly) offline: an Updated event dropped "
    "for memory, which the station may do, or one lost",
)
RESENT = Rule(
    "tx201.resent_after_answer",
    W,
    "OCPP 2.0.1 part 2, E13 (a transaction message is resent only when not accepted)",
    "A TransactionEvent the bench answered is not sent again (the answer may have been lost "
    "with the connection: a warning)",
)
SEQ_NO_REUSED = Rule(
    "tx201.seq_no_reused",
    V,
    "OCPP 2.0.1 part 2, E01.FR.07 (seqNo)",
    "Two different TransactionEvents of a transaction never share a seqNo (a resent event "
    "is the same event)",
)


def _transactions(trace: StationTrace) -> dict[str, list[Exchange]]:
    """Each transaction's TransactionEvents (valid ones), by transactionId, arrival order."""
    found: dict[str, list[Exchange]] = {}
    if trace.version != "2.0.1":
        return found
    for exchange in trace.calls("TransactionEvent"):
        tid = exchange.payload["transactionInfo"]["transactionId"]
        found.setdefault(tid, []).append(exchange)
    return found


def _answered(exchange: Exchange) -> bool:
    return exchange.reply is not None and isinstance(exchange.reply.frame, CallResult)


def _events(exchanges: list[Exchange]) -> dict[int, Exchange]:
    """One exchange per seqNo: a resend (same seqNo, same payload but the timestamp)
    counts once."""
    by_seq: dict[int, Exchange] = {}
    for exchange in exchanges:
        by_seq.setdefault(exchange.payload["seqNo"], exchange)
    return by_seq


def _first_and_last(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for tid, exchanges in _transactions(trace).items():
        by_seq = _events(exchanges)
        kinds = [(seq, by_seq[seq].payload["eventType"]) for seq in sorted(by_seq)]
        started = [seq for seq, kind in kinds if kind == "Started"]
        ended = [seq for seq, kind in kinds if kind == "Ended"]
        ids = [by_seq[seq].call.id for seq, _ in kinds]
        problems = []
        if len(started) > 1:
            problems.append(f"{len(started)} Started events (seqNo {started})")
        if started and kinds[0][0] != started[0]:
            problems.append(f"seqNo {kinds[0][0]} ({kinds[0][1]}) comes before Started")
        if len(ended) > 1:
            problems.append(f"{len(ended)} Ended events (seqNo {ended})")
        if ended and kinds[-1][0] != ended[-1]:
            problems.append(f"seqNo {kinds[-1][0]} ({kinds[-1][1]}) comes after Ended")
        if not started and ended:
            problems.append("Ended without a Started")
        if problems:
            yield FIRST_AND_LAST.finding(
                trace.station, f"transaction {tid}: {'; '.join(problems)}", *ids
            )


def _gaps(trace: StationTrace, offline_ones: bool) -> Iterator[Finding]:
    """Gaps in the transactions with (``offline_ones``) or without events sent offline."""
    for tid, exchanges in _transactions(trace).items():
        by_seq = _events(exchanges)
        ends = [seq for seq, e in by_seq.items() if e.payload["eventType"] == "Ended"]
        starts = [seq for seq, e in by_seq.items() if e.payload["eventType"] == "Started"]
        if not ends or not starts:
            continue  # not ended yet (or no start seen): nothing is missing for sure
        low, high = min(starts), max(ends)
        missing = [n for n in range(low, high) if n not in by_seq]
        if not missing:
            continue
        offline = any(e.payload.get("offline") for e in exchanges)
        if offline != offline_ones:
            continue
        rule = SEQ_NO_GAP_OFFLINE if offline else SEQ_NO_GAP
        shown = ", ".join(str(n) for n in missing[:10]) + (" ..." if len(missing) > 10 else "")
        yield rule.finding(
            trace.station,
            f"transaction {tid}: seqNo {low} (Started) to {high} (Ended), missing {shown}",
            *(by_seq[seq].call.id for seq in sorted(by_seq)),
        )


def _repeats(trace: StationTrace) -> Iterator[tuple[str, Exchange, Exchange, bool]]:
    """Each later TransactionEvent on a seqNo a transaction already used: (transactionId,
    the first, the later one, whether the later is the same event sent again)."""
    for tid, exchanges in _transactions(trace).items():
        first: dict[int, Exchange] = {}
        for exchange in exchanges:
            seq = exchange.payload["seqNo"]
            earlier = first.setdefault(seq, exchange)
            if earlier is exchange:
                continue
            same = {k: v for k, v in earlier.payload.items() if k != "timestamp"} == {
                k: v for k, v in exchange.payload.items() if k != "timestamp"
            }
            yield tid, earlier, exchange, same


def _reused(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for tid, earlier, exchange, same in _repeats(trace):
        if same:
            continue  # a resend: tx201.resent_after_answer, or none at all (E13)
        kinds = f"{earlier.payload['eventType']} and {exchange.payload['eventType']}"
        yield SEQ_NO_REUSED.finding(
            trace.station,
            f"transaction {tid}: seqNo {exchange.payload['seqNo']} on two different events "
            f"({kinds})",
            earlier.call.id,
            exchange.call.id,
        )


def _resent(trace: StationTrace, settings: CheckSettings) -> Iterator[Finding]:
    for tid, earlier, exchange, same in _repeats(trace):
        if same and _answered(earlier):
            yield RESENT.finding(
                trace.station,
                f"transaction {tid}: seqNo {exchange.payload['seqNo']} sent again after the "
                "bench had answered it",
                earlier.call.id,
                exchange.call.id,
            )


CHECKS = (
    Check(FIRST_AND_LAST, _first_and_last, VERSIONS),
    Check(SEQ_NO_GAP, lambda trace, settings: _gaps(trace, False), VERSIONS),
    Check(SEQ_NO_GAP_OFFLINE, lambda trace, settings: _gaps(trace, True), VERSIONS),
    Check(SEQ_NO_REUSED, _reused, VERSIONS),
    Check(RESENT, _resent, VERSIONS),
)
