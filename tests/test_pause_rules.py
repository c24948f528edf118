"""Recurring pause windows are checked at load: a rule that never occurs, or whose windows
touch without end, is refused; every other rule loads. Checked against a direct reading:
the first occurrences, merged by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from slacalc.terms import PauseWindowSpec

START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # a Monday


def window(rule: str, duration: str) -> PauseWindowSpec:
    return PauseWindowSpec(rrule=rule, dtstart=START, duration=duration)


@pytest.mark.parametrize(
    ("rule", "duration"),
    [
        ("FREQ=WEEKLY;BYDAY=SU;BYHOUR=2", "2h"),
        ("FREQ=DAILY", "23h"),
        ("FREQ=MINUTELY;BYDAY=MO,TU,WE,TH,FR", "1m"),  # touches all week, open at weekends
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "1d"),  # leap days only
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "3h"),
        ("FREQ=DAILY;COUNT=5", "2d"),  # touching, but it ends
        ("FREQ=MONTHLY;BYDAY=1MO", "4h"),
    ],
)
def test_rules_that_occur_and_end_load(rule: str, duration: str) -> None:
    assert window(rule, duration).rule() is not None


@pytest.mark.parametrize(
    ("rule", "duration", "words"),
    [
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "2h", "never occurs"),
        ("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31", "2h", "never occurs"),
        ("FREQ=WEEKLY;BYYEARDAY=367", "2h", "never occurs"),
        ("FREQ=DAILY;UNTIL=20250101T000000Z", "2h", "never occurs"),
        ("FREQ=DAILY", "24h", "never ends"),
        ("FREQ=WEEKLY;INTERVAL=2", "14d", "never ends"),
        ("FREQ=MINUTELY;INTERVAL=10", "10m", "never ends"),
        ("FREQ=HOURLY", "2h", "never ends"),
    ],
)
def test_rules_that_never_occur_or_never_end_are_refused(
    rule: str, duration: str, words: str
) -> None:
    with pytest.raises(ValueError, match=words):
        window(rule, duration)


def touches_for_ever(rule: str, hours: int, sample: int = 600) -> bool:
    """The first ``sample`` windows, merged by hand: one unbroken run means for ever."""
    occurrences = list(islice(rrulestr(rule, dtstart=START), sample))
    end = occurrences[0] + timedelta(hours=hours)
    for occ in occurrences[1:]:
        if occ > end:
            return False
        end = max(end, occ + timedelta(hours=hours))
    return len(occurrences) == sample


DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    freq=st.sampled_from(["HOURLY", "DAILY", "WEEKLY"]),
    interval=st.integers(1, 3),
    days=st.sets(st.sampled_from(DAYS), max_size=7),
    hours=st.integers(1, 400),
)
def test_the_load_check_agrees_with_merging_by_hand(
    freq: str, interval: int, days: set[str], hours: int
) -> None:
    rule = f"FREQ={freq};INTERVAL={interval}"
    if days:
        rule += ";BYDAY=" + ",".join(sorted(days, key=DAYS.index))
    expected = touches_for_ever(rule, hours)
    try:
        window(rule, f"{hours}h")
        refused = False
    except ValueError as e:
        assert "never ends" in str(e)
        refused = True
    assert refused == expected, rule
