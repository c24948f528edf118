"""Calendars open only a few days in a decade: answers found, and independent of order.

Two shapes: a calendar with no weekly hours, open only on a few override dates; and a
one-weekday calendar whose weekdays are closed by holiday dates for years on end. Each
example asks several questions in a random order on one calendar and compares every answer
(so also its independence of the questions asked before) with ``tests/reference.py``'s
``DayWalkReference`` (brute force over days); no answer in the reference's range must be a
``CalendarError``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import DayWalkReference

from slacalc import Calendar
from slacalc.errors import CalendarError

ZONES = ["UTC", "Europe/London", "America/Chicago", "Australia/Sydney"]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
FIRST, LAST = date(2012, 1, 1), date(2048, 12, 31)  # the reference's range of local dates


def hhmm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def interval_text(start: int, length: int) -> str:
    """``start`` minutes after midnight, lasting ``length`` (< 24 h) minutes."""
    end = start + length
    if end > 1440:
        end -= 1440  # overnight: ends the next morning
    return f"{hhmm(start)}-{hhmm(end)}"


interval = st.builds(interval_text, st.integers(0, 1439), st.integers(1, 1439))


@st.composite
def overrides_only(draw: st.DrawFn) -> dict[str, object]:
    days = draw(
        st.lists(
            st.dates(date(2020, 1, 1), date(2039, 12, 31)), min_size=1, max_size=4, unique=True
        )
    )
    return {
        "timezone": draw(st.sampled_from(ZONES)),
        "hours": {},
        "overrides": {str(d): draw(st.lists(interval, min_size=1, max_size=2)) for d in days},
    }


@st.composite
def weekday_closed_for_years(draw: st.DrawFn) -> dict[str, object]:
    weekday = draw(st.integers(0, 6))
    start = date(draw(st.integers(2020, 2030)), 1, 1)
    years = draw(st.integers(1, 8))
    d = start + timedelta(days=(weekday - start.weekday()) % 7)
    closed = []
    while d.year < start.year + years:
        closed.append(d)
        d += timedelta(weeks=1)
    kept = draw(st.lists(st.sampled_from(closed), max_size=3, unique=True))
    return {
        "timezone": draw(st.sampled_from(ZONES)),
        # an hour or more a week, so every answer lies inside the reference's range
        "hours": {
            DAYS[weekday]: [interval_text(draw(st.integers(0, 1439)), draw(st.integers(60, 1439)))]
        },
        "holidays": {"dates": [str(x) for x in closed if x not in kept]},
    }


instant = st.datetimes(datetime(2015, 1, 1), datetime(2045, 12, 31), timezones=st.just(UTC))
question = st.one_of(
    st.tuples(
        st.just("add"), instant, st.integers(-30 * 60, 30 * 60).map(lambda m: timedelta(minutes=m))
    ),
    st.tuples(st.just("next_open"), instant, st.just(timedelta(0))),
    st.tuples(
        st.just("elapsed"),
        instant,
        st.integers(-3 * 365, 3 * 365).map(lambda n: timedelta(days=n, minutes=7)),
    ),
)


def ask(cal: Calendar, kind: str, t: datetime, d: timedelta) -> object:
    try:
        if kind == "add":
            return cal.add(t, d)
        if kind == "next_open":
            return cal.next_open(t)
        return cal.elapsed(t, t + d)
    except CalendarError:
        return None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(overrides_only(), weekday_closed_for_years()),
    questions=st.lists(question, min_size=2, max_size=5),
)
def test_sparse_calendars_agree_with_days_walked(
    data: dict[str, object], questions: list[tuple[str, datetime, timedelta]]
) -> None:
    cal = Calendar.from_dict(data)
    ref = DayWalkReference(cal, FIRST, LAST)
    for kind, t, d in questions:
        got = ask(cal, kind, t, d)
        if kind == "add":
            want: object = ref.add(t, d)
        elif kind == "next_open":
            want = ref.next_open(t)
        else:
            want = ref.elapsed(t, t + d)
        assert got == want, (kind, t, d)


def mondays_closed(first_year: int, last_year: int) -> list[str]:
    d = date(first_year, 1, 1)
    d += timedelta(days=-d.weekday() % 7)
    out = []
    while d.year <= last_year:
        out.append(str(d))
        d += timedelta(weeks=1)
    return out


def test_override_only_calendar_answers_years_ahead_whatever_was_asked_before() -> None:
    data = {"hours": {}, "overrides": {"2026-06-01": ["09:00-17:00"]}}
    t = datetime(2023, 3, 1, tzinfo=UTC)
    want = datetime(2026, 6, 1, 10, tzinfo=UTC)  # one hour into the only open day
    assert Calendar.from_dict(data).add(t, timedelta(hours=1)) == want
    cal = Calendar.from_dict(data)
    cal.next_open(datetime(2020, 1, 1, tzinfo=UTC))
    assert cal.add(t, timedelta(hours=1)) == want
    with pytest.raises(CalendarError, match="no answer"):
        cal.add(datetime(2026, 6, 2, tzinfo=UTC), timedelta(hours=1))
    with pytest.raises(CalendarError, match="no answer"):
        cal.add(datetime(2026, 5, 31, tzinfo=UTC), -timedelta(hours=1))


def test_monday_calendar_with_three_years_of_monday_holidays() -> None:
    data = {"hours": {"mon": ["09:00-17:00"]}, "holidays": {"dates": mondays_closed(2026, 2028)}}
    t = datetime(2025, 12, 30, tzinfo=UTC)
    # 2029-01-01 is the first Monday of 2029; 2025-12-29 the last Monday before 2026
    assert Calendar.from_dict(data).next_open(t) == datetime(2029, 1, 1, 9, tzinfo=UTC)
    assert Calendar.from_dict(data).add(t, timedelta(hours=1)) == datetime(
        2029, 1, 1, 10, tzinfo=UTC
    )
    back = Calendar.from_dict(data)
    assert back.add(datetime(2029, 1, 1, tzinfo=UTC), -timedelta(hours=1)) == datetime(
        2025, 12, 29, 16, tzinfo=UTC
    )
    # asked after questions that built the index elsewhere
    back.next_open(datetime(2040, 1, 1, tzinfo=UTC))
    assert back.add(t, timedelta(hours=1)) == datetime(2029, 1, 1, 10, tzinfo=UTC)
