"""The real clock's texts: OCPP's UTC form, and the per-millisecond text it keeps."""

from datetime import UTC, datetime, timedelta, timezone

from chargecheck.clock import Clock, utc_iso


def test_utc_iso_is_utc_with_milliseconds_and_z():
    moment = datetime(2020, 2, 18, 15, 28, 27, 123456, tzinfo=timezone(timedelta(hours=1)))
    assert utc_iso(moment) == "2020-02-18T14:28:27.123Z"
    assert utc_iso(datetime(2020, 2, 18, 14, 28, 27, tzinfo=UTC)) == "2020-02-18T14:28:27.000Z"


def test_utc_text_is_the_current_millisecond_even_when_asked_often():
    clock = Clock()
    for _ in range(2000):
        before = utc_iso(clock.utc())
        text = clock.utc_text()
        after = utc_iso(clock.utc())
        assert before <= text <= after


def test_a_clock_that_makes_up_its_time_gets_its_own_text():
    class Frozen(Clock):
        def utc(self) -> datetime:
            return datetime(2020, 2, 18, 14, 28, 27, 5000, tzinfo=UTC)

    assert Frozen().utc_text() == "2020-02-18T14:28:27.005Z"
