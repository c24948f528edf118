"""The ``Calendar`` model: a time zone, weekly hours, holidays, overrides and a business day.

The model is the data (immutable, validated, serialisable); questions are answered by its
``Timeline`` (see ``timeline``), built lazily on first use and shared safely across threads.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Annotated, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays as holidays_lib
from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .durations import Duration
from .errors import CalendarError, DurationError, NaiveDatetimeError
from .hours import (
    CLOSED_WORDS,
    DayIntervals,
    Week,
    day_length,
    parse_day_key,
    parse_interval,
    parse_intervals,
    parse_week,
)
from .instants import EPOCH, ensure_aware
from .timeline import Timeline, local_to_us

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
    str, BeforeValidator(lambda v: _check_interval(v) if isinstance(v, str) else v)
]
DayKey = Annotated[str, BeforeValidator(lambda v: _check_day_key(v) if isinstance(v, str) else v)]
Intervals = Annotated[list[IntervalText], BeforeValidator(_listify)]


class HolidayRules(BaseModel):
    """Public holidays: a country (and subdivision) from ``holidays``, plus and minus dates.

    A holiday closes the intervals that start on that local date.
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
    dates: tuple[date, ...] = Field((), description="Extra closed dates")
    remove: tuple[date, ...] = Field((), description="Dates to drop from the country's list")

    @field_validator("country")
    @classmethod
    def _known_country(cls, v: str | None) -> str | None:
        if v is None:
            return v
        supported = holidays_lib.list_supported_countries()
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
            subdivs = holidays_lib.list_supported_countries()[self.country]
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

    def _country_holidays(self, *years: int) -> Mapping[date, str]:
        if self.country is None:
            return {}
        kwargs: dict[str, Any] = {"subdiv": self.subdivision, "years": years}
        if self.categories is not None:
            kwargs["categories"] = self.categories
        result: Mapping[date, str] = holidays_lib.country_holidays(self.country, **kwargs)
        return result

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
    Every method takes and returns aware datetimes; results are expressed in the time zone
    of the instant passed in.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    # The computed engine lives in a slot, not a pydantic private attr: it is on the hot path.
    __slots__ = ("_engine",)
    if TYPE_CHECKING:
        _engine: _Engine
    _ALWAYS: ClassVar[Calendar | None] = None

    name: str | None = Field(None, description="A short name for messages and reports")
    description: str | None = None
    timezone: str = Field("UTC", description="IANA time zone, e.g. 'Europe/London'")
    hours: dict[DayKey, Intervals] = Field(
        default_factory=dict,
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
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            close = sorted(z for z in available_timezones() if v and v.lower() in z.lower())[:8]
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise CalendarError(
                f"unknown time zone {v!r}{hint}; use an IANA name such as 'Europe/London', "
                "'America/Chicago' or 'UTC'"
            ) from None
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
        from .loading import load_yaml_text  # type: ignore[import-not-found,unused-ignore]

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
        return dict(sorted(self.holidays.holidays_for(year).items()))

    def day_hours(self, d: date) -> list[tuple[datetime, datetime]]:
        """The open intervals that start on local date ``d``, as aware local datetimes."""
        engine = self._get_engine()
        zone = engine.zone
        out = []
        for s, e in engine.day_intervals(d):
            a, b = local_to_us(zone, d, s), local_to_us(zone, d, e)
            if b > a:
                out.append((_out(a, zone), _out(b, zone)))
        return out

    # ---- questions (hot paths: keep them lean) ------------------------------------
    def add(self, t: datetime, d: timedelta | Duration | str) -> datetime:
        """Move ``t`` by ``d`` of open time: forward to the earliest, backward to the latest.

        A result that lands exactly on a closing time is that closing time.
        """
        try:
            engine = self._engine
        except AttributeError:
            engine = self._get_engine()
        try:
            dt = t - EPOCH
        except TypeError:
            raise _not_instant(t) from None
        x = (dt.days * 86_400 + dt.seconds) * 1_000_000 + dt.microseconds
        dus = d // _US if type(d) is timedelta else self.to_timedelta(d) // _US
        u = engine.timeline.add(x, dus)
        r = EPOCH + _US * u  # (3x cheaper than timedelta(microseconds=u); exact for ints)
        tz = t.tzinfo
        return r if tz is UTC else r.astimezone(tz)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time in ``[start, end)``; negative when ``end`` is before ``start``."""
        try:
            engine = self._engine
        except AttributeError:
            engine = self._get_engine()
        try:
            da = start - EPOCH
            db = end - EPOCH
        except TypeError:
            raise _not_instant(start if not _aware(start) else end) from None
        a = (da.days * 86_400 + da.seconds) * 1_000_000 + da.microseconds
        b = (db.days * 86_400 + db.seconds) * 1_000_000 + db.microseconds
        return _US * engine.timeline.elapsed(a, b)

    def is_open(self, t: datetime) -> bool:
        """True when ``t`` lies inside an open interval (intervals are ``[start, end)``)."""
        return self._get_engine().timeline.is_open(_us(t))

    def next_open(self, t: datetime) -> datetime:
        """``t`` if open, else the start of the next open interval."""
        return _out(self._get_engine().timeline.next_open(_us(t)), t.tzinfo)

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals clipped to ``[start, end)``, in order."""
        a, b = _us(start), _us(end)  # checked now, not when the iterator is first used
        tz = start.tzinfo
        return ((_out(s, tz), _out(e, tz)) for s, e in self._get_engine().timeline.intervals(a, b))


def _aware(t: object) -> bool:
    return isinstance(t, datetime) and t.tzinfo is not None and t.utcoffset() is not None


def _not_instant(t: object) -> Exception:
    try:
        ensure_aware(t)
    except (NaiveDatetimeError, TypeError) as e:
        return e
    return TypeError(f"{t!r} is not a timezone-aware datetime")


def _us(t: datetime) -> int:
    if not _aware(t):
        raise _not_instant(t)
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
