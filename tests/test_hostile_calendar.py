"""Hostile calendar questions: spans of the whole horizon answer in bounded time and memory.

A question may span ``HORIZON_YEARS``. On a calendar with 48 intervals a day that is 3.5
million intervals; the answer must come from each year's open time and the intervals of the
few years the question lands in. Each case counts its work (the intervals listed, by
``Timeline._materialise``, and the days asked of the calendar), under a wall-clock alarm
far above the expected time; the heaviest cases also run under a ``tracemalloc`` peak.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from test_hostile import MB, alarm, peak_below

from slacalc import Calendar
from slacalc.calendar import _Engine
from slacalc.hours import DayIntervals
from slacalc.timeline import Timeline, _Block

QUARTERS = [f"{h:02d}:{m:02d}-{h:02d}:{m + 15:02d}" for h in range(24) for m in (0, 30)]
START, END = datetime(1801, 1, 1, tzinfo=UTC), datetime(1999, 12, 31, tzinfo=UTC)
YEARS = 201  # the local years a question from START to END touches, and one more
DAYS_ASKED = int(1.1 * 366 * YEARS)  # each day's hours read about once
OPEN = timedelta(days=35_000)  # 70,000 half-days of open time: about 197 years of them


@dataclass
class Work:
    listed: int = 0  # intervals listed in blocks
    days: int = 0  # days asked of the calendar


@contextlib.contextmanager
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Work]:
    """Count the work of calendars built inside the block."""
    work = Work()
    materialise, day_intervals = Timeline._materialise, _Engine.day_intervals

    def listing(self: Timeline, year: int) -> _Block:
        blk = materialise(self, year)
        work.listed += len(blk.cum) - 1
        return blk

    def asking(self: _Engine, d: date) -> DayIntervals:
        work.days += 1
        return day_intervals(self, d)

    monkeypatch.setattr(Timeline, "_materialise", listing)
    monkeypatch.setattr(_Engine, "day_intervals", asking)
    yield work


def quarter_hours(zone: str, holidays: dict[str, Any] | None = None) -> Calendar:
    return Calendar.from_dict(
        {"timezone": zone, "hours": {"daily": QUARTERS}, "holidays": holidays or {}}
    )


CALENDARS = {
    "UTC": ("UTC", None),
    "London+GB": ("Europe/London", {"country": "GB", "subdivision": "ENG"}),
    "New_York+US": ("America/New_York", {"country": "US"}),
}
QUESTIONS = {
    "elapsed": lambda cal: cal.elapsed(START, END),
    "add": lambda cal: cal.add(START, OPEN),
    "add back": lambda cal: cal.add(END, -OPEN),
}


@pytest.mark.parametrize("question", sorted(QUESTIONS))
@pytest.mark.parametrize("which", sorted(CALENDARS))
def test_a_horizon_of_quarter_hours_lists_two_years(
    which: str, question: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with counted(monkeypatch) as work:
        cal = quarter_hours(*CALENDARS[which])
        with alarm(60):  # 57 s and 2 GB when every interval was listed
            got = QUESTIONS[question](cal)
    assert work.listed <= 2 * 48 * 366, work
    assert work.days <= DAYS_ASKED, work
    if question == "elapsed":
        assert timedelta(days=35_000) < got < END - START
    else:
        assert START < got < END
        # the answer is the one the span's open time gives
        assert abs(cal.elapsed(START if question == "add" else END, got)) == OPEN


@pytest.mark.parametrize(("which", "question"), [("UTC", "elapsed"), ("London+GB", "add")])
def test_a_horizon_of_quarter_hours_stays_small(which: str, question: str) -> None:
    cal = quarter_hours(*CALENDARS[which])
    with alarm(120), peak_below(200 * MB):  # 665 MB traced when every interval was listed
        QUESTIONS[question](cal)


def test_arrays_over_the_horizon_list_two_years(monkeypatch: pytest.MonkeyPatch) -> None:
    a = np.array([START.replace(tzinfo=None), datetime(1900, 6, 1)], dtype="M8[us]")
    b = np.array([END.replace(tzinfo=None), datetime(1999, 6, 1)], dtype="M8[us]")
    with counted(monkeypatch) as work:
        cal = quarter_hours("America/New_York", {"country": "US"})
        with alarm(60):
            spans = cal.elapsed(a, b)
            due = cal.add(a, np.array([OPEN, OPEN // 2], dtype="m8[us]"))
    assert work.listed <= 6 * 48 * 366, work  # the years of a, b and due
    assert work.days <= 2 * DAYS_ASKED, work
    assert spans.tolist() == [
        cal.elapsed(START, END),
        cal.elapsed(a[1].item().replace(tzinfo=UTC), b[1].item().replace(tzinfo=UTC)),
    ]
    assert due[0] == np.datetime64(cal.add(START, OPEN).replace(tzinfo=None), "us")


def test_the_first_intervals_of_a_horizon_list_a_year_or_two(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with counted(monkeypatch) as work:
        cal = quarter_hours("Europe/London")
        with alarm(60):
            first = list(itertools.islice(cal.open_intervals(START, END), 10))
    assert len(first) == 10
    assert work.listed <= 2 * 48 * 366, work  # START is 1800 in London (GMT-0:01:15)
    assert work.days <= DAYS_ASKED, work


def test_one_stretch_over_two_centuries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Open at every instant but one date: the stretch is found year by year."""
    with counted(monkeypatch) as work:
        cal = Calendar.from_dict(
            {"hours": {"daily": ["00:00-24:00"]}, "holidays": {"dates": ["1999-12-25"]}}
        )
        with alarm(60):
            end = cal.next_close(START)
    assert end == datetime(1999, 12, 25, tzinfo=UTC)
    assert work.listed <= YEARS, work  # one merged interval a year
    assert work.days <= 2 * DAYS_ASKED, work
