"""The server processes' collector thresholds: young every 10,000 allocations."""

import gc

from chargecheck.csms.gc_tuning import THRESHOLDS, tune_gc


def test_tune_gc_sets_the_server_thresholds_and_keeps_the_collector_on():
    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == THRESHOLDS == (10_000, 10, 10)
        assert gc.isenabled()
    finally:
        gc.set_threshold(*before)
