"""Questions spanning many years agree with a walk over every interval, in any order.

A ``Timeline`` answers a long question from each local year's open time (summed day by
day) and the intervals of the years the question lands in (see ``slacalc.timeline``).
Random calendars (overnight intervals, 24:00 ends, closed dates, overrides) in zones with
odd transitions (a skipped day, 30-minute daylight saving, changes at midnight, Ramadan
suspensions) are asked questions spanning up to 23 years, in a random order, and compared
with ``tests/reference.py``'s ``DayWalkReference``. Each calendar is asked twice: with the
caches as shipped, and with caches so small that every question rebuilds them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import DayWalkReference

from slacalc import Calendar, timeline
from slacalc.errors import CalendarError

ZONES = [
    "UTC",
    "Europe/London",
    "Pacific/Apia",  # skipped 2011-12-30
    "Australia/Lord_Howe",  # 30-minute daylight saving
    "America/Sao_Paulo",  # changed at midnight until 2019
    "Asia/Beirut",  # changes at midnight
    "Africa/Casablanca",  # daylight saving suspended for Ramadan
    "America/St_Johns",  # -03:30
]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
FIRST, LAST = date(2000, 1, 1), date(2024, 12, 31)  # the reference's range of local dates
# answers the reference knows whole: a day inside either end of its range
SURE = (datetime(2000, 1, 3, tzinfo=UTC), datetime(2024, 12, 30, tzinfo=UTC))
ODD_DATES = [
    date(2011, 12, 29),
    date(2011, 12, 30),
    date(2011, 12, 31),
    date(2018, 11, 3),
    date(2018, 11, 4),
    date(2013, 7, 7),
    date(2016, 3, 27),
    date(2003, 10, 26),
]
MIN = timedelta(minutes=1)


def hhmm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def interval_text(start: int, length: int) -> str:
    """``start`` minutes after midnight, lasting ``length`` minutes (1440 means to 24:00)."""
    if length == 1440:
        return f"{hhmm(start)}-24:00" if start == 0 else f"{hhmm(start)}-{hhmm(start - 1)}"
    end = start + length
    return f"{hhmm(start)}-{'24:00' if end == 1440 else hhmm(end % 1440)}"


interval = st.builds(interval_text, st.integers(0, 1439), st.integers(1, 1440))
day = st.one_of(st.dates(FIRST, LAST), st.sampled_from(ODD_DATES))


@st.composite
def calendar_data(draw: st.DrawFn) -> dict[str, object]:
    hours = {d: draw(st.lists(interval, max_size=2)) for d in DAYS}
    if not any(hours.values()):
        hours["mon"] = ["09:00-17:00"]
    return {
        "timezone": draw(st.sampled_from(ZONES)),
        "hours": hours,
        "holidays": {"dates": [str(d) for d in draw(st.lists(day, max_size=6, unique=True))]},
        "overrides": {
            str(d): draw(st.lists(interval, max_size=2))
            for d in draw(st.lists(day, max_size=4, unique=True))
        },
    }


minute = st.integers(
    int(datetime(2001, 1, 1, tzinfo=UTC).timestamp()) // 60,
    int(datetime(2023, 12, 31, tzinfo=UTC).timestamp()) // 60,
).map(lambda m: datetime(1970, 1, 1, tzinfo=UTC) + m * MIN)
question = st.one_of(
    st.tuples(st.just("elapsed"), minute, minute),
    st.tuples(st.just("add"), minute, st.integers(-4_000_000, 4_000_000).map(lambda m: m * MIN)),
    st.tuples(st.just("next_open"), minute, st.just(None)),
)


@contextlib.contextmanager
def tiny_caches() -> Iterator[None]:
    """Every block evicted by the next, windows of one year, no cached day pairs."""
    with (
        mock.patch.object(timeline, "_CACHED_INTERVALS", 1),
        mock.patch.object(timeline, "_WINDOW_INTERVALS", 40),
        mock.patch.object(timeline, "_WINDOW_YEARS", 2),
        mock.patch.object(timeline, "_CACHED_DAY_PAIRS", 1),
    ):
        yield


def sure(t: datetime | None) -> bool:
    return t is not None and SURE[0] <= t <= SURE[1]


def check(cal: Calendar, ref: DayWalkReference, kind: str, t: datetime, arg: object) -> None:
    if kind == "elapsed":
        assert isinstance(arg, datetime)
        assert cal.elapsed(t, arg) == ref.elapsed(t, arg), (kind, t, arg)
        return
    if kind == "next_open":
        want = ref.next_open(t)
        if sure(want):
            assert cal.next_open(t) == want, (kind, t)
            assert cal.is_open(t) == (want == t), ("is_open", t)
        return
    assert isinstance(arg, timedelta)
    want = ref.add(t, arg)
    try:
        got: datetime | None = cal.add(t, arg)
    except CalendarError:
        got = None
    if sure(want) or sure(got):
        assert got == want, (kind, t, arg)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=calendar_data(), questions=st.lists(question, min_size=4, max_size=10))
def test_long_questions_agree_with_the_intervals_walked(
    data: dict[str, object], questions: list[tuple[str, datetime, object]]
) -> None:
    ref = DayWalkReference(Calendar.from_dict(data), FIRST, LAST)
    cal = Calendar.from_dict(data)
    for kind, t, arg in questions:
        check(cal, ref, kind, t, arg)
    with tiny_caches():
        cal = Calendar.from_dict(data)
        for kind, t, arg in reversed(questions):
            check(cal, ref, kind, t, arg)


@pytest.mark.parametrize("caches", [contextlib.nullcontext, tiny_caches])
def test_intervals_running_over_new_year_are_one_stretch(caches: type) -> None:
    with caches():
        cal = Calendar.from_dict({"hours": {"daily": ["20:00-08:00"]}})
        t = datetime(2025, 12, 31, 21, tzinfo=UTC)
        assert cal.next_close(t) == datetime(2026, 1, 1, 8, tzinfo=UTC)
        # open at every instant but two days: one stretch across the new year
        gaps = Calendar.from_dict(
            {
                "hours": {"daily": ["00:00-24:00"]},
                "holidays": {"dates": ["2026-07-01", "2028-07-01"]},
            }
        )
        assert gaps.next_close(datetime(2026, 8, 1, tzinfo=UTC)) == datetime(2028, 7, 1, tzinfo=UTC)
        assert gaps.next_close(datetime(2026, 7, 1, 12, tzinfo=UTC)) == datetime(
            2028, 7, 1, tzinfo=UTC
        )
        assert gaps.next_open(datetime(2028, 7, 1, 12, tzinfo=UTC)) == datetime(
            2028, 7, 2, tzinfo=UTC
        )
        with pytest.raises(CalendarError, match="no answer within 200 years"):
            gaps.next_close(datetime(2028, 7, 2, tzinfo=UTC))
        assert list(
            cal.open_intervals(
                datetime(2025, 12, 31, 12, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
            )
        ) == [
            (datetime(2025, 12, 31, 20, tzinfo=UTC), datetime(2026, 1, 1, 8, tzinfo=UTC)),
            (datetime(2026, 1, 1, 20, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)),
        ]
        a, b = datetime(2025, 12, 31, 22, tzinfo=UTC), datetime(2026, 1, 1, 2, tzinfo=UTC)
        assert cal.elapsed(a, b) == timedelta(hours=4)
        assert cal.add(a, timedelta(hours=4)) == b
        assert cal.add(b, -timedelta(hours=4)) == a


@pytest.mark.parametrize(
    ("zone", "years"),
    [
        ("Pacific/Apia", [2010, 2011, 2012]),
        ("Africa/Casablanca", [2012, 2013, 2019, 2020]),
        ("Europe/London", [1916, 1941, 1945, 1947, 1968, 1971, 2026]),
        ("America/Sao_Paulo", [2015, 2018, 2019]),
        ("Asia/Beirut", [2000, 2001]),
        ("Australia/Lord_Howe", [1985, 2020]),
        ("Antarctica/Troll", [2005, 2020]),
        ("America/St_Johns", [1988, 2011]),
        ("America/New_York", [1802, 1883, 1918, 2007]),
    ],
)
def test_a_years_open_time_is_that_of_its_intervals(zone: str, years: list[int]) -> None:
    """The day-by-day sum (the index) equals the year's listed intervals (its block)."""
    weeks = [
        {"daily": [f"{h:02d}:{m:02d}-{h:02d}:{m + 15:02d}" for h in range(24) for m in (0, 30)]},
        {"mon-fri": ["22:00-06:00", "05:00-23:30"], "sat": ["01:00-03:00"], "sun": ["23:59-00:01"]},
        {"daily": ["02:00-01:00"]},
    ]
    for hours in weeks:
        tl = Calendar.from_dict(
            {"timezone": zone, "hours": hours, "holidays": {"dates": ["2011-12-31"]}}
        ).timeline
        for y in years:
            blk = tl._materialise(y)
            assert tl._open_in_year(y) == blk.cum[-1], (hours, y)
            assert blk.bounds == sorted(blk.bounds)
            assert blk.lo <= blk.bounds[0] and blk.bounds[-1] <= blk.hi


def test_two_centuries_of_quarter_hours() -> None:
    """48 quarter-hours a day in UTC: half of every day is open, 1801-01-01 to 1999-12-31."""
    hours = {"daily": [f"{h:02d}:{m:02d}-{h:02d}:{m + 15:02d}" for h in range(24) for m in (0, 30)]}
    cal = Calendar.from_dict({"hours": hours})
    a, b = datetime(1801, 1, 1, tzinfo=UTC), datetime(1999, 12, 31, tzinfo=UTC)
    days = (b - a).days
    assert cal.elapsed(a, b) == timedelta(hours=12 * days)
    assert cal.elapsed(b, a) == -timedelta(hours=12 * days)
    assert cal.add(a, timedelta(hours=12 * days)) == b - timedelta(minutes=15)
    assert cal.add(b, -timedelta(hours=12 * days)) == a
    # 00:20 is closed: the count starts at 00:30, and ends at 00:15 (closing) on day b
    assert cal.add(a + timedelta(minutes=20), timedelta(hours=12 * days)) == b + timedelta(
        minutes=15
    )


def test_threads_sharing_a_calendar_whose_caches_churn_get_the_serial_answers() -> None:
    hours = {"mon-fri": ["08:00-12:00", "13:00-17:00"], "sat": ["22:00-02:00"]}
    data = {"timezone": "Europe/London", "hours": hours, "holidays": {"country": "GB"}}
    starts = [datetime(1900 + 7 * k % 190, 1 + k % 12, 1 + k % 28, tzinfo=UTC) for k in range(240)]
    questions = [(t, timedelta(hours=(k * 97) % 20_000)) for k, t in enumerate(starts)]

    def answers(cal: Calendar, q: tuple[datetime, timedelta]) -> tuple[object, ...]:
        t, d = q
        u = cal.add(t, d)
        return u, cal.elapsed(t, u), cal.add(u, -d), cal.next_close(t), cal.is_open(t)

    alone = Calendar.from_dict(data)
    serial = [answers(alone, q) for q in questions]
    with tiny_caches():
        shared = Calendar.from_dict(data)
        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(lambda q: answers(shared, q), questions)) == serial
