"""The calendar rules of semantics.md ("Time", "Calendar"), one by one.

Expected instants are worked out by hand; 2026-11-20 is a Friday, 2026-11-23 a Monday.
"""

from __future__ import annotations

import pickle
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from slacalc import (
    Calendar,
    CalendarError,
    Duration,
    DurationError,
    InstantError,
    NaiveDatetimeError,
    SlacalcError,
)

H = timedelta(hours=1)
M = timedelta(minutes=1)
US = timedelta(microseconds=1)
WEEK = {"timezone": "UTC", "hours": {"mon-fri": ["09:00-18:00"]}, "business_day": "9h"}


def z(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def week() -> Calendar:
    return Calendar.from_dict(WEEK)


def cal(hours, **more) -> Calendar:
    return Calendar.from_dict({"timezone": "UTC", "hours": hours, **more})


# ---- half-open intervals, is_open, next_open, open_intervals ---------------------------
def test_intervals_are_half_open(week):
    assert week.is_open(z("2026-11-20T09:00"))
    assert week.is_open(z("2026-11-20T18:00") - US)
    assert not week.is_open(z("2026-11-20T18:00"))
    assert not week.is_open(z("2026-11-20T09:00") - US)
    assert week.elapsed(z("2026-11-20T09:00"), z("2026-11-20T18:00")) == 9 * H
    assert week.elapsed(z("2026-11-20T18:00"), z("2026-11-23T09:00")) == timedelta(0)


@pytest.mark.parametrize(
    "t, expected",
    [
        ("2026-11-20T08:00", "2026-11-20T09:00"),
        ("2026-11-20T09:00", "2026-11-20T09:00"),  # open: itself
        ("2026-11-20T12:34", "2026-11-20T12:34"),
        ("2026-11-20T18:00", "2026-11-23T09:00"),  # closing time is closed
        ("2026-11-21T12:00", "2026-11-23T09:00"),
    ],
)
def test_next_open(week, t, expected):
    assert week.next_open(z(t)) == z(expected)


def test_open_intervals_are_clipped_and_ordered(week):
    got = list(week.open_intervals(z("2026-11-20T12:00"), z("2026-11-24T10:00")))
    assert got == [
        (z("2026-11-20T12:00"), z("2026-11-20T18:00")),
        (z("2026-11-23T09:00"), z("2026-11-23T18:00")),
        (z("2026-11-24T09:00"), z("2026-11-24T10:00")),
    ]
    assert list(week.open_intervals(z("2026-11-21T00:00"), z("2026-11-22T00:00"))) == []
    assert list(week.open_intervals(z("2026-11-24T10:00"), z("2026-11-20T12:00"))) == []
    # an interval ending exactly at the window's start is not included
    assert list(week.open_intervals(z("2026-11-20T18:00"), z("2026-11-23T09:00"))) == []


def test_is_open_at_the_start_of_a_year_after_the_index_was_built():
    # Regression: the index answered "closed" for an interval starting exactly at its end.
    c = cal({"daily": ["00:00-08:00"]})
    c.add(z("2026-06-01T00:00"), H)  # builds an index for a few years around 2026
    for year in range(2026, 2036):
        assert c.is_open(z(f"{year}-01-01T00:00")), year
        assert not c.is_open(z(f"{year}-01-01T08:00")), year


# ---- overnight intervals, 24:00 and merging ---------------------------------------------
def test_overnight_interval_belongs_to_its_start_day():
    c = cal({"mon-fri": ["22:00-06:00"]})
    assert c.is_open(z("2026-11-20T22:00"))  # Fri evening
    assert c.is_open(z("2026-11-21T05:59"))  # ... into Saturday morning
    assert not c.is_open(z("2026-11-21T06:00"))
    assert not c.is_open(z("2026-11-21T23:00"))  # Saturday has no interval
    assert not c.is_open(z("2026-11-23T03:00"))  # Sunday had none, so Monday 03:00 is shut
    assert c.is_open(z("2026-11-24T03:00"))  # Monday's interval
    assert c.elapsed(z("2026-11-20T00:00"), z("2026-11-22T00:00")) == 6 * H + 8 * H
    assert c.add(z("2026-11-21T05:00"), 2 * H) == z("2026-11-23T23:00")


def test_holiday_closes_the_overnight_interval_starting_on_it():
    c = cal({"mon-fri": ["22:00-06:00"]}, holidays={"dates": ["2026-11-19"]})  # Thursday
    assert c.is_open(z("2026-11-19T03:00"))  # Wednesday's interval runs into the holiday
    assert not c.is_open(z("2026-11-19T22:00"))  # Thursday's interval is closed...
    assert not c.is_open(z("2026-11-20T03:00"))  # ...including its Friday morning part
    assert c.is_open(z("2026-11-20T22:00"))


def test_24_00_ends_and_touching_days_are_continuous():
    c = cal({"mon": ["18:00-24:00"], "tue": ["00:00-02:00"]})
    assert list(c.open_intervals(z("2026-11-23T00:00"), z("2026-11-25T00:00"))) == [
        (z("2026-11-23T18:00"), z("2026-11-24T02:00"))
    ]
    assert c.add(z("2026-11-23T23:00"), 2 * H) == z("2026-11-24T01:00")
    assert c.add(z("2026-11-24T01:00"), -2 * H) == z("2026-11-23T23:00")


def test_daily_00_24_is_one_continuous_interval():
    # a far-away extra date keeps the calendar from being "always" so the index is used
    c = cal({"daily": ["00:00-24:00"]}, holidays={"dates": ["2030-01-01"]})
    assert not c.is_always
    a, b = z("2026-11-20T00:00"), z("2026-11-25T00:00")
    assert list(c.open_intervals(a, b)) == [(a, b)]
    assert c.elapsed(a, b) == 5 * 24 * H
    assert c.add(z("2026-11-20T23:30"), H) == z("2026-11-21T00:30")
    assert c.next_open(z("2026-11-21T00:00")) == z("2026-11-21T00:00")


def test_overlapping_and_touching_intervals_merge():
    c = cal({"mon": ["09:00-12:00", "11:00-14:00", "14:00-15:00"]})
    mon = z("2026-11-23T00:00")
    assert list(c.open_intervals(mon, mon + 24 * H)) == [(mon + 9 * H, mon + 15 * H)]
    assert c.elapsed(mon, mon + 24 * H) == 6 * H  # not 7h: the overlap counts once


def test_overnight_interval_merges_with_next_mornings_hours():
    c = cal({"mon": ["20:00-02:00"], "tue": ["01:00-03:00"]})
    mon = z("2026-11-23T00:00")
    assert list(c.open_intervals(mon, mon + 48 * H)) == [(mon + 20 * H, mon + 27 * H)]
    assert c.elapsed(mon, mon + 48 * H) == 7 * H


# ---- holidays ------------------------------------------------------------------------
GB = {
    "timezone": "Europe/London",
    "hours": {"mon-fri": ["09:00-17:00"]},
    "holidays": {"country": "GB", "subdivision": "ENG"},
    "business_day": "8h",
}


def test_england_observed_boxing_day_closes():
    c = Calendar.from_dict(GB)
    assert date(2026, 12, 28) in c.holidays_in(2026)
    assert not c.is_open(z("2026-12-28T12:00"))  # Monday, Boxing Day (observed)
    assert c.elapsed(z("2026-12-28T00:00"), z("2026-12-29T00:00")) == timedelta(0)
    # Thu 24th 16:00 + 2h: 1h on Thursday, Fri 25th, Mon 28th closed, 1h on Tue 29th
    assert c.add(z("2026-12-24T16:00"), 2 * H) == z("2026-12-29T10:00")


def test_subdivision_matters():
    eng = Calendar.from_dict(GB)
    sct = Calendar.from_dict({**GB, "holidays": {"country": "GB", "subdivision": "SCT"}})
    jan2 = z("2026-01-02T12:00")  # a Friday; a bank holiday in Scotland only
    assert eng.is_open(jan2)
    assert not sct.is_open(jan2)


def test_subdivision_alias_and_case():
    c = Calendar.from_dict({**GB, "holidays": {"country": "gb", "subdiv": "eng"}})
    assert c.holidays.country == "GB"
    assert c.holidays.subdivision == "ENG"
    assert not c.is_open(z("2026-12-28T12:00"))


def test_extra_and_removed_dates():
    base = {"timezone": "America/Chicago", "hours": {"mon-fri": ["08:00-17:00"]}}
    thanksgiving = z("2026-11-26T18:00")  # 12:00 CST
    us = Calendar.from_dict({**base, "holidays": {"country": "US"}})
    assert not us.is_open(thanksgiving)
    removed = Calendar.from_dict({**base, "holidays": {"country": "US", "remove": ["2026-11-26"]}})
    assert removed.is_open(thanksgiving)
    assert date(2026, 11, 26) not in removed.holidays_in(2026)
    extra = Calendar.from_dict({**base, "holidays": {"country": "US", "dates": ["2026-11-27"]}})
    assert not extra.is_open(z("2026-11-27T18:00"))
    assert extra.is_open(z("2026-11-30T18:00"))
    no_country = Calendar.from_dict({**base, "holidays": {"dates": ["2026-11-27"]}})
    assert not no_country.is_open(z("2026-11-27T18:00"))
    assert no_country.is_open(thanksgiving)


# ---- overrides ------------------------------------------------------------------------
def test_override_with_own_hours_wins_over_a_holiday():
    c = Calendar.from_dict({**GB, "overrides": {"2026-12-28": ["10:00-12:00"]}})
    assert not c.is_open(z("2026-12-28T09:30"))
    assert c.is_open(z("2026-12-28T10:00"))
    assert c.elapsed(z("2026-12-28T00:00"), z("2026-12-29T00:00")) == 2 * H


@pytest.mark.parametrize("closed", [[], "closed", None])
def test_override_closes_a_working_day(week, closed):
    c = Calendar.from_dict({**WEEK, "overrides": {"2026-11-23": closed}})
    assert not c.is_open(z("2026-11-23T12:00"))
    assert c.add(z("2026-11-20T17:00"), 2 * H) == z("2026-11-24T10:00")
    assert week.add(z("2026-11-20T17:00"), 2 * H) == z("2026-11-23T10:00")


def test_override_opens_a_weekend_day_overnight():
    c = Calendar.from_dict({**WEEK, "overrides": {"2026-11-21": ["20:00-02:00"]}})
    assert c.is_open(z("2026-11-22T01:00"))
    assert c.elapsed(z("2026-11-21T00:00"), z("2026-11-23T00:00")) == 6 * H
    assert c.add(z("2026-11-20T17:00"), 2 * H) == z("2026-11-21T21:00")


def test_day_hours():
    c = cal({"mon-fri": ["22:00-06:00"]}, holidays={"dates": ["2026-11-19"]})
    assert c.day_hours(date(2026, 11, 18)) == [(z("2026-11-18T22:00"), z("2026-11-19T06:00"))]
    assert c.day_hours(date(2026, 11, 19)) == []
    full = cal({"daily": ["00:00-24:00"]}, holidays={"dates": ["2030-01-01"]})
    assert full.day_hours(date(2026, 11, 20)) == [(z("2026-11-20T00:00"), z("2026-11-21T00:00"))]


# ---- add and elapsed --------------------------------------------------------------------
@pytest.mark.parametrize(
    "t, d, expected",
    [
        ("2026-11-20T17:00", 2 * H, "2026-11-23T10:00"),  # overflow past the weekend
        ("2026-11-20T17:00", H, "2026-11-20T18:00"),  # due at closing stays at closing
        ("2026-11-20T09:00", 9 * H, "2026-11-20T18:00"),
        ("2026-11-20T09:00", 9 * H + US, "2026-11-23T09:00:00.000001"),
        ("2026-11-21T12:00", H, "2026-11-23T10:00"),  # from a closed instant
        ("2026-11-20T18:00", H, "2026-11-23T10:00"),
        ("2026-11-20T10:00", 5 * 9 * H, "2026-11-27T10:00"),  # a business week
        ("2026-11-23T10:00", -2 * H, "2026-11-20T17:00"),  # backwards
        ("2026-11-23T10:00", -H, "2026-11-23T09:00"),  # latest: Monday 09:00, not Friday 18:00
        ("2026-11-23T09:00", -H, "2026-11-20T17:00"),
        ("2026-11-22T12:00", -H, "2026-11-20T17:00"),
        ("2026-11-23T09:00", -9 * H, "2026-11-20T09:00"),
    ],
)
def test_add(week, t, d, expected):
    got = week.add(z(t), d)
    assert got == z(expected)
    assert week.elapsed(z(t), got) == d


@pytest.mark.parametrize("t", ["2026-11-20T12:00", "2026-11-20T18:00", "2026-11-21T12:00"])
def test_add_zero_is_identity_even_when_closed(week, t):
    assert week.add(z(t), timedelta(0)) == z(t)


def test_elapsed_is_signed(week):
    a, b = z("2026-11-20T17:00"), z("2026-11-23T10:00")
    assert week.elapsed(a, b) == 2 * H
    assert week.elapsed(b, a) == -2 * H
    assert week.elapsed(a, a) == timedelta(0)


def test_durations_as_text_and_business_days(week):
    fri = z("2026-11-20T17:00")
    # 2 business days = 18h: 1h Friday, 9h Monday, 8h Tuesday
    assert week.add(fri, "2 business days") == z("2026-11-24T17:00")
    assert week.add(fri, Duration(business_days=2)) == z("2026-11-24T17:00")
    assert week.add(fri, "4 business hours") == z("2026-11-23T12:00")
    assert week.add(fri, "PT1H") == z("2026-11-20T18:00")
    # 2d is 48 hours of this clock (not two business days): 1 + 5 * 9 + 2 hours
    assert week.add(fri, "2d") == z("2026-11-30T11:00")
    assert week.to_timedelta("3 business days") == 27 * H
    with pytest.raises(DurationError, match="4 hourz"):
        week.add(fri, "4 hourz")


def test_derived_business_day():
    c = cal({"mon-fri": ["09:00-17:00"], "sat": ["10:00-18:00"]})
    assert c.business_day_length == 8 * H
    assert c.add(z("2026-11-23T09:00"), "1 business day") == z("2026-11-23T17:00")
    uneven = cal({"mon-fri": ["09:00-17:00"], "sat": ["10:00-12:00"]})
    with pytest.raises(DurationError, match="business_day"):
        uneven.add(z("2026-11-23T09:00"), "1 business day")
    assert uneven.add(z("2026-11-23T09:00"), "8h") == z("2026-11-23T17:00")  # fixed is fine
    explicit = cal({"mon-fri": ["09:00-17:00"], "sat": ["10:00-12:00"]}, business_day="6h")
    assert explicit.add(z("2026-11-23T09:00"), "1 business day") == z("2026-11-23T15:00")


# ---- time zones of results, sub-seconds --------------------------------------------------
@pytest.mark.parametrize(
    "tz",
    [UTC, timezone(timedelta(hours=-6)), ZoneInfo("America/Chicago"), ZoneInfo("Asia/Kolkata")],
)
def test_results_come_back_in_the_input_time_zone(week, tz):
    t = z("2026-11-20T17:00").astimezone(tz)
    got = week.add(t, 2 * H)
    assert got.tzinfo is tz
    assert got == z("2026-11-23T10:00")
    assert week.next_open(z("2026-11-21T00:00").astimezone(tz)).tzinfo is tz
    (s, e), *_ = week.open_intervals(t, t + 48 * H)
    assert s.tzinfo is tz and e.tzinfo is tz
    assert (s, e) == (z("2026-11-20T17:00"), z("2026-11-20T18:00"))


def test_sub_second_input_is_carried_through(week):
    t = z("2026-11-20T17:00:00.250000")
    assert week.add(t, H) == z("2026-11-23T09:00:00.250000")
    assert week.add(t, -timedelta(microseconds=250_001)) == z("2026-11-20T16:59:59.999999")
    got = week.elapsed(t, z("2026-11-23T09:00:00.000001"))
    assert got == timedelta(minutes=59, seconds=59, microseconds=750_001)
    assert week.next_open(z("2026-11-20T18:00:00.5")) == z("2026-11-23T09:00")


# ---- always ------------------------------------------------------------------------------
def test_always():
    c = Calendar.always()
    assert c is Calendar.always()
    assert c.is_always
    chicago = ZoneInfo("America/Chicago")
    t = datetime(2026, 3, 8, 1, 30, tzinfo=chicago)  # half an hour before spring-forward
    u = t.astimezone(UTC)  # (arithmetic on aware datetimes in one zone is wall-clock)
    got = c.add(t, 2 * H)
    assert got == u + 2 * H  # real elapsed time: 04:30 CDT, not 03:30
    assert got.tzinfo is chicago and (got.hour, got.minute) == (4, 30)
    assert c.add(t, -3 * H) == u - 3 * H
    assert c.elapsed(t, u + 1000 * H) == 1000 * H
    assert c.is_open(t)
    assert c.next_open(t) == t
    assert list(c.open_intervals(t, u + H)) == [(t, u + H)]
    assert c.add(t, "1 business day") == u + 24 * H
    assert c.add(z("2026-11-20T17:00"), 10_000 * 24 * H) == z("2026-11-20T17:00") + 10_000 * 24 * H


def test_daily_24h_without_holidays_is_always():
    c = cal({"daily": ["00:00-24:00"]})
    assert c.is_always
    assert c.elapsed(z("2026-11-20T00:00"), z("2026-11-21T00:00")) == 24 * H


# ---- pickling and threads ----------------------------------------------------------------
def test_pickle_round_trip_keeps_answers():
    c = Calendar.from_dict(GB)
    t = z("2026-12-24T16:00")
    before = c.add(t, 2 * H)  # the index is built before pickling...
    back = pickle.loads(pickle.dumps(c))
    assert back == c
    assert back.add(t, 2 * H) == before == z("2026-12-29T10:00")  # ...and rebuilt after
    assert back.elapsed(t, before) == 2 * H
    fresh = pickle.loads(pickle.dumps(Calendar.from_dict(GB)))  # never used before pickling
    assert fresh.add(t, 2 * H) == before
    assert pickle.loads(pickle.dumps(Calendar.always())).add(t, H) == t + H


def _questions(n: int, seed: int):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        # instants from 1990 to 2080: each thread may grow the index in either direction
        t = z("1990-01-01T00:00") + timedelta(minutes=rng.randrange(90 * 365 * 24 * 60))
        d = timedelta(minutes=rng.randrange(-20_000, 20_000))
        out.append((t, d))
    return out


def _answers(c: Calendar, questions):
    return [(c.add(t, d), c.elapsed(t, t + d), c.is_open(t), c.next_open(t)) for t, d in questions]


def test_many_threads_agree_with_serial():
    data = {**GB, "timezone": "America/Chicago", "holidays": {"country": "US"}}
    questions = _questions(600, seed=7)
    serial = _answers(Calendar.from_dict(data), questions)
    shared = Calendar.from_dict(data)  # fresh: no index yet, all threads race to build it
    chunks = [questions[i::8] for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda qs: _answers(shared, qs), chunks))
    for i, got in enumerate(results):
        assert got == serial[i::8]


# ---- bad input --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data, words",
    [
        ({"timezone": "Mars/Olympus", "hours": WEEK["hours"]}, "'Mars/Olympus'"),
        ({"timezone": "", "hours": WEEK["hours"]}, "unknown time zone"),
        ({"hours": {"mon-fry": ["09:00-18:00"]}}, "'mon-fry'"),
        ({"hours": {"mon-fri": ["9am-5pm"]}}, "'9am-5pm'"),
        ({"hours": {"mon-fri": ["09:00-09:00"]}}, "'09:00-09:00' is empty"),
        ({"hours": {"mon-fri": ["25:00-26:00"]}}, "'25:00-26:00'"),
        ({"hours": {"mon-fri": ["09:00-18:00"], "mon": ["10:00-11:00"]}}, "mon is given twice"),
        ({"hours": {}}, "never open"),
        ({"hours": {"daily": "closed"}}, "never open"),
        ({"hours": {"mon": []}, "overrides": {"2026-01-01": []}}, "never open"),
        ({"hours": WEEK["hours"], "holidays": {"country": "XX"}}, "'XX'"),
        ({"hours": WEEK["hours"], "holidays": {"country": "GB", "subdivision": "ZZZ"}}, "'ZZZ'"),
        ({"hours": WEEK["hours"], "holidays": {"subdivision": "ENG"}}, "needs a country"),
        ({"hours": WEEK["hours"], "holidays": {"country": "GB", "remove": ["2026-07-01"]}},
         "2026-07-01 is not a holiday"),
        ({"hours": WEEK["hours"], "business_day": "4 hourz"}, "'4 hourz'"),
        ({"hours": WEEK["hours"], "business_day": "1 business day"}, "'1 business day'"),
        ({"hours": WEEK["hours"], "overrides": {"2026-02-30": []}}, "2026-02-30"),
        ({"hours": WEEK["hours"], "overrides": {"2026-02-01": ["9-5"]}}, "'9-5'"),
        ({"hours": WEEK["hours"], "opening": "soon"}, "opening"),
    ],
)
def test_bad_calendars(data, words):
    with pytest.raises(CalendarError) as e:
        Calendar.from_dict(data)
    assert words in str(e.value)
    assert isinstance(e.value, SlacalcError)


def test_naive_datetimes_are_refused(week):
    naive = datetime(2026, 11, 20, 17)
    aware = z("2026-11-20T17:00")
    calls = [
        lambda: week.add(naive, H),
        lambda: week.elapsed(naive, aware),
        lambda: week.elapsed(aware, naive),
        lambda: week.is_open(naive),
        lambda: week.next_open(naive),
        lambda: list(week.open_intervals(naive, aware)),
        lambda: list(week.open_intervals(aware, naive)),
    ]
    for call in calls:
        with pytest.raises(NaiveDatetimeError) as e:
            call()
        assert isinstance(e.value, ValueError)
        assert isinstance(e.value, SlacalcError)
        assert "2026-11-20T17:00:00" in str(e.value)


def test_iso_text_is_an_instant_and_other_types_are_instant_errors(week):
    assert week.add("2026-11-20T17:00Z", H) == week.add(z("2026-11-20T17:00"), H)
    assert week.elapsed("2026-11-20T09:00Z", z("2026-11-20T17:00")) == 8 * H
    assert week.is_open("2026-11-20T10:00+00:00") == week.is_open(z("2026-11-20T10:00"))
    for bad in (date(2026, 11, 20), 1700000000, 1.7e9, "1700000000", None, "tomorrow"):
        with pytest.raises(InstantError) as e:
            week.is_open(bad)
        assert isinstance(e.value, TypeError) and isinstance(e.value, SlacalcError)
    with pytest.raises(NaiveDatetimeError):
        week.add("2026-11-20T17:00", H)


def test_question_beyond_the_horizon_is_refused_not_hung():
    only_once = Calendar.from_dict({"hours": {}, "overrides": {"2026-06-01": ["09:00-17:00"]}})
    t = z("2026-06-01T10:00")
    assert only_once.add(t, 7 * H) == z("2026-06-01T17:00")
    assert only_once.add(t, -H) == z("2026-06-01T09:00")
    for d in (7 * H + US, 100 * H, -2 * H):
        with pytest.raises(CalendarError, match="200 years"):
            only_once.add(t, d)
    with pytest.raises(CalendarError, match="200 years"):
        only_once.next_open(z("2026-06-02T00:00"))
    assert only_once.next_open(z("2020-01-01T00:00")) == z("2026-06-01T09:00")
    assert only_once.elapsed(z("2000-01-01T00:00"), z("2100-01-01T00:00")) == 8 * H


def test_instants_outside_the_supported_years_are_refused(week):
    with pytest.raises(CalendarError):
        week.add(datetime(1, 6, 1, tzinfo=UTC), H)
    with pytest.raises(CalendarError):
        week.add(datetime(9999, 6, 1, tzinfo=UTC), H)
    with pytest.raises(CalendarError):
        week.add(datetime(9998, 12, 31, 17, tzinfo=UTC), 10 * H)


def test_long_answers_within_the_horizon(week):
    # 100 years of business time forward and back: still answered, and exactly
    t = z("2026-11-20T17:00")
    u = week.add(t, 100 * 52 * 45 * H)
    assert u.year in (2126, 2127)
    assert week.elapsed(t, u) == 100 * 52 * 45 * H
    assert week.add(u, -100 * 52 * 45 * H) == t


def test_from_yaml():
    pytest.importorskip("slacalc.loading")
    c = Calendar.from_yaml(
        "timezone: UTC\nhours:\n  mon-fri: ['09:00-18:00']\nbusiness_day: 9h\n"
    )
    assert c == Calendar.from_dict(WEEK)


# ---- one horizon for every question; errors at the call, in our family -------------------------
def test_elapsed_refuses_spans_beyond_the_horizon() -> None:
    c = Calendar.from_dict(WEEK)
    assert c.elapsed(z("1900-01-05T00:00"), z("2090-01-01T00:00")) > timedelta(0)
    with pytest.raises(CalendarError, match="200 years"):
        c.elapsed(z("1900-01-01T00:00"), z("2150-01-01T00:00"))


def test_open_intervals_checks_its_arguments_when_called() -> None:
    with pytest.raises(NaiveDatetimeError):
        Calendar.from_dict(WEEK).open_intervals(datetime(2026, 11, 20, 9), z("2026-11-21T00:00"))


def test_direct_construction_names_the_bad_value() -> None:
    # Calendar(...) raises pydantic's ValidationError (a ValueError) so that a calendar nested
    # in a policy keeps its key path; from_dict turns it into a CalendarError.
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        Calendar(timezone="Mars/Olympus", hours={"daily": ["09:00-17:00"]})
    with pytest.raises(CalendarError, match="unknown time zone 'Mars/Olympus'"):
        Calendar.from_dict({"timezone": "Mars/Olympus", "hours": {"daily": ["09:00-17:00"]}})


def test_threads_racing_to_first_use_share_one_engine() -> None:
    c = Calendar.from_dict(WEEK)
    with ThreadPoolExecutor(8) as pool:
        engines = set(pool.map(lambda _: id(c.timeline), range(64)))
    assert len(engines) == 1
