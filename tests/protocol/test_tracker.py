"""The call tracker: replies are matched by unique id (OCPP-J 1.6 section 4.1.3)."""

import pytest

from chargecheck.protocol import CallError, CallResult, CallTracker, LateReply, UnexpectedReply
from chargecheck.protocol.errors import LocalProtocolError
from chargecheck.protocol.tracker import counter_ids


def test_replies_are_matched_by_id_in_any_order():
    tracker = CallTracker(counter_ids("t"))
    first = tracker.new_call("Reset", {"type": "Soft"}, now=0.0, timeout=5)
    second = tracker.new_call("ClearCache", {}, now=0.0, timeout=5)
    assert tracker.resolve(CallResult(second.unique_id, {})).call is second
    assert tracker.resolve(CallError(first.unique_id, "NotSupported")).call is first
    assert len(tracker) == 0


def test_expire_returns_calls_at_or_past_their_deadline_only():
    tracker = CallTracker(counter_ids("t"))
    early = tracker.new_call("ClearCache", {}, now=0.0, timeout=1)
    late = tracker.new_call("ClearCache", {}, now=0.0, timeout=10)
    assert [p.call for p in tracker.expire(now=1.0)] == [early]
    assert late.unique_id in tracker
    assert tracker.next_deadline() == 10


def test_a_reply_after_the_timeout_is_a_late_reply():
    tracker = CallTracker(counter_ids("t"))
    call = tracker.new_call("Reset", {"type": "Hard"}, now=0.0, timeout=1)
    tracker.expire(now=2.0)
    with pytest.raises(LateReply) as caught:
        tracker.resolve(CallResult(call.unique_id, {"status": "Accepted"}))
    assert caught.value.action == "Reset"


def test_a_reply_for_an_unused_id_is_unexpected():
    tracker = CallTracker(counter_ids("t"))
    with pytest.raises(UnexpectedReply) as caught:
        tracker.resolve(CallResult("never", {}))
    assert not isinstance(caught.value, LateReply)


def test_a_cancelled_call_answered_later_is_late():
    tracker = CallTracker(counter_ids("t"))
    call = tracker.new_call("Reset", {"type": "Hard"}, now=0.0, timeout=1)
    assert tracker.cancel(call.unique_id) is not None
    assert tracker.cancel(call.unique_id) is None
    with pytest.raises(LateReply):
        tracker.resolve(CallResult(call.unique_id, {}))


def test_a_repeated_id_from_the_factory_is_refused():
    tracker = CallTracker(lambda: "same")
    tracker.new_call("ClearCache", {}, now=0.0, timeout=1)
    with pytest.raises(LocalProtocolError):
        tracker.new_call("ClearCache", {}, now=0.0, timeout=1)


def test_counter_ids_are_unique_and_short():
    ids = counter_ids("bench")
    made = [ids() for _ in range(1000)]
    assert len(set(made)) == 1000
    assert all(len(i) <= 36 for i in made)
    with pytest.raises(LocalProtocolError):
        counter_ids("p" * 21)
