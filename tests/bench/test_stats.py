"""The latency histogram: percentiles within its 1 % buckets, exact maximum, mergeable."""

import random

from bench.stats import Latencies


def test_percentiles_are_within_one_percent_and_the_maximum_is_exact():
    rng = random.Random(7)
    samples = [rng.uniform(0.0001, 0.5) for _ in range(5000)]
    latencies = Latencies()
    for s in samples:
        latencies.add(s)
    ordered = sorted(samples)
    for fraction in (0.5, 0.99):
        exact = ordered[int(fraction * len(ordered)) - 1]
        assert abs(latencies.percentile(fraction) - exact) <= 0.0101 * exact
    assert latencies.max == max(samples)
    assert latencies.count == len(samples)


def test_merged_histograms_equal_one_histogram_of_everything():
    a, b, both = Latencies(), Latencies(), Latencies()
    for i in range(1, 200):
        (a if i % 2 else b).add(i / 1000)
        both.add(i / 1000)
    a.merge(Latencies.from_json(b.to_json()))
    assert a.counts == both.counts and a.max == both.max and a.count == both.count


def test_an_empty_histogram_reports_zero():
    assert Latencies().summary_ms() == {"p50": 0.0, "p99": 0.0, "max": 0.0}


def test_the_throughput_judgement_compares_the_writer_process_with_commits_in_the_server():
    from bench.sections import _judge_throughput

    def row(server: str, calls: float, p99: float, cpu: float) -> dict[str, object]:
        return {
            "server": server,
            "stations": 1000,
            "calls_per_s": calls,
            "p99_ms": p99,
            "server_cpu_pct": cpu,
        }

    rows = [row("real", 5000.0, 200.0, 90.0), row("real-writer", 4000.0, 300.0, 99.0)]
    judged = {v["what"]: v["value"] for v in _judge_throughput(rows)}
    assert judged["calls/s real-writer / real (medians)"] == 0.8
    assert judged["p99 latency real-writer / real (medians)"] == 1.5
    assert judged["server CPU % (with its children) real-writer / real (medians)"] == 1.1
