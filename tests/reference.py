"""A slow, obviously-correct reference calendar, for checking the real one.

It shares no code with ``slacalc.timeline`` or ``slacalc.hours``: it re-reads a calendar's
*data* (zone, weekly hours, holidays, overrides), turns every interval that starts on a
local date into a pair of instants with ``zoneinfo`` directly, expands those into the set
of open **minutes** (minutes since the Unix epoch), and answers questions by walking that
set one minute at a time.

That is exact for whole-minute instants, because every boundary is on a whole minute: the
zones used in tests have whole-minute offsets (``+05:30``, ``-03:30`` included) and their
transitions fall on whole minutes, so each minute ``[m, m + 60 s)`` is either wholly open
or wholly closed.

Local wall times become instants by the rule of semantics.md, implemented here by brute
force rather than by cleverness:

* a wall time that exists once is that instant;
* one that exists twice (fall-back) is its first occurrence (the smaller instant);
* one that does not exist (spring-forward gap) moves forward, minute by minute of wall
  time, to the first wall time that exists, and takes that (the first instant after the gap).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_GROUPS = {"daily": range(7), "weekdays": range(5), "weekends": (5, 6)}
_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def _day_index(name: str) -> int:
    name = name.strip().lower()
    if name in _DAYS:
        return _DAYS.index(name)
    return _FULL.index(name)


def weekdays_of(key: str) -> list[int]:
    """0 = Monday; ranges wrap around the week (``fri-mon``)."""
    k = key.strip().lower()
    if k in _GROUPS:
        return list(_GROUPS[k])
    if "-" in k:
        a, b = k.split("-")
        i, j = _day_index(a), _day_index(b)
        out = [i]
        while out[-1] != j:
            out.append((out[-1] + 1) % 7)
        return out
    return [_day_index(k)]


def interval_minutes(text: str) -> tuple[int, int]:
    """``'22:00-06:00'`` -> ``(1320, 1800)``: minutes from the start day's midnight."""
    m = _HHMM.match(text)
    assert m, text
    start = int(m.group(1)) * 60 + int(m.group(2))
    end = int(m.group(3)) * 60 + int(m.group(4))
    if end <= start:
        end += 24 * 60
    return start, end


def _exists(wall: datetime, zone: ZoneInfo) -> list[datetime]:
    """The instants (UTC) at which the clock in ``zone`` reads ``wall``."""
    found = []
    for fold in (0, 1):
        u = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if u.astimezone(zone).replace(tzinfo=None) == wall:
            found.append(u)
    return found


def wall_to_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall time to an aware UTC instant (see module docstring)."""
    w = wall
    for _ in range(24 * 60):
        hits = _exists(w, zone)
        if hits:
            return min(hits)
        w += MINUTE
    raise AssertionError(f"no wall time after {wall} exists in {zone}")


def epoch_minute(t: datetime) -> int:
    """Whole minutes since the epoch (``t`` must be on a whole minute)."""
    d = t - _EPOCH
    secs = d.days * 86_400 + d.seconds
    assert secs % 60 == 0 and d.microseconds == 0, t
    return secs // 60


def from_minute(m: int) -> datetime:
    return _EPOCH + timedelta(minutes=m)


class ReferenceCalendar:
    """Brute-force answers for a ``slacalc.Calendar`` (or the same data)."""

    WINDOW_DAYS = 21
    LIMIT_DAYS = 400  # refuse to walk further than this: tests use bounded spans

    def __init__(self, cal) -> None:
        self.zone = ZoneInfo(cal.timezone)
        self.week: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for key, intervals in cal.hours.items():
            for i in weekdays_of(key):
                self.week[i] = [interval_minutes(x) for x in intervals]
        self.overrides = {
            d: [interval_minutes(x) for x in v] for d, v in cal.overrides.items()
        }
        rules = cal.holidays
        self.country = rules.country
        self.subdivision = rules.subdivision
        self.categories = rules.categories
        self.extra = set(rules.dates)
        self.removed = set(rules.remove)
        self._holidays: dict[int, set[date]] = {}
        self._lo = self._hi = 0
        self._open: set[int] = set()

    # ---- the data ---------------------------------------------------------------
    def holidays(self, year: int) -> set[date]:
        if year not in self._holidays:
            days: set[date] = set()
            if self.country:
                kw = {"subdiv": self.subdivision, "years": year}
                if self.categories is not None:
                    kw["categories"] = self.categories
                days = set(holidays_lib.country_holidays(self.country, **kw))
            days |= {d for d in self.extra if d.year == year}
            days -= self.removed
            self._holidays[year] = days
        return self._holidays[year]

    def intervals_starting(self, d: date) -> list[tuple[int, int]]:
        """Local (start, end) minutes of the intervals that start on local date ``d``."""
        if d in self.overrides:
            return self.overrides[d]
        if d in self.holidays(d.year):
            return []
        return self.week[d.weekday()]

    def instants_starting(self, d: date) -> list[tuple[datetime, datetime]]:
        midnight = datetime(d.year, d.month, d.day)
        out = []
        for s, e in self.intervals_starting(d):
            a = wall_to_instant(midnight + timedelta(minutes=s), self.zone)
            b = wall_to_instant(midnight + timedelta(minutes=e), self.zone)
            if b > a:
                out.append((a, b))
        return out

    def local_date(self, m: int) -> date:
        return from_minute(m).astimezone(self.zone).date()

    # ---- minute by minute ---------------------------------------------------------
    def _load(self, m: int) -> None:
        """Build the set of open minutes for a window of local dates around minute ``m``."""
        centre = self.local_date(m)
        first = centre - timedelta(days=self.WINDOW_DAYS)
        last = centre + timedelta(days=self.WINDOW_DAYS)
        opened: set[int] = set()
        d = first
        while d <= last:
            for a, b in self.instants_starting(d):
                opened.update(range(epoch_minute(a), epoch_minute(b)))
            d += timedelta(days=1)
        # Exact for minutes whose local date lies two days inside the window: any interval
        # covering them starts on a date in the window (an interval lasts under 48 hours).
        self._lo = epoch_minute(wall_to_instant(datetime.combine(first, datetime.min.time())
                                                + timedelta(days=3), self.zone))
        self._hi = epoch_minute(wall_to_instant(datetime.combine(last, datetime.min.time())
                                                - timedelta(days=1), self.zone))
        self._open = opened

    def minute_open(self, m: int) -> bool:
        if not self._lo <= m < self._hi:
            self._load(m)
        return m in self._open

    def is_open(self, t: datetime) -> bool:
        return self.minute_open(epoch_minute(t))

    def elapsed_minutes(self, a: datetime, b: datetime) -> int:
        """Open minutes in ``[a, b)``, negative when ``b < a``."""
        ma, mb = epoch_minute(a), epoch_minute(b)
        if mb < ma:
            return -self.elapsed_minutes(b, a)
        return sum(1 for m in range(ma, mb) if self.minute_open(m))

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        return timedelta(minutes=self.elapsed_minutes(a, b))

    def add(self, t: datetime, d: timedelta) -> datetime:
        """Earliest ``u >= t`` with ``d`` open in ``[t, u)``; ``d < 0``: the latest ``u <= t``."""
        need, rest = divmod(d, MINUTE)
        assert rest == timedelta(0), d
        m = epoch_minute(t)
        limit = self.LIMIT_DAYS * 24 * 60
        if need >= 0:
            u = m
            while need:
                if self.minute_open(u):
                    need -= 1
                u += 1
                assert u - m < limit, "reference walked too far"
        else:
            u = m
            while need:
                u -= 1
                if self.minute_open(u):
                    need += 1
                assert m - u < limit, "reference walked too far"
        return from_minute(u)

    def next_open(self, t: datetime) -> datetime:
        m = epoch_minute(t)
        u = m
        while not self.minute_open(u):
            u += 1
            assert u - m < self.LIMIT_DAYS * 24 * 60, "reference walked too far"
        return from_minute(u)


class DayWalkReference:
    """Brute force over days, for calendars open only a few days in a decade.

    Every local date from ``first`` to ``last`` is asked for the intervals that start on it
    (``ReferenceCalendar.instants_starting``); the instants are merged into one list, and
    questions walk that list from the start. ``None`` means no answer inside the range.
    """

    def __init__(self, cal, first: date, last: date) -> None:
        days = ReferenceCalendar(cal)
        found: list[tuple[datetime, datetime]] = []
        d = first
        while d <= last:
            found.extend(days.instants_starting(d))
            d += timedelta(days=1)
        found.sort()
        self.intervals: list[tuple[datetime, datetime]] = []
        for a, b in found:
            if self.intervals and a <= self.intervals[-1][1]:
                prev = self.intervals[-1]
                self.intervals[-1] = (prev[0], max(prev[1], b))
            else:
                self.intervals.append((a, b))

    def add(self, t: datetime, d: timedelta) -> datetime | None:
        need = abs(d)
        if not need:
            return t
        if d > timedelta(0):
            for a, b in self.intervals:
                if b <= t:
                    continue
                start = max(a, t)
                if b - start >= need:
                    return start + need
                need -= b - start
            return None
        for a, b in reversed(self.intervals):
            if a >= t:
                continue
            end = min(b, t)
            if end - a >= need:
                return end - need
            need -= end - a
        return None

    def next_open(self, t: datetime) -> datetime | None:
        for a, b in self.intervals:
            if b > t:
                return max(a, t)
        return None

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        if b < a:
            return -self.elapsed(b, a)
        total = timedelta(0)
        for s, e in self.intervals:
            lo, hi = max(s, a), min(e, b)
            if lo < hi:
                total += hi - lo
        return total
