"""Weekly opening hours as written: day keys (``mon``, ``mon-fri``, ``daily``) and ``HH:MM-HH:MM``.

An interval is half-open ``[start, end)`` in local minutes from the start of the day it
belongs to. ``24:00`` is allowed as an end; an end at or before the start is overnight and
runs into the next morning (``22:00-06:00`` is ``[1320, 1800)``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from .durations import case_free
from .errors import CalendarError

__all__ = [
    "DAY_KEYS",
    "DayIntervals",
    "Week",
    "parse_day_key",
    "parse_interval",
    "parse_intervals",
    "parse_week",
]

Interval = tuple[int, int]
DayIntervals = tuple[Interval, ...]
Week = tuple[
    DayIntervals, DayIntervals, DayIntervals, DayIntervals, DayIntervals, DayIntervals, DayIntervals
]

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_INDEX = {**{k: i for i, k in enumerate(DAY_KEYS)}, **{k: i for i, k in enumerate(_FULL)}}
_GROUPS = {"daily": tuple(range(7)), "weekdays": tuple(range(5)), "weekends": (5, 6)}
_INTERVAL = re.compile(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*")
ACCEPTED_KEYS = "mon..sun, a range such as mon-fri, daily, weekdays or weekends"
_DAY = "(?:" + "|".join(sorted(_DAY_INDEX, key=len, reverse=True)) + ")"
#: A day key for the JSON Schema (``parse_day_key`` is the rule).
DAY_KEY_PATTERN = case_free(rf"^\s*(?:{'|'.join(_GROUPS)}|{_DAY}(?:\s*-\s*{_DAY})?)\s*$")
#: ``HH:MM-HH:MM`` for the JSON Schema (``parse_interval`` is the rule; it also checks times).
INTERVAL_PATTERN = r"^\s*(?:[01]?\d|2[0-4]):[0-5]\d\s*-\s*(?:[01]?\d|2[0-4]):[0-5]\d\s*$"
CLOSED_WORDS = ("closed", "none")


def parse_day_key(key: str) -> tuple[int, ...]:
    """The weekdays (0 = Monday) a day key names."""
    k = str(key).strip().lower()
    if k in _GROUPS:
        return _GROUPS[k]
    if k in _DAY_INDEX:
        return (_DAY_INDEX[k],)
    if "-" in k:
        a, _, b = (p.strip() for p in k.partition("-"))
        if a in _DAY_INDEX and b in _DAY_INDEX:
            i, j = _DAY_INDEX[a], _DAY_INDEX[b]
            if i == j:
                return (i,)
            return tuple((i + n) % 7 for n in range((j - i) % 7 + 1))
    raise CalendarError(f"unknown day key {key!r}; use {ACCEPTED_KEYS}")


def _minutes(h: str, m: str, text: str) -> int:
    hh, mm = int(h), int(m)
    if mm > 59 or hh > 24 or (hh == 24 and mm):
        raise CalendarError(f"interval {text!r} has an impossible time; times run 00:00 to 24:00")
    return hh * 60 + mm


def parse_interval(text: str) -> Interval:
    """``'09:00-18:00'`` -> ``(540, 1080)``; overnight ends are pushed past 1440."""
    if not isinstance(text, str) or not (m := _INTERVAL.fullmatch(text)):
        raise CalendarError(
            f"interval {text!r} is not HH:MM-HH:MM; write e.g. '09:00-18:00', "
            "'22:00-06:00' (overnight) or '00:00-24:00'"
        )
    start = _minutes(m.group(1), m.group(2), text)
    end = _minutes(m.group(3), m.group(4), text)
    if start == 1440:
        raise CalendarError(f"interval {text!r} starts at 24:00; start at 00:00 of the next day")
    if start == end:
        raise CalendarError(f"interval {text!r} is empty; start and end must differ")
    if end < start:
        end += 1440
    return start, end


def parse_intervals(value: str | Sequence[str] | None) -> DayIntervals:
    """A day's intervals, sorted and with overlapping or touching ones merged."""
    if value is None:
        return ()
    if isinstance(value, str):
        if value.strip().lower() in CLOSED_WORDS:
            return ()
        value = [value]
    if not isinstance(value, Sequence):
        raise CalendarError(f"hours {value!r} must be a list of 'HH:MM-HH:MM' intervals")
    return merge(parse_interval(v) for v in value)


def merge(intervals: Iterable[Interval]) -> DayIntervals:
    """Sort and merge overlapping or touching half-open intervals."""
    out: list[list[int]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return tuple((s, e) for s, e in out)


def parse_week(hours: Mapping[str, str | Sequence[str] | None]) -> Week:
    """Weekly hours keyed by day keys; a weekday named twice is an error."""
    days: list[DayIntervals | None] = [None] * 7
    owner: dict[int, str] = {}
    for key, value in hours.items():
        intervals = parse_intervals(value)
        for i in parse_day_key(key):
            if i in owner:
                raise CalendarError(
                    f"{DAY_KEYS[i]} is given twice, by {owner[i]!r} and {key!r}; name each day once"
                )
            owner[i] = str(key)
            days[i] = intervals
    d = [x or () for x in days]
    return (d[0], d[1], d[2], d[3], d[4], d[5], d[6])


def day_length(intervals: DayIntervals) -> int:
    """Nominal open minutes of one day's intervals."""
    return sum(e - s for s, e in intervals)
