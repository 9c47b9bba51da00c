"""What one station may cost the Central System, and what it gets beyond that.

OCPP 1.6 sets none of these numbers; they keep one station (a broken charger, a
flood, a fuzzer) from starving the others on the same bench, and each is a
``ServerSettings`` key. Every limit that is hit is journaled (kind ``limit``,
``detail.limit`` naming the setting), and the run goes on: nothing the station sent
before is lost, and the other stations are served meanwhile.

============================  =========  ====================================================
setting                       default    a station beyond it gets
============================  =========  ====================================================
``max_frame_bytes``           1 MiB      WebSocket close 1009 (message too big, RFC 6455
                                         section 7.4.1); the frame is not read, what came
                                         before it is journaled and answered
``max_frames_per_second``     200        reading paused (TCP back-pressure) until its
``frame_burst``               1000       budget is back: every frame is still journaled and
                                         answered, only later; ``None`` turns it off
``max_pending_calls``         100        for each CALL received while that many of its CALLs
                                         are unanswered: CALLERROR ``GenericError`` (OCPP-J
                                         1.6 section 4.1.1: a sender SHOULD NOT send a CALL
                                         before the previous one was answered or timed out)
``duplicate_identity``        replace    a second connection with an identity already
                                         connected replaces the first, closed 1000; with
                                         ``refuse`` the newcomer's handshake gets HTTP 409
============================  =========  ====================================================

Why these defaults: the largest legitimate messages (a GetConfiguration.conf with every
key, a SendLocalList of thousands of idTags, a StopTransaction with its transactionData)
stay well below 1 MiB; a station that waits for each answer, as OCPP-J asks, sends a few
frames a second and a station flushing an offline queue some hundreds, so 200 a second
with a burst of 1000 throttles only a flood, and throttling loses nothing. A charger that
sends without waiting for the answers (it SHOULD NOT, OCPP-J 1.6 section 4.1.1: a warning
in the findings, ``wire.one_call_at_a_time``) may flush an offline queue of dozens of
transaction messages at once; refusing those would make the bench lose what row 16
judges, so only a flood of 100 unanswered CALLs is refused. A new
connection replaces the old one because a charger whose TCP link went half-open (the bench
still sees it, the charger does not) reconnects with the same identity and must be served:
refusing it would lock it out until the keepalive notices the dead link.

A load test that drives one station at thousands of calls a second (``bench/``) must turn
``max_frames_per_second`` off, or it measures the throttle.

The logic here is pure: time is an argument (habit 1 of STYLE.md).
"""

from __future__ import annotations

from dataclasses import dataclass

LIMIT = "limit"  # the journal kind of every limit hit

DUPLICATE_IDENTITY_POLICIES = ("replace", "refuse")


@dataclass(frozen=True, slots=True)
class Throttle:
    """How long to stop reading from a station, and why (for its journal entry)."""

    pause_s: float
    frames: int  # frames in the chunk that overdrew the budget
    rate: float
    burst: int

    def detail(self) -> dict[str, object]:
        return {
            "limit": "max_frames_per_second",
            "rate": self.rate,
            "burst": self.burst,
            "frames": self.frames,
            "pause_s": round(self.pause_s, 4),
            "answer": "reading paused (TCP back-pressure); nothing dropped",
        }


class FrameBudget:
    """A token bucket: ``rate`` frames a second, at most ``burst`` at once.

    ``take`` is called once per chunk of bytes read with the frames it held (a chunk
    already read cannot be refused, only the next one delayed); it returns the
    ``Throttle`` to apply when the bucket is overdrawn, else None. While overdrawn the
    bucket goes negative, so the pause is as long as the station's excess needs.
    """

    def __init__(self, rate: float, burst: int, now: float) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"frame budget needs rate > 0 and burst >= 1, got {rate}, {burst}")
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._last = now

    def take(self, frames: int, now: float) -> Throttle | None:
        elapsed = max(0.0, now - self._last)
        self._last = now
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate) - frames
        if self._tokens >= 0:
            return None
        return Throttle(-self._tokens / self.rate, frames, self.rate, self.burst)


def frame_too_big_detail(limit: int, reason: str) -> dict[str, object]:
    return {
        "limit": "max_frame_bytes",
        "max_frame_bytes": limit,
        "reason": reason,
        "answer": "WebSocket close 1009 (message too big)",
    }


def pending_calls_detail(limit: int, frame: int, unique_id: str) -> dict[str, object]:
    return {
        "limit": "max_pending_calls",
        "max_pending_calls": limit,
        "frame": frame,
        "unique_id": unique_id,
        "answer": "CALLERROR GenericError",
    }


def pending_calls_description(limit: int) -> str:
    return (
        f"{limit} CALLs of this station are still unanswered; OCPP-J 1.6 section 4.1.1: "
        "send a CALL only once the previous one was answered or timed out"
    )


def duplicate_identity_detail(
    policy: str, previous: str | None, new: str | None
) -> dict[str, object]:
    answer = (
        "the older connection closed 1000, the new one served"
        if policy == "replace"
        else "the new handshake refused with HTTP 409"
    )
    return {
        "limit": "duplicate_identity",
        "duplicate_identity": policy,
        "previous_remote": previous,
        "remote": new,
        "answer": answer,
    }
