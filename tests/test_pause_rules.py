"""Recurring pause windows are checked at load: a rule that never occurs, or whose windows
touch without end, is refused; every other rule loads. Checked against a direct reading:
the first occurrences, merged by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any

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


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=YEARLY;BYWEEKNO=1;BYMONTH=6",  # week 1 is never in June
        "FREQ=SECONDLY;BYWEEKNO=1;BYMONTH=6",
        "FREQ=YEARLY;BYEASTER=0;BYMONTH=1",  # Easter is never in January
        "FREQ=DAILY;BYHOUR=1;BYSETPOS=2",  # one candidate a day, the second asked for
        "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=3",
        "FREQ=MONTHLY;BYDAY=MO;BYMONTHDAY=1;BYSETPOS=2",
    ],
)
def test_rules_empty_by_week_number_easter_or_position_are_refused_at_once(
    rule: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # dateutil walks each of these to the year 9999 (up to 18 s) before it gives up; the
    # check looks at each day of the first years once. A counter of work: the days looked at.
    import slacalc.terms as terms

    looked = [0]
    real = terms._may_fall_on

    def counted(r: Any, day: date) -> bool:
        looked[0] += 1
        return real(r, day)

    monkeypatch.setattr(terms, "_may_fall_on", counted)
    with pytest.raises(ValueError, match="never occurs"):
        window(rule, "1h")
    assert looked[0] <= 366 * (terms.RULE_FIRST_YEARS + 2)


def test_a_count_beyond_the_limit_is_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match="write UNTIL"):
        window("FREQ=MINUTELY;COUNT=5000000", "10s")
    assert window("FREQ=MINUTELY;COUNT=100000", "10s").rule() is not None


@st.composite
def filtered_rules(draw: st.DrawFn) -> str:
    """YEARLY and MONTHLY rules with week numbers, Easter offsets, positions and days."""
    parts = [f"FREQ={draw(st.sampled_from(['YEARLY', 'MONTHLY']))}"]
    if draw(st.booleans()):
        weeks = draw(st.lists(st.integers(1, 53) | st.integers(-53, -1), min_size=1, max_size=3))
        parts.append("BYWEEKNO=" + ",".join(map(str, weeks)))
    if draw(st.booleans()):
        parts.append(f"BYEASTER={draw(st.integers(-60, 60))}")
    if draw(st.booleans()):
        parts.append(
            "BYMONTH="
            + ",".join(map(str, draw(st.sets(st.integers(1, 12), min_size=1, max_size=3))))
        )
    if draw(st.booleans()):
        parts.append(
            "BYDAY=" + ",".join(draw(st.sets(st.sampled_from(DAYS), min_size=1, max_size=3)))
        )
    if draw(st.booleans()):
        parts.append(f"BYSETPOS={draw(st.integers(1, 40) | st.integers(-40, -1))}")
    parts.append("WKST=" + draw(st.sampled_from(["MO", "SU", "TH"])))
    return ";".join(parts)


@pytest.mark.slow  # an empty rule costs dateutil, the reference, a walk to the year 9999
@settings(max_examples=60, deadline=None, derandomize=True)
@given(rule=filtered_rules(), offset=st.integers(0, 3 * 365))
def test_a_rule_is_refused_as_empty_only_when_dateutil_finds_no_occurrence(
    rule: str, offset: int
) -> None:
    from slacalc.terms import RULE_FIRST_YEARS, _may_fall_on

    dtstart = START + timedelta(days=offset)
    occurrences = list(islice(rrulestr(rule, dtstart=dtstart), 40))
    horizon = dtstart.replace(year=dtstart.year + RULE_FIRST_YEARS - 1)
    occurs = bool(occurrences) and occurrences[0] <= horizon
    parsed = rrulestr(rule, dtstart=dtstart)
    for occ in occurrences:
        assert _may_fall_on(parsed, occ.date()), (rule, occ)  # type: ignore[arg-type]
    try:
        window_at = PauseWindowSpec(rrule=rule, dtstart=dtstart, duration="1h")
        refused = False
    except ValueError as e:
        assert "never occurs" in str(e), e
        refused = True
    if occurs:
        assert not refused, (rule, occurrences[0])
        assert window_at.rule() is not None
    elif not occurrences:
        assert refused, rule
