"""Latency histogram that several load processes can merge, and the summary it gives.

Buckets grow by 1 % from 1 microsecond, so a percentile read from the histogram is
within 1 % of the exact value; the maximum is kept exactly.
"""

from __future__ import annotations

import math
from typing import Any

_GROWTH = 1.01
_LOG_GROWTH = math.log(_GROWTH)
_BUCKETS = 2200  # 1.01 ** 2200 us is about 5 hours: every latency fits


class Latencies:
    """Answered-call latencies in seconds, bucketed."""

    __slots__ = ("count", "counts", "max")

    def __init__(self) -> None:
        self.counts = [0] * _BUCKETS
        self.count = 0
        self.max = 0.0

    def add(self, seconds: float) -> None:
        micros = seconds * 1e6
        index = int(math.log(micros) / _LOG_GROWTH) if micros > 1.0 else 0
        self.counts[min(index, _BUCKETS - 1)] += 1
        self.count += 1
        if seconds > self.max:
            self.max = seconds

    def merge(self, other: Latencies) -> None:
        for index, n in enumerate(other.counts):
            if n:
                self.counts[index] += n
        self.count += other.count
        self.max = max(self.max, other.max)

    def percentile(self, fraction: float) -> float:
        """Seconds below which ``fraction`` of the latencies lie (0.0 if none)."""
        if self.count == 0:
            return 0.0
        rank = max(1, math.ceil(fraction * self.count))
        seen = 0
        for index, n in enumerate(self.counts):
            seen += n
            if seen >= rank:
                upper = _GROWTH ** (index + 1) / 1e6
                return min(upper, self.max)
        return self.max

    def summary_ms(self) -> dict[str, float]:
        return {
            "p50": round(self.percentile(0.50) * 1e3, 3),
            "p99": round(self.percentile(0.99) * 1e3, 3),
            "max": round(self.max * 1e3, 3),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "buckets": [[i, n] for i, n in enumerate(self.counts) if n],
            "count": self.count,
            "max": self.max,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Latencies:
        latencies = cls()
        for index, n in data["buckets"]:
            latencies.counts[index] = n
        latencies.count = data["count"]
        latencies.max = data["max"]
        return latencies
