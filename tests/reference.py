"""Slow, obviously-correct references for checking slacalc: a calendar, and ticket evaluation.

The evaluation reference (``evaluate_metric``, at the end of this module) is built on the
calendar one; what follows describes the calendar.

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
from fractions import Fraction
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
        self.overrides = {d: [interval_minutes(x) for x in v] for d, v in cal.overrides.items()}
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
        self._lo = epoch_minute(
            wall_to_instant(
                datetime.combine(first, datetime.min.time()) + timedelta(days=3), self.zone
            )
        )
        self._hi = epoch_minute(
            wall_to_instant(
                datetime.combine(last, datetime.min.time()) - timedelta(days=1), self.zone
            )
        )
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


# ==== a minute-stepping reference for ticket evaluation ===========================================
#
# The rules of docs/evaluation.md (which grows from semantics.md), for one metric of one ticket,
# answered by walking minutes. It knows nothing of slacalc: its inputs are plain data (a
# calendar's zone, weekly hours and closed dates; a target per severity; the metric's flags;
# the events as ``(type, instant, severity)``), its output a plain ``Answer``. Every instant
# must lie on a whole minute, so a minute is either wholly counted or wholly not.


class AlwaysOpen:
    """The 24x7 clock: every minute is open."""

    def minute_open(self, m: int) -> bool:
        return True

    def next_open(self, t: datetime) -> datetime:
        return t


class _Holidays:
    """Holiday rules with explicit dates only (no country)."""

    def __init__(self, dates: tuple[date, ...]) -> None:
        self.country = None
        self.subdivision = None
        self.categories = None
        self.dates = dates
        self.remove: tuple[date, ...] = ()


class CalendarData:
    """A calendar as plain data: a zone, weekly hours and closed dates (no overrides)."""

    def __init__(self, timezone: str, hours: dict[str, list[str]], closed: tuple[str, ...] = ()):
        self.timezone = timezone
        self.hours = hours
        self.overrides: dict[date, list[str]] = {}
        self.holidays = _Holidays(tuple(date.fromisoformat(d) for d in closed))


def plain_calendar(timezone: str, hours: dict[str, list[str]], closed: tuple[str, ...] = ()):
    """A ``ReferenceCalendar`` for a zone, weekly hours and explicit closed dates."""
    return ReferenceCalendar(CalendarData(timezone, hours, closed))


class Cell:
    """One target: ``minutes`` of counted time on ``clock``; or a commitment; or none.

    ``start`` names a clock whose next opening starts the count (``None``: the anchor itself).
    """

    def __init__(
        self,
        minutes: int | None = None,
        clock: str = "always",
        start: str | None = None,
        commitment: str | None = None,
    ) -> None:
        assert (minutes is None) != (commitment is None)
        self.minutes, self.clock, self.start, self.commitment = minutes, clock, start, commitment


class MetricRules:
    """One metric: its target per severity (``None`` = no target) and its flags.

    ``stops`` are the event types that stop the clock, the earliest of them winning. A metric
    whose only stop event is ``resolved`` is re-opened by ``reopened``. ``cadence`` metrics
    restart at every ``updated`` or ``responded`` event and stop at the final resolution.
    """

    def __init__(
        self,
        targets: dict[str, Cell | None],
        clocks: dict[str, object],
        *,
        stops: tuple[str, ...] = (),
        pausable: bool = False,
        cadence: bool = False,
        warning: float = 0.75,
    ) -> None:
        self.targets, self.clocks = targets, clocks
        self.stops, self.pausable, self.cadence, self.warning = stops, pausable, cadence, warning


class Answer:
    """Where one metric stands: what ``MetricResult`` reports, as plain values."""

    def __init__(
        self,
        state: str,
        due_at: datetime | None,
        elapsed: timedelta | None,
        remaining: timedelta | None,
        severity: str,
    ) -> None:
        self.state, self.due_at, self.elapsed, self.remaining = state, due_at, elapsed, remaining
        self.severity = severity
        self.breached = state in ("breached", "missed")

    def __repr__(self) -> str:
        return (
            f"Answer({self.state}, due={self.due_at}, elapsed={self.elapsed}, "
            f"remaining={self.remaining}, severity={self.severity})"
        )


DUE_LIMIT = 60 * 24 * 60  # minutes a due time may lie after its start (tests stay far below)


def evaluate_metric(
    rules: MetricRules,
    severity: str,
    opened: datetime,
    events: list[tuple[str, datetime, str | None]],
    at: datetime,
) -> Answer:
    """One metric of one ticket at ``at``, minute by minute.

    ``events`` are ``(type, instant, new severity or None)``; they are put in time order
    (equal instants keep their order) and those after ``at`` are ignored. The history must
    be valid (each resume after a pause, each reopen after a resolution).
    """
    o, a = epoch_minute(opened), epoch_minute(at)
    assert o <= a
    timed = sorted(((epoch_minute(t), i, kind, sev) for i, (kind, t, sev) in enumerate(events)))
    evs = [(m, kind, sev) for m, _, kind, sev in timed if m <= a]

    # Pause windows: paused -> resumed, or paused -> at while still paused.
    pauses: list[tuple[int, int]] = []
    since = None
    for m, kind, _ in evs:
        if kind == "paused":
            since = m
        elif kind == "resumed":
            assert since is not None
            pauses.append((since, m))
            since = None
    paused_now = since is not None
    if since is not None:
        pauses.append((since, a))
    changes = [(m, sev) for m, kind, sev in evs if kind == "severity_changed"]

    def severity_at(m: int) -> str:
        """The severity in force at minute ``m`` (changes at ``m`` included)."""
        s = severity
        for tc, new in changes:
            if tc <= m:
                s = new
        return s

    # The stop event, and (for a metric re-opened by ``reopened``) the time it was resolved.
    reopens = rules.stops == ("resolved",)
    gaps: list[tuple[int, int]] = []
    stop = None
    if rules.cadence:
        for m, kind, _ in evs:  # the final resolution: one not followed by a reopen
            if kind == "resolved":
                stop = m
            elif kind == "reopened":
                stop = None
    else:
        for m, kind, _ in evs:
            if kind in rules.stops and stop is None:
                stop = m
            elif kind == "reopened" and reopens and stop is not None:
                gaps.append((stop, m))
                stop = None

    # Minutes that never count: paused (for a pausable metric), or between resolved and reopened.
    held = (pauses if rules.pausable else []) + gaps

    def counted(clock: object, m: int) -> bool:
        """Minute ``m`` counts: the clock is open and it is not held."""
        if not clock.minute_open(m):  # type: ignore[attr-defined]
            return False
        return not any(start <= m < end for start, end in held)

    def clock_of(cell: Cell) -> object:
        return AlwaysOpen() if cell.clock == "always" else rules.clocks[cell.clock]

    def start_of(cell: Cell, anchor: int) -> int:
        if cell.start is None:
            return anchor
        first = rules.clocks[cell.start].next_open(from_minute(anchor))  # type: ignore[attr-defined]
        return epoch_minute(first)

    def due_of(cell: Cell | None, anchor: int) -> int | None:
        """The first minute boundary by which ``cell.minutes`` minutes have been counted."""
        if cell is None or cell.minutes is None:
            return None
        m, left, clock = start_of(cell, anchor), cell.minutes, clock_of(cell)
        first = m
        while left:
            if counted(clock, m):
                left -= 1
            m += 1
            assert m - first < DUE_LIMIT, "reference walked too far"
        return m

    def targeted(
        anchor: int, until: int, stopped: int | None
    ) -> tuple[str, Cell | None, int | None]:
        """The target of a clock started at ``anchor``, after the changes in ``(anchor, until]``.

        A change re-targets (still from ``anchor``) unless the clock had stopped at or before
        it, or was already past its due time (a breach stays a breach, and ends re-targeting).
        """
        sev = severity_at(anchor)
        cell = rules.targets[sev]
        due = due_of(cell, anchor)
        for tc, new in changes:
            if not anchor < tc <= until:
                continue
            if stopped is not None and stopped <= tc:
                break
            if due is not None and due < tc:
                break
            sev, cell = new, rules.targets[new]
            due = due_of(cell, anchor)
        return sev, cell, due

    late = False
    if rules.cadence:
        end = a if stop is None else stop
        beats = [m for m, kind, _ in evs if kind in ("updated", "responded") and m <= end]
        anchor = o
        for beat in beats:
            _, _, due = targeted(anchor, beat, None)
            if due is not None and beat > due:
                late = True  # a late update is missed for good
            anchor = beat
        sev, cell, due = targeted(anchor, end, None)
    else:
        anchor = o
        sev, cell, due = targeted(o, a if stop is None else stop, stop)

    if cell is None or cell.minutes is None:
        state = "missed" if late else ("not_applicable" if cell is None else "no_deadline")
        return Answer(state, None, None, None, sev)
    assert due is not None
    start = start_of(cell, anchor)
    end = a if stop is None else stop
    clock = clock_of(cell)
    elapsed = sum(1 for m in range(start, end) if counted(clock, m))
    if late:
        state = "missed"
    elif stop is not None:
        state = "met" if stop <= due else "missed"
    elif a > due:
        state = "breached"
    elif rules.pausable and paused_now:
        state = "paused"
    elif Fraction(elapsed) >= Fraction(rules.warning) * cell.minutes:
        state = "at_risk"
    else:
        state = "running"
    return Answer(state, from_minute(due), elapsed * MINUTE, (cell.minutes - elapsed) * MINUTE, sev)


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
