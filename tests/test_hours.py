"""Weekly opening hours as written: day keys and ``HH:MM-HH:MM`` intervals."""

from __future__ import annotations

import pytest

from slacalc import CalendarError
from slacalc.hours import (
    day_length,
    merge,
    parse_day_key,
    parse_interval,
    parse_intervals,
    parse_week,
)


@pytest.mark.parametrize(
    "key, days",
    [
        ("mon", (0,)),
        ("Sun", (6,)),
        ("friday", (4,)),
        ("mon-fri", (0, 1, 2, 3, 4)),
        ("fri-mon", (4, 5, 6, 0)),  # ranges wrap around the week
        ("sat-sun", (5, 6)),
        ("daily", tuple(range(7))),
        ("weekdays", (0, 1, 2, 3, 4)),
        ("weekends", (5, 6)),
        ("wed-wed", (2,)),
    ],
)
def test_day_keys(key, days):
    assert parse_day_key(key) == days


@pytest.mark.parametrize("key", ["mo", "mon-fry", "monday-", "every day", "", "1-5"])
def test_unknown_day_key_names_it(key):
    with pytest.raises(CalendarError) as e:
        parse_day_key(key)
    assert repr(key) in str(e.value)


@pytest.mark.parametrize(
    "text, minutes",
    [
        ("09:00-18:00", (540, 1080)),
        ("9:30-10:00", (570, 600)),
        (" 00:00 - 24:00 ", (0, 1440)),
        ("18:00-24:00", (1080, 1440)),
        ("22:00-06:00", (1320, 1800)),  # overnight: belongs to the start day
        ("12:00-00:00", (720, 1440)),  # ending at midnight, written as 00:00
        ("00:01-00:00", (1, 1440)),
        ("23:59-23:58", (1439, 2878)),  # the longest overnight interval
    ],
)
def test_intervals(text, minutes):
    assert parse_interval(text) == minutes


@pytest.mark.parametrize(
    "text, words",
    [
        ("9am-5pm", "HH:MM-HH:MM"),
        ("09:00", "HH:MM-HH:MM"),
        ("0900-1700", "HH:MM-HH:MM"),
        ("09:00-09:00", "empty"),
        ("00:00-00:00", "empty"),
        ("25:00-26:00", "impossible"),
        ("09:60-10:00", "impossible"),
        ("24:30-01:00", "impossible"),
        ("24:00-06:00", "24:00"),
    ],
)
def test_bad_intervals_name_the_value(text, words):
    with pytest.raises(CalendarError, match=words) as e:
        parse_interval(text)
    assert repr(text) in str(e.value)


def test_merging_overlapping_and_touching():
    assert parse_intervals(["13:00-18:00", "09:00-12:00", "12:00-13:00"]) == ((540, 1080),)
    assert parse_intervals(["09:00-12:00", "10:00-11:00"]) == ((540, 720),)
    assert parse_intervals(["09:00-12:00", "12:01-13:00"]) == ((540, 720), (721, 780))
    assert parse_intervals(["20:00-02:00", "01:00-03:00"]) == ((60, 180), (1200, 1560))
    assert merge([(1200, 1560), (1500, 1700)]) == ((1200, 1700),)


@pytest.mark.parametrize("closed", [None, "closed", "CLOSED", "none", []])
def test_closed_days(closed):
    assert parse_intervals(closed) == ()


def test_week_and_lengths():
    week = parse_week({"mon-fri": ["09:00-18:00"], "sat": "10:00-14:00", "sun": "closed"})
    assert week[0] == week[4] == ((540, 1080),)
    assert week[5] == ((600, 840),)
    assert week[6] == ()
    assert day_length(week[0]) == 540
    assert day_length(parse_intervals(["22:00-06:00"])) == 480


def test_day_named_twice():
    with pytest.raises(CalendarError, match="mon is given twice") as e:
        parse_week({"mon-fri": ["09:00-18:00"], "mon": ["10:00-11:00"]})
    assert "'mon-fri'" in str(e.value)
    with pytest.raises(CalendarError, match="sat"):
        parse_week({"daily": ["09:00-10:00"], "weekends": "closed"})
