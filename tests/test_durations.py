"""Durations as policy authors write them (semantics.md "Calendar", docs/semantics.md)."""

from __future__ import annotations

import pickle
from datetime import timedelta
from fractions import Fraction

import pytest

from slacalc import Duration, DurationError, SlacalcError, parse_duration
from slacalc.durations import format_timedelta

H = timedelta(hours=1)
M = timedelta(minutes=1)


@pytest.mark.parametrize(
    "text, fixed",
    [
        ("30m", 30 * M),
        ("4h", 4 * H),
        ("4H", 4 * H),
        ("1h30m", 90 * M),
        ("1h 30m", 90 * M),
        ("90s", timedelta(seconds=90)),
        ("1.5h", 90 * M),
        ("2d", 48 * H),  # a day of the clock, not a business day
        ("1w", 7 * 24 * H),
        ("4 hours", 4 * H),
        ("1 hour", H),
        ("30 mins", 30 * M),
        ("1 hour 30 minutes", 90 * M),
        ("1 hour, 30 minutes", 90 * M),
        ("4 business hours", 4 * H),  # hours on the target's clock
        ("PT4H", 4 * H),
        ("P1DT2H", 26 * H),
        ("P2W", 14 * 24 * H),
        ("PT0.5S", timedelta(milliseconds=500)),
    ],
)
def test_fixed_durations(text, fixed):
    d = parse_duration(text)
    assert d.fixed == fixed
    assert not d.is_business
    assert d.business_days == 0
    assert d.to_timedelta() == fixed
    assert d == fixed
    assert str(d) == text  # keeps the author's words for explanations


@pytest.mark.parametrize(
    "text, days, fixed",
    [
        ("1 business day", 1, timedelta(0)),
        ("3 business days", 3, timedelta(0)),
        ("0.5 business days", Fraction(1, 2), timedelta(0)),
        ("2 business days and 4 hours", 2, 4 * H),
    ],
)
def test_business_days(text, days, fixed):
    d = parse_duration(text)
    assert d.is_business
    assert d.business_days == days
    assert d.fixed == fixed
    assert d.to_timedelta(9 * H) == fixed + timedelta(hours=float(days * 9))
    assert d != fixed  # a business-day duration is not a plain timedelta


def test_business_days_need_a_business_day_to_convert():
    with pytest.raises(DurationError, match="business_day"):
        parse_duration("2 business days").to_timedelta()


@pytest.mark.parametrize(
    "bad",
    ["4 hourz", "", "   ", "4", "h", "-4h", "4 h 30", "1 business", "business day", "P", "PT",
     "P1Y", "0h", "1 business week"],
)
def test_unparseable_durations_name_the_value(bad):
    with pytest.raises(DurationError) as e:
        parse_duration(bad)
    assert repr(bad) in str(e.value)
    assert isinstance(e.value, SlacalcError)
    assert isinstance(e.value, ValueError)


def test_business_week_is_refused_rather_than_168_hours():
    with pytest.raises(DurationError, match="5 business days"):
        parse_duration("1 business week")


@pytest.mark.parametrize("bad", [True, None, [1], object()])
def test_non_durations_are_refused(bad):
    with pytest.raises(DurationError):
        Duration.parse(bad)


def test_other_inputs():
    assert Duration.parse(timedelta(hours=2)).fixed == 2 * H
    with pytest.raises(DurationError, match='90 has no unit; write "90m" or "90h"'):
        Duration.parse(90)  # type: ignore[arg-type]
    with pytest.raises(DurationError, match=r'1\.5 has no unit; write "1\.5m" or "1\.5h"'):
        Duration.parse(1.5)  # type: ignore[arg-type]
    d = parse_duration("4h")
    assert Duration.parse(d) is d


def test_equality_hash_and_sum():
    assert parse_duration("60m") == parse_duration("1h")
    assert hash(parse_duration("60m")) == hash(parse_duration("1h"))
    assert parse_duration("1 business day") != parse_duration("9h")
    total = parse_duration("1h") + parse_duration("1 business day")
    assert (total.fixed, total.business_days) == (H, 1)
    assert str(total) == "1h + 1 business day"
    assert not Duration()
    assert Duration(business_days=1)


def test_pickle_keeps_value_and_text():
    d = parse_duration("2 business days")
    back = pickle.loads(pickle.dumps(d))
    assert back == d
    assert str(back) == "2 business days"


@pytest.mark.parametrize(
    "td, text",
    [
        (timedelta(0), "0s"),
        (90 * M, "1h30m"),
        (-15 * M, "-15m"),
        (timedelta(days=2, hours=4), "2d4h"),
        (timedelta(seconds=1.5), "1.5s"),
        (timedelta(seconds=61), "1m1s"),
    ],
)
def test_format_timedelta(td, text):
    assert format_timedelta(td) == text
