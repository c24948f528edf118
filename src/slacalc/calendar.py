"""The ``Calendar`` model: a time zone, weekly hours, holidays, overrides and a business day.

The model is the data (immutable, validated, serialisable); questions are answered by its
``Timeline`` (see ``timeline``), built lazily on first use and shared safely across threads.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, overload
from zoneinfo import ZoneInfo

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .durations import Duration
from .errors import CalendarError, DurationError
from .hours import (
    CLOSED_WORDS,
    DAY_KEY_PATTERN,
    INTERVAL_PATTERN,
    DayIntervals,
    Week,
    day_length,
    parse_day_key,
    parse_interval,
    parse_intervals,
    parse_week,
)
from .instants import EPOCH, instant, zone_named
from .timeline import Timeline, local_to_us
from .yamldoc import load_yaml_text

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

    Durations = timedelta | Duration | str | pd.Series | NDArray[np.timedelta64]

__all__ = ["Calendar", "HolidayRules"]

_US = timedelta(microseconds=1)
_ENGINE_LOCK = threading.RLock()


def _listify(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [] if value.strip().lower() in CLOSED_WORDS else [value]
    return value


def _check_interval(value: str) -> str:
    parse_interval(value)
    return value


def _check_day_key(value: str) -> str:
    parse_day_key(value)
    return value


IntervalText = Annotated[
    str,
    BeforeValidator(lambda v: _check_interval(v) if isinstance(v, str) else v),
    WithJsonSchema({"type": "string", "pattern": INTERVAL_PATTERN, "examples": ["09:00-17:00"]}),
]
DayKey = Annotated[
    str,
    BeforeValidator(lambda v: _check_day_key(v) if isinstance(v, str) else v),
    WithJsonSchema({"type": "string", "pattern": DAY_KEY_PATTERN}),
]
Intervals = Annotated[
    list[IntervalText],
    BeforeValidator(_listify),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "array", "items": {"type": "string", "pattern": INTERVAL_PATTERN}},
                {"type": "string", "pattern": INTERVAL_PATTERN},
                {"type": "string", "enum": list(CLOSED_WORDS)},
                {"type": "null"},
            ],
            "description": "'HH:MM-HH:MM' intervals; [], 'closed' or null for a closed day",
        }
    ),
]
#: An IANA zone name's shape, for the JSON Schema: components that start with a capital
#: (``Europe/London``, ``America/Argentina/Buenos_Aires``, ``Etc/GMT+5``, ``UTC``).
#: ``Calendar._known_zone`` is the rule; a list of names would tie the schema to one
#: machine's zone database.
ZONE_PATTERN = r"^[A-Z][A-Za-z0-9_+-]*(?:/[A-Z][A-Za-z0-9_+-]*)*$"


class HolidayRules(BaseModel):
    """Public holidays: a country (and subdivision) from ``holidays``, plus and minus dates.

    A holiday closes the intervals that start on that local date. ``observed`` says which of
    the country's dates close it: ``both`` (default) the official dates and their observed
    substitutes, as the ``holidays`` package lists them; ``actual`` only the official dates
    (the package's ``observed=False``); ``substitutes`` the days taken off, that is every
    date except an official date whose holiday moved to a substitute (a name the package
    marks ``(observed)``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    country: str | None = Field(
        None, description="ISO 3166 code known to the holidays package, e.g. 'GB'"
    )
    subdivision: str | None = Field(
        None,
        validation_alias=AliasChoices("subdivision", "subdiv"),
        description="Subdivision code, e.g. 'ENG' for England",
    )
    categories: tuple[str, ...] | None = Field(
        None, description="holidays categories, e.g. ['public', 'bank']; default: the package's"
    )
    observed: Literal["substitutes", "actual", "both"] = Field(
        "both",
        description="Which of the country's dates close: 'both' (default) official dates and "
        "observed substitutes; 'actual' official dates only; 'substitutes' the days taken off "
        "(an official date whose holiday moved to a substitute stays open)",
    )
    dates: tuple[date, ...] = Field((), description="Extra closed dates")
    remove: tuple[date, ...] = Field((), description="Dates to drop from the country's list")

    @field_validator("country")
    @classmethod
    def _known_country(cls, v: str | None) -> str | None:
        if v is None:
            return v
        supported = _supported_countries()
        code = v.strip().upper()
        if code not in supported:
            raise CalendarError(
                f"unknown holiday country {v!r}; use an ISO 3166 code the holidays package "
                f"supports, e.g. {', '.join(sorted(supported)[:12])}, ..."
            )
        return code

    @model_validator(mode="after")
    def _check(self) -> HolidayRules:
        if self.subdivision is not None:
            if self.country is None:
                raise CalendarError("a holiday subdivision needs a country")
            subdivs = _subdivisions(self.country)
            if self.subdivision not in subdivs:
                match = [s for s in subdivs if s.upper() == self.subdivision.upper()]
                if not match:
                    raise CalendarError(
                        f"unknown subdivision {self.subdivision!r} of {self.country}; "
                        f"valid: {', '.join(subdivs) or '(none)'}"
                    )
                object.__setattr__(self, "subdivision", match[0])
        if self.categories is not None and self.country is not None:
            try:
                self.holidays_for(2000)
            except (NotImplementedError, ValueError) as e:
                raise CalendarError(f"holiday categories {list(self.categories)}: {e}") from None
        for d in self.remove:
            if d not in self._country_holidays(d.year):
                raise CalendarError(
                    f"remove: {d} is not a holiday of {self.country or 'this calendar'}; "
                    "list only dates the country's holidays include"
                )
        return self

    def _package_holidays(self, years: Iterable[int], *, observed: bool) -> Any:
        kwargs: dict[str, Any] = {"subdiv": self.subdivision, "years": tuple(years)}
        if self.categories is not None:
            kwargs["categories"] = self.categories
        return _country_class(self.country or "")(observed=observed, **kwargs)

    def _country_holidays(self, *years: int) -> Mapping[date, str]:
        """The country's dates in ``years`` that close the calendar, as ``observed`` says.

        ``substitutes``: the package's list (observed days included) less each official date
        all of whose holidays have a substitute, found by the name the package gives it
        (``'Boxing Day (observed)'``) within a week of the official date; a date that is a
        substitute itself stays (Scotland: 2 January is New Year's Day's substitute when the
        1st is a Sunday, and its own holiday moves to the 3rd).
        """
        if self.country is None:
            return {}
        if self.observed != "substitutes":
            found: Mapping[date, str] = self._package_holidays(
                years, observed=self.observed == "both"
            )
            return found
        # A substitute can fall in the year before or after its official date.
        wider = sorted({y + k for y in years for k in (-1, 0, 1)})
        listed = self._package_holidays(wider, observed=True)
        official = self._package_holidays(wider, observed=False)
        wanted = set(years)
        label_form = getattr(type(listed), "observed_label", None)
        if label_form is None:  # a country that moves no holiday: the two lists are one
            return {d: label for d, label in listed.items() if d.year in wanted}
        prefix, _, suffix = str(label_form).partition("%s")
        kept: dict[date, set[str]] = {d: set(n.split("; ")) for d, n in official.items()}
        substitutes: set[date] = set()
        for sub, label in listed.items():
            for name in label.split("; "):
                labelled = name.startswith(prefix) and name.endswith(suffix)
                if not labelled or name in official.get(sub, "").split("; "):
                    continue
                substitutes.add(sub)
                holiday = name[len(prefix) : len(name) - len(suffix)]
                moved = [d for d, ns in kept.items() if holiday in ns and abs((d - sub).days) <= 7]
                if moved:
                    kept[min(moved, key=lambda d: abs((d - sub).days))].discard(holiday)
        return {
            d: label
            for d, label in listed.items()
            if d.year in wanted and (d in substitutes or d not in kept or kept[d])
        }

    def holidays_for(self, *years: int) -> dict[date, str]:
        """Holiday dates and names in the given years, extras added and removals applied."""
        out = dict(self._country_holidays(*years))
        wanted = set(years)
        for d in self.dates:
            if d.year in wanted:
                out.setdefault(d, "extra closed date")
        for d in self.remove:
            out.pop(d, None)
        return out


class _Engine:
    """What a calendar computes from its data once: zone, week, overrides, holidays, index."""

    def __init__(self, cal: Calendar) -> None:
        self.zone = ZoneInfo(cal.timezone)
        self.week: Week = parse_week(cal.hours)
        self.overrides: dict[date, DayIntervals] = {
            d: parse_intervals(v) for d, v in cal.overrides.items()
        }
        self.rules = cal.holidays
        self._holiday_years: dict[int, frozenset[date]] = {}
        self._lock = threading.Lock()
        full = all(day == ((0, 1440),) for day in self.week)
        always = full and not self.overrides and not self._may_have_holidays()
        open_days = [d for d, v in self.overrides.items() if v]
        self.timeline = Timeline(
            self.zone,
            self.day_intervals,
            always=always,
            open_years=None if any(self.week) else (min(open_days).year, max(open_days).year),
            prepare_years=self.prepare_years,
        )

    def _may_have_holidays(self) -> bool:
        return self.rules.country is not None or bool(self.rules.dates)

    def prepare_years(self, first: int, last: int) -> None:
        missing = [y for y in range(first - 1, last + 2) if y not in self._holiday_years]
        if not missing:
            return
        found = self.rules.holidays_for(*missing) if self._may_have_holidays() else {}
        by_year: dict[int, set[date]] = {y: set() for y in missing}
        for d in found:
            if d.year in by_year:
                by_year[d.year].add(d)
        with self._lock:
            for y, ds in by_year.items():
                self._holiday_years[y] = frozenset(ds)

    def holidays_of(self, year: int) -> frozenset[date]:
        got = self._holiday_years.get(year)
        if got is None:
            self.prepare_years(year, year)
            got = self._holiday_years[year]
        return got

    def day_intervals(self, d: date) -> DayIntervals:
        """Intervals starting on local date ``d``: override, else weekday hours unless a holiday."""
        own = self.overrides.get(d)
        if own is not None:
            return own
        hours = self.week[d.weekday()]
        if hours and d in self.holidays_of(d.year):
            return ()
        return hours


class Calendar(BaseModel):
    """Business hours in one IANA time zone, with holidays, overrides and a business-day length.

    Build with ``Calendar.from_dict``, ``Calendar.from_yaml`` or ``Calendar.always()``.
    Every method takes instants as aware datetimes or ISO 8601 text with an offset, and
    returns aware datetimes in the time zone of the instant passed in. Dates are ``date`` s
    or ISO 8601 text (``'2026-12-24'``). A question whose answer lies outside years
    1-9999 or the supported horizon is a ``CalendarError``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    # The computed engine lives in a slot, not a pydantic private attr: it is on the hot path.
    __slots__ = ("_engine",)
    if TYPE_CHECKING:
        _engine: _Engine
    _ALWAYS: ClassVar[Calendar | None] = None

    name: str | None = Field(None, description="A short name for messages and reports")
    description: str | None = None
    timezone: str = Field(
        "UTC",
        description="IANA time zone, e.g. 'Europe/London'",
        json_schema_extra={"pattern": ZONE_PATTERN},
    )
    hours: dict[DayKey, Intervals] = Field(
        default_factory=dict,
        json_schema_extra={"additionalProperties": False},
        description="Weekly hours: day key (mon..sun, mon-fri, daily, weekdays, weekends) -> "
        "list of 'HH:MM-HH:MM' intervals (24:00 allowed as an end; end <= start is overnight)",
    )
    holidays: HolidayRules = Field(default_factory=HolidayRules)
    overrides: dict[date, Intervals] = Field(
        default_factory=dict,
        description="Local date -> its own intervals ([] or 'closed' to close the day); wins "
        "over weekday hours and holidays",
    )
    business_day: Duration | None = Field(
        None,
        description="Length of one business day in business time, e.g. '9h'. Default: the "
        "open hours of a working day, when every open weekday has the same length",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        zone_named(v)
        return v

    @field_validator("hours")
    @classmethod
    def _one_entry_per_day(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        parse_week(v)
        return v

    @field_validator("business_day")
    @classmethod
    def _fixed_business_day(cls, v: Duration | None) -> Duration | None:
        if v is not None and (v.is_business or v.fixed <= timedelta(0)):
            raise CalendarError(f"business_day {str(v)!r} must be a positive time such as '9h'")
        return v

    @model_validator(mode="after")
    def _has_open_time(self) -> Calendar:
        week = parse_week(self.hours)
        if not any(week) and not any(parse_intervals(v) for v in self.overrides.values()):
            raise CalendarError(
                "the calendar is never open: give weekly hours, e.g. {'mon-fri': ['09:00-17:00']}"
            )
        return self

    # ---- construction ------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calendar:
        """Build from a plain mapping (the YAML shape); errors are ``CalendarError``."""
        try:
            return cls.model_validate(data)
        except ValidationError as e:
            raise CalendarError(describe_validation(e)) from None

    @classmethod
    def from_yaml(cls, text: str) -> Calendar:
        """Build from YAML text of the same shape as ``from_dict``."""
        data = load_yaml_text(text, "<calendar>")
        if not isinstance(data, Mapping):
            raise CalendarError("calendar YAML must be a mapping of calendar fields")
        return cls.from_dict(data)

    @classmethod
    def always(cls) -> Calendar:
        """The 24x7 calendar: open at every instant."""
        if cls._ALWAYS is None:
            cls._ALWAYS = cls(
                name="always",
                timezone="UTC",
                hours={"daily": ["00:00-24:00"]},
                business_day=Duration(timedelta(hours=24)),
            )
        return cls._ALWAYS

    def __hash__(self) -> int:
        return hash(self.model_dump_json())

    def _get_engine(self) -> _Engine:
        try:
            return self._engine
        except AttributeError:
            with _ENGINE_LOCK:  # one build per calendar, even when threads race to it
                try:
                    return self._engine
                except AttributeError:
                    engine = _Engine(self)
                    object.__setattr__(self, "_engine", engine)
                    return engine

    # ---- properties ---------------------------------------------------------------
    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return self._get_engine().zone

    @property
    def is_always(self) -> bool:
        """True when the calendar is open at every instant."""
        return self._get_engine().timeline.always

    @property
    def timeline(self) -> Timeline:
        """The index that answers this calendar's questions (for vectorised callers)."""
        return self._get_engine().timeline

    @property
    def business_day_length(self) -> timedelta:
        """One business day of business time (explicit, or derived from the weekly hours)."""
        if self.business_day is not None:
            return self.business_day.fixed
        lengths = {day_length(d) for d in parse_week(self.hours) if d}
        if len(lengths) != 1:
            raise DurationError(
                "this calendar's working days differ in length, so a business day is not "
                "defined; set business_day, e.g. business_day: 8h"
            )
        return timedelta(minutes=lengths.pop())

    def to_timedelta(self, d: timedelta | Duration | str) -> timedelta:
        """Business time for a duration, converting business days through ``business_day``."""
        if isinstance(d, timedelta):
            return d
        dur = Duration.parse(d)
        return dur.to_timedelta(self.business_day_length if dur.is_business else None)

    def holidays_in(self, year: int) -> dict[date, str]:
        """The holidays that close this calendar in ``year`` (overrides not applied)."""
        if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
            raise CalendarError(f"year {year!r}: give a year between 1 and 9999")
        return dict(sorted(self.holidays.holidays_for(year).items()))

    def day_hours(self, d: date | str) -> list[tuple[datetime, datetime]]:
        """The open intervals that start on local date ``d``, as aware local datetimes."""
        day = _date(d, "day")
        engine = self._get_engine()
        zone = engine.zone
        out = []
        try:
            for s, e in engine.day_intervals(day):
                a, b = local_to_us(zone, day, s), local_to_us(zone, day, e)
                if b > a:
                    out.append((_out(a, zone), _out(b, zone)))
        except OverflowError:
            raise _out_of_range(day) from None
        return out

    def is_business_day(self, d: date | str) -> bool:
        """True when an open interval starts on local date ``d``.

        The rule of holidays: an interval belongs to the local date it starts on, so the
        early hours of an overnight shift do not make the next date a business day.
        """
        return bool(self.day_hours(d))

    def business_days(self, start: date | str, end: date | str) -> int:
        """How many business days (``is_business_day``) lie in ``[start, end)``.

        Half-open like ``numpy.busday_count``: ``start`` counts, ``end`` does not;
        negative when ``end`` is before ``start``. Spans over 200 years are refused.
        """
        a, b = _date(start, "start"), _date(end, "end")
        if b < a:
            return -self.business_days(b, a)
        if b.toordinal() - a.toordinal() > _MAX_SPAN_DAYS:
            raise CalendarError(
                f"business_days({a}, {b}): spans of at most 200 years are supported"
            )
        engine = self._get_engine()
        engine.prepare_years(a.year, b.year)
        zone = engine.zone
        count = 0
        try:
            for n in range(a.toordinal(), b.toordinal()):
                day = date.fromordinal(n)
                if any(
                    local_to_us(zone, day, e) > local_to_us(zone, day, s)
                    for s, e in engine.day_intervals(day)
                ):
                    count += 1
        except OverflowError:
            raise _out_of_range(b) from None
        return count

    # ---- questions (hot paths: keep them lean) ------------------------------------
    @overload
    def add(self, t: datetime | str, d: timedelta | Duration | str) -> datetime: ...
    @overload
    def add(self, t: pd.Series, d: Durations) -> pd.Series: ...
    @overload
    def add(self, t: datetime | str, d: pd.Series) -> pd.Series: ...
    @overload
    def add(self, t: NDArray[np.datetime64], d: Durations) -> NDArray[np.datetime64]: ...
    @overload
    def add(self, t: datetime | str, d: NDArray[np.timedelta64]) -> NDArray[np.datetime64]: ...
    def add(self, t: Any, d: Any) -> Any:
        """Move ``t`` by ``d`` of open time: forward to the earliest, backward to the latest.

        A result that lands exactly on a closing time is that closing time. ``t`` may be a
        Series or a datetime64 array, ``d`` a Series or a timedelta64 array: element by
        element, the same kind back (see "Over arrays" in the calendars guide).
        """
        if (type(t) is not datetime or type(d) is not timedelta) and (
            _is_array(t) or _is_array(d)
        ):
            from . import calendar_arrays

            return calendar_arrays.add(self.timeline, t, d, _instant, self.to_timedelta)
        try:
            engine = self._engine
        except AttributeError:
            engine = self._get_engine()
        try:
            dt = t - EPOCH
        except TypeError:
            t = _instant(t, "t")
            dt = t - EPOCH
        x = (dt.days * 86_400 + dt.seconds) * 1_000_000 + dt.microseconds
        try:
            dus = d // _US if type(d) is timedelta else self.to_timedelta(d) // _US
            u = engine.timeline.add(x, dus)
            r = EPOCH + _US * u  # (3x cheaper than timedelta(microseconds=u); exact for ints)
            tz = t.tzinfo
            return r if tz is UTC else r.astimezone(tz)
        except OverflowError:
            raise _out_of_range(f"{_instant(t, 't').isoformat()} moved by {d}") from None

    @overload
    def elapsed(self, start: datetime | str, end: datetime | str) -> timedelta: ...
    @overload
    def elapsed(self, start: pd.Series, end: pd.Series | datetime | str) -> pd.Series: ...
    @overload
    def elapsed(self, start: datetime | str, end: pd.Series) -> pd.Series: ...
    @overload
    def elapsed(
        self, start: NDArray[np.datetime64], end: NDArray[np.datetime64] | datetime | str
    ) -> NDArray[np.timedelta64]: ...
    @overload
    def elapsed(
        self, start: datetime | str, end: NDArray[np.datetime64]
    ) -> NDArray[np.timedelta64]: ...
    def elapsed(self, start: Any, end: Any) -> Any:
        """Open time in ``[start, end)``; negative when ``end`` is before ``start``.

        Either end may be a Series or a datetime64 array: element by element.
        """
        if (type(start) is not datetime or type(end) is not datetime) and (
            _is_array(start) or _is_array(end)
        ):
            from . import calendar_arrays

            return calendar_arrays.elapsed(self.timeline, start, end, _instant)
        try:
            engine = self._engine
        except AttributeError:
            engine = self._get_engine()
        try:
            da = start - EPOCH
            db = end - EPOCH
        except TypeError:
            da = _instant(start, "start") - EPOCH
            db = _instant(end, "end") - EPOCH
        a = (da.days * 86_400 + da.seconds) * 1_000_000 + da.microseconds
        b = (db.days * 86_400 + db.seconds) * 1_000_000 + db.microseconds
        try:
            return _US * engine.timeline.elapsed(a, b)
        except OverflowError:
            raise _out_of_range(f"elapsed({start}, {end})") from None

    @overload
    def is_open(self, t: datetime | str) -> bool: ...
    @overload
    def is_open(self, t: pd.Series) -> pd.Series: ...
    @overload
    def is_open(self, t: NDArray[np.datetime64]) -> NDArray[np.bool_]: ...
    def is_open(self, t: Any) -> Any:
        """True when ``t`` lies inside an open interval (intervals are ``[start, end)``).

        A Series or a datetime64 array gives flags element by element.
        """
        if type(t) is not datetime and _is_array(t):
            from . import calendar_arrays

            return calendar_arrays.is_open(self.timeline, t)
        t = _instant(t, "t")
        try:
            return self._get_engine().timeline.is_open(_us(t))
        except OverflowError:
            raise _out_of_range(t) from None

    @overload
    def next_open(self, t: datetime | str) -> datetime: ...
    @overload
    def next_open(self, t: pd.Series) -> pd.Series: ...
    @overload
    def next_open(self, t: NDArray[np.datetime64]) -> NDArray[np.datetime64]: ...
    def next_open(self, t: Any) -> Any:
        """``t`` if open, else the start of the next open interval.

        A Series or a datetime64 array gives answers element by element.
        """
        if type(t) is not datetime and _is_array(t):
            from . import calendar_arrays

            return calendar_arrays.next_open(self.timeline, t)
        t = _instant(t, "t")
        try:
            return _out(self._get_engine().timeline.next_open(_us(t)), t.tzinfo)
        except OverflowError:
            raise _out_of_range(t) from None

    def next_close(self, t: datetime | str) -> datetime:
        """The first closing time after ``t``: the end of the open stretch holding ``t``,
        or of the next one when ``t`` is closed.

        Touching intervals are one stretch. A calendar that stays open beyond the supported
        horizon (``always``) has no answer: ``CalendarError``.
        """
        t = _instant(t, "t")
        try:
            return _out(self._get_engine().timeline.next_close(_us(t)), t.tzinfo)
        except OverflowError:
            raise _out_of_range(t) from None

    def open_intervals(
        self, start: datetime | str, end: datetime | str
    ) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals clipped to ``[start, end)``, in order."""
        start, end = _instant(start, "start"), _instant(end, "end")
        a, b = _us(start), _us(end)  # checked now, not when the iterator is first used
        tz = start.tzinfo
        timeline = self._get_engine().timeline
        try:
            timeline.index_for(min(a, b), max(a, b))
        except OverflowError:
            raise _out_of_range(start) from None
        return ((_out(s, tz), _out(e, tz)) for s, e in timeline.intervals(a, b))


_MAX_SPAN_DAYS = 200 * 366


def _is_array(value: object) -> bool:
    """A numpy array or a pandas Series, told apart without importing either (a pandas
    ``Timestamp`` or ``Timedelta`` is a single value)."""
    return type(value).__module__.partition(".")[0] in ("numpy", "pandas") and not isinstance(
        value, datetime | timedelta
    )


def _instant(t: object, what: str) -> datetime:
    """``t`` as an aware datetime (the rule of ``instants.instant``); cheap for datetimes."""
    if type(t) is datetime and t.tzinfo is not None and t.utcoffset() is not None:
        return t
    return instant(t, what)


def _date(d: object, what: str) -> date:
    """A local date: a ``date`` (not a datetime) or ISO 8601 text ``YYYY-MM-DD``."""
    if isinstance(d, date) and not isinstance(d, datetime):
        return d
    if isinstance(d, str):
        try:
            return date.fromisoformat(d.strip())
        except ValueError:
            pass
    hint = "; for an instant's local date use t.astimezone(cal.zone).date()" if isinstance(
        d, datetime
    ) else ""
    raise CalendarError(
        f"{what} must be a date or ISO 8601 date text such as '2026-12-24', not {d!r}{hint}"
    )


def _out_of_range(what: object) -> CalendarError:
    shown = what.isoformat() if isinstance(what, date | datetime) else what
    return CalendarError(
        f"{shown}: the answer lies outside years 1-9999; ask about instants closer to now"
    )


def _us(t: datetime) -> int:
    d = t - EPOCH
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds


def _out(us: int, tz: tzinfo | None) -> datetime:
    r = EPOCH + _US * us
    return r if tz is UTC or tz is None else r.astimezone(tz)


def describe_validation(e: ValidationError) -> str:
    """A pydantic error as our text: ``key.path: message`` per problem, joined by ``; ``."""
    lines = []
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        lines.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(lines)


# ---- the holidays package, one country at a time ------------------------------------------
# ``holidays.countries`` imports every country's module (about half a second); a calendar
# needs one. The registry names each country's module, so that module alone is loaded.
_HOLIDAYS_LOCK = threading.Lock()


def _supported_countries() -> list[str]:
    """The country codes (aliases included) the holidays package knows, without loading any."""
    from holidays.registry import EntityLoader

    return list(EntityLoader.get_country_codes(True))


def _subdivisions(country: str) -> list[str]:
    """The subdivision codes of one country."""
    return list(_country_class(country).subdivisions)


def _country_class(country: str) -> Any:
    """The holidays class of ``country`` (a code), loading only that country's module."""
    import holidays
    from holidays.registry import COUNTRIES

    if "holidays.countries" in sys.modules:
        return getattr(holidays, country)
    with _HOLIDAYS_LOCK:
        for module, names in COUNTRIES.items():
            if country not in names[1:]:
                continue
            name = f"holidays.countries.{module}"
            loaded = sys.modules.get(name)
            if loaded is None:
                path = os.path.join(os.path.dirname(holidays.__file__), "countries", module + ".py")
                spec = importlib.util.spec_from_file_location(name, path)
                if spec is None or spec.loader is None or not os.path.isfile(path):
                    break
                loaded = importlib.util.module_from_spec(spec)
                sys.modules[name] = loaded
                try:
                    spec.loader.exec_module(loaded)
                except BaseException:
                    del sys.modules[name]
                    raise
            return getattr(loaded, country)
    return getattr(holidays, country)
