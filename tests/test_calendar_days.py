"""Whole days and closing times: ``is_business_day``, ``business_days`` and ``next_close``,
against the brute-force reference calendar (``tests/reference.py``) on random calendars, and
hand-worked cases.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import ReferenceCalendar, epoch_minute, from_minute
from test_calendar_properties import ANCHORS, SETTINGS, calendars, minute_instants

from slacalc import Calendar, CalendarError

WALK_DAYS = 30


def reference_next_close(ref: ReferenceCalendar, t: datetime) -> datetime | None:
    """Minute by minute: to the next open minute, then to the first closed one after it."""
    m = epoch_minute(t)
    limit = m + WALK_DAYS * 1440
    while not ref.minute_open(m):
        m += 1
        if m > limit:
            return None
    while ref.minute_open(m):
        m += 1
        if m > limit:
            return None
    return from_minute(m)


@SETTINGS
@given(st.data())
def test_next_close_agrees_with_the_reference(data: st.DataObject) -> None:
    cal = data.draw(calendars())
    ref = ReferenceCalendar(cal)
    t = data.draw(minute_instants(cal))
    expected = reference_next_close(ref, t)
    try:
        got = cal.next_close(t)
    except CalendarError:
        assert expected is None
        return
    if expected is None:
        assert got > t + timedelta(days=WALK_DAYS)
    else:
        assert got == expected
        assert not cal.is_open(got) and got > t
        assert cal.is_open(got - timedelta(microseconds=1))


@SETTINGS
@given(st.data())
def test_business_days_agree_with_the_reference(data: st.DataObject) -> None:
    cal = data.draw(calendars())
    ref = ReferenceCalendar(cal)
    anchor = data.draw(st.sampled_from(ANCHORS[cal.timezone])).date()
    a = anchor + timedelta(days=data.draw(st.integers(-10, 10)))
    b = a + timedelta(days=data.draw(st.integers(-15, 15)))
    lo, hi = min(a, b), max(a, b)
    days = [lo + timedelta(days=n) for n in range((hi - lo).days)]
    flags = {d: bool(ref.instants_starting(d)) for d in days}
    for d in days:
        assert cal.is_business_day(d) == flags[d], d
    expected = sum(flags.values())
    assert cal.business_days(lo, hi) == expected
    assert cal.business_days(hi, lo) == -expected
    assert cal.business_days(a.isoformat(), b.isoformat()) == (expected if a <= b else -expected)


UK = Calendar.from_dict({
    "timezone": "Europe/London",
    "hours": {"mon-fri": ["09:00-17:30"], "sat": ["22:00-02:00"]},
    "holidays": {"country": "GB", "subdivision": "ENG"},
    "overrides": {"2026-12-24": ["09:00-12:00"], "2026-12-29": []},
})


def test_hand_worked_days_around_christmas() -> None:
    # December 2026: Fri 25 (Christmas), Sat 26 (Boxing Day) and Mon 28 (its substitute)
    # are holidays, Tue 29 is closed by an override, Thu 24 is a short day; Saturdays have
    # a night shift, 22:00-02:00.
    assert UK.is_business_day(date(2026, 12, 24))
    assert not UK.is_business_day("2026-12-25")
    assert not UK.is_business_day(date(2026, 12, 26))  # Boxing Day closes the night shift
    assert not UK.is_business_day(date(2026, 12, 28))
    assert not UK.is_business_day(date(2026, 12, 29))
    assert UK.is_business_day(date(2026, 12, 19))  # an ordinary Saturday: the shift starts
    assert not UK.is_business_day(date(2026, 12, 20))  # its early hours do not count
    # [Mon 21, Fri Jan 1): 21 22 23 24 30 31 -> 6; the end date is not counted
    assert UK.business_days(date(2026, 12, 21), date(2027, 1, 1)) == 6
    assert UK.business_days(date(2026, 12, 21), date(2027, 1, 2)) == 6  # Jan 1 is a holiday
    assert UK.business_days(date(2026, 12, 14), date(2026, 12, 21)) == 6  # mon-fri + sat
    assert UK.business_days(date(2026, 12, 21), date(2026, 12, 21)) == 0


def test_hand_worked_closing_times() -> None:
    z = UTC
    # Thursday 24 Dec 10:00 GMT: open until the override's 12:00
    assert UK.next_close(datetime(2026, 12, 24, 10, 0, tzinfo=z)) == datetime(
        2026, 12, 24, 12, 0, tzinfo=z
    )
    # closed at 13:00; 25, 26 (with its shift), 28 and 29 are closed: Wednesday 30 at 17:30
    assert UK.next_close("2026-12-24T13:00:00Z") == datetime(2026, 12, 30, 17, 30, tzinfo=z)
    # exactly at a closing time the calendar is closed: the next stretch's end
    assert UK.next_close("2026-12-24T12:00:00Z") == datetime(2026, 12, 30, 17, 30, tzinfo=z)
    # an ordinary Saturday night shift closes on Sunday at 02:00
    assert UK.next_close("2026-12-19T23:00:00Z") == datetime(2026, 12, 20, 2, 0, tzinfo=z)
    # the answer keeps the offset of the instant asked about
    t = UK.next_close("2026-07-01T10:00:00+01:00")
    assert t == datetime(2026, 7, 1, 16, 30, tzinfo=z) and t.utcoffset() == timedelta(hours=1)


def test_touching_intervals_are_one_stretch() -> None:
    shifts = Calendar.from_dict({"hours": {"mon-fri": ["08:00-12:00", "12:00-16:00"],
                                           "sat": ["22:00-24:00"], "sun": ["00:00-06:00"]}})
    assert shifts.next_close("2026-11-23T09:00Z") == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    # Saturday 22:00 to Sunday 06:00 is one stretch across midnight
    assert shifts.next_close("2026-11-28T23:00Z") == datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


def test_a_calendar_that_never_closes_has_no_closing_time() -> None:
    with pytest.raises(CalendarError):
        Calendar.always().next_close(datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(CalendarError):
        Calendar.from_dict({"hours": {"daily": ["00:00-24:00"]}}).next_close("2026-01-01T00:00Z")


def test_dates_are_dates_or_iso_text() -> None:
    for bad in (datetime(2026, 1, 1, tzinfo=UTC), "2026-02-30", 20260101, None):
        with pytest.raises(CalendarError):
            UK.is_business_day(bad)  # type: ignore[arg-type]
    with pytest.raises(CalendarError, match="200 years"):
        UK.business_days(date(1800, 1, 1), date(2100, 1, 1))
