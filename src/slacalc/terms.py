"""An agreement's terms besides its target tables: where the document comes from, plans,
severities, the plans' features, escalation, what a request must carry, monthly availability
and its service credits, the policy's own pause windows and its worked examples.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from dateutil.easter import easter
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrulestr
from dateutil.rrule import rrule as Recurrence
from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from ._frozen import Frozen
from .calendar import ZONE_PATTERN
from .durations import Duration
from .errors import PolicyError
from .instants import Instant, zone_named
from .states import State

__all__ = [
    "AvailabilitySpec",
    "Cause",
    "CreditTier",
    "Credits",
    "Entitlement",
    "EscalationRule",
    "EscalationSpec",
    "Example",
    "Feature",
    "IntakeItem",
    "IntakeReport",
    "IntakeSpec",
    "PauseWindowSpec",
    "Plan",
    "Severity",
    "Source",
]

_PERCENT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*%\s*")
#: A percentage as written in a policy, for the JSON Schema (``parse_percent`` is the rule).
PERCENT_PATTERN = r"^\s*(?:100(?:\.0+)?|\d{1,2}(?:\.\d+)?)\s*%\s*$"


def _plain(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text


def parse_percent(value: Any) -> Decimal:
    """A percentage from ``'99.9%'``: the ``%`` is required, so ``0.999`` or ``99.9`` alone are
    refused (is ``0.999`` a fraction or 0.999 %?), with the exact text to write instead.
    The result is between 0 and 100."""
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{value!r} is not a percentage; write e.g. 99.9%")
    elif isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{value!r} is not a percentage; write e.g. 99.9%")
        shown = Decimal(str(value))
        fix = _plain(shown * 100) if 0 < shown < 1 else _plain(shown)
        read = f"; {_plain(shown)} as a fraction is {fix}%" if 0 < shown < 1 else ""
        raise ValueError(f"a percentage is written with '%': write {fix}%{read}")
    else:
        m = _PERCENT.fullmatch(value)
        if m is None:
            comma = re.fullmatch(r"\s*(\d+),(\d+)\s*%?\s*", value)
            if comma:
                raise ValueError(f"{value!r}: use a dot for decimals: write {comma[1]}.{comma[2]}%")
            bare = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*", value)
            if bare:
                return parse_percent(float(bare[1]))
            raise ValueError(f"{value!r} is not a percentage; write e.g. 99.9%")
        try:
            number = Decimal(m[1])
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise ValueError(f"{value!r} is not a percentage; write e.g. 99.9%") from None
    if not Decimal(0) <= number <= Decimal(100):
        raise ValueError(f"{_plain(number)}% is not a percentage between 0% and 100%")
    return number


Percent = Annotated[
    Decimal,
    BeforeValidator(parse_percent),
    PlainSerializer(lambda d: f"{_plain(d)}%", return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": PERCENT_PATTERN, "examples": ["99.9%"]}, mode="validation"
    ),
]


class Source(Frozen):
    """Where the policy comes from."""

    document: str = Field(description="The source document (file name or title)")
    title: str | None = None
    url: str | None = None
    published: date | None = Field(None, description="Date the vendor published or last updated it")
    file: str | None = Field(
        None,
        description="The document as a UTF-8 text file, relative to the policy file; "
        "slacalc check finds every clause in it",
    )
    sha256: str | None = Field(
        None, pattern=r"^[0-9a-f]{64}$", description="SHA-256 of that file (64 hex digits)"
    )


class Plan(Frozen):
    """A support plan (tier)."""

    name: str
    aliases: tuple[str, ...] = ()
    description: str | None = None


class Severity(Frozen):
    """A severity (priority) level."""

    name: str
    aliases: tuple[str, ...] = ()
    definition: str | None = None
    examples: tuple[str, ...] = ()


class Feature(Frozen):
    """A feature of the plans table: which plans include it, with an optional note per plan."""

    name: str
    plans: tuple[str, ...] | dict[str, str | None] = Field(
        description="The plans that include it, or plan -> note (e.g. 'when required')"
    )
    clause: str | None = None

    def notes(self) -> dict[str, str | None]:
        """Plan id -> its note (``None`` when the plan simply includes the feature)."""
        return dict(self.plans) if isinstance(self.plans, dict) else dict.fromkeys(self.plans)


class Entitlement(Frozen):
    """What one plan includes."""

    id: str
    name: str
    note: str | None = None


class EscalationRule(Frozen):
    """Plans and severities a rule applies to (empty means all)."""

    plans: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()

    def matches(self, plan: str, severity: str) -> bool:
        """Whether the rule covers this plan and severity (ids)."""
        return (not self.plans or plan in self.plans) and (
            not self.severities or severity in self.severities
        )


class EscalationSpec(Frozen):
    """Which breached metrics are escalated, and the exceptions."""

    metrics: tuple[str, ...] = Field(description="Metrics whose breach is escalated")
    exclude: tuple[EscalationRule, ...] = Field((), description="Plan/severity pairs not eligible")
    contact: str | None = None
    clause: str | None = None

    def eligible(self, plan: str, severity: str, metric: str) -> bool:
        """Whether a breach of ``metric`` (ids) for this plan and severity is escalated."""
        return metric in self.metrics and not any(r.matches(plan, severity) for r in self.exclude)


class IntakeItem(Frozen):
    """One item a support request should carry."""

    id: str
    description: str


class IntakeSpec(Frozen):
    """What a support request must (required) and should (recommended) carry."""

    clause: str | None = None
    required: tuple[IntakeItem, ...] = ()
    recommended: tuple[IntakeItem, ...] = ()


class IntakeReport(Frozen):
    """The items a support request lacks."""

    missing_required: tuple[IntakeItem, ...]
    missing_recommended: tuple[IntakeItem, ...]

    @property
    def complete(self) -> bool:
        """True when nothing required is missing."""
        return not self.missing_required


class Cause(Frozen):
    """An outage cause: counted as downtime, or excluded."""

    counted: bool
    description: str | None = None
    clause: str | None = None


class CreditTier(Frozen):
    """A service credit: ``percent`` of the monthly fee when availability is below ``below``."""

    below: Percent = Field(description="Availability threshold, e.g. 99.9%")
    percent: Percent = Field(description="Credit as a percentage of the fee, e.g. 10%")

    @field_validator("below")
    @classmethod
    def _above_zero(cls, v: Decimal) -> Decimal:
        if v <= 0:
            raise ValueError("a credit applies below an availability above 0%, e.g. 99.9%")
        return v


class Credits(Frozen):
    """Service credits for missing the availability target."""

    kind: Literal["none", "discretionary", "tiered"] = "none"
    plans: tuple[str, ...] = Field((), description="Plans eligible (empty: all)")
    causes: tuple[str, ...] = Field(
        (),
        description="Outage causes that make each such outage eligible for a credit, "
        "whether or not the month missed its target (empty: credits follow a missed month)",
    )
    description: str | None = None
    clause: str | None = None
    tiers: tuple[CreditTier, ...] = ()

    @model_validator(mode="after")
    def _tiers(self) -> Credits:
        if self.kind == "tiered" and not self.tiers:
            raise ValueError("tiered credits need tiers, e.g. [{below: 99.9%, percent: 10%}]")
        if self.tiers and "kind" not in self.model_fields_set:
            raise ValueError("credits with tiers need 'kind: tiered'")
        if self.tiers and self.kind != "tiered":
            raise ValueError(
                f"{self.kind} credits have no tiers: write 'kind: tiered' or remove 'tiers'"
            )
        return self


class AvailabilitySpec(Frozen):
    """A monthly availability target."""

    target: Percent = Field(description="A percentage, e.g. 99.9%")
    period: Literal["month"] = "month"
    timezone: str = Field("UTC", json_schema_extra={"pattern": ZONE_PATTERN})
    clause: str | None = None
    causes: dict[str, Cause] = Field(description="Outage causes by id")
    credits: Credits = Field(default_factory=Credits)

    @field_validator("target")
    @classmethod
    def _range(cls, v: Decimal) -> Decimal:
        if v <= 0:
            raise ValueError("availability target is a percentage above 0%, e.g. 99.9%")
        return v

    @field_validator("causes")
    @classmethod
    def _some_cause(cls, v: dict[str, Cause]) -> dict[str, Cause]:
        if not v:
            raise ValueError(
                "availability needs its outage causes, e.g. {internal: {counted: true}}"
            )
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        zone_named(v)
        return v

    @model_validator(mode="after")
    def _credit_causes(self) -> AvailabilitySpec:
        if self.credits.causes and self.credits.kind != "discretionary":
            raise PolicyError(
                "causes make each outage of those causes eligible for a discretionary credit; "
                "write kind: discretionary, or drop causes",
                path="availability.credits.causes",
            )
        for i, cause in enumerate(self.credits.causes):
            if cause not in self.causes:
                raise PolicyError(
                    f"unknown cause {cause!r}; causes: {', '.join(map(repr, self.causes))}",
                    path=f"availability.credits.causes.{i}",
                )
        return self


class PauseWindowSpec(Frozen):
    """A pause window the policy itself defines: fixed, or recurring as an RFC 5545 RRULE."""

    start: Instant | None = None
    end: Instant | None = None
    rrule: str | None = Field(None, description="e.g. 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2'")
    dtstart: Instant | None = Field(None, description="First occurrence (aware) for rrule")
    duration: Duration | None = Field(None, description="Length of each occurrence")
    description: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> PauseWindowSpec:
        fixed = [k for k in ("start", "end") if getattr(self, k) is not None]
        recurring = [k for k in ("rrule", "dtstart", "duration") if getattr(self, k) is not None]
        if fixed and recurring:
            raise ValueError(
                f"a pause window is either {{start, end}} or {{rrule, dtstart, duration}}; "
                f"this one has {', '.join(fixed + recurring)}: keep one kind"
            )
        wanted = ("start", "end") if fixed else ("rrule", "dtstart", "duration")
        missing = [k for k in wanted if getattr(self, k) is None]
        if missing or not (fixed or recurring):
            raise ValueError(
                "a pause window is either {start, end} or {rrule, dtstart, duration}"
                + (f"; missing: {', '.join(missing)}" if fixed or recurring else "")
            )
        for t in (self.start, self.end, self.dtstart):
            if t is not None and t.tzinfo is None:
                raise ValueError(f"{t.isoformat()} has no time zone; write an offset such as Z")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("a pause window's end must be after its start")
        return self

    @field_validator("rrule")
    @classmethod
    def _rule_syntax(cls, v: str | None) -> str | None:
        if v is not None:
            parse_rrule(v, datetime(2000, 1, 1, tzinfo=UTC))
        return v

    @field_validator("duration")
    @classmethod
    def _wall_clock(cls, v: Duration | None, info: ValidationInfo) -> Duration | None:
        if v is None:
            return v
        if v.is_business:
            raise ValueError(
                f"{str(v)!r}: a pause window lasts wall-clock time; write hours or days "
                "such as '8h' or '2d', not business days"
            )
        if v.fixed <= timedelta(0):
            raise ValueError("a pause window's duration must be positive")
        text, dtstart = info.data.get("rrule"), info.data.get("dtstart")
        if text is not None and dtstart is not None and dtstart.tzinfo is not None:
            check_rule(parse_rrule(text, dtstart), text, v)
        return v

    def rule(self) -> Recurrence:
        """The recurrence as a dateutil ``rrule`` (only for a recurring window)."""
        assert self.rrule is not None and self.dtstart is not None
        return parse_rrule(self.rrule, self.dtstart)


#: Years after ``dtstart`` in which a recurring rule must have its first occurrence.
RULE_FIRST_YEARS = 28
#: A run of touching windows longer than this pauses the clock for good.
RULE_LONGEST_RUN = timedelta(days=400)
#: Touching windows walked before a rule is called unending.
RULE_MAX_WALK = 20_000
#: The largest COUNT a recurring rule may give (each rule is walked once to its end).
RULE_MAX_COUNT = 100_000
_RRULE_PART = re.compile(r"[A-Za-z]+=[^;=]+")


def parse_rrule(text: str, dtstart: datetime) -> Recurrence:
    """An RFC 5545 RRULE line (``FREQ=WEEKLY;BYDAY=SU``) from ``dtstart``; else ``ValueError``."""
    body = text.strip().removeprefix("RRULE:").strip()
    if not body or not all(_RRULE_PART.fullmatch(p) for p in body.split(";")):
        raise ValueError(
            f"{text!r} is not an RRULE line: write NAME=VALUE parts separated by ';', e.g. "
            "'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2' (dtstart and duration are keys of their own)"
        )
    try:
        parsed = rrulestr(body, dtstart=dtstart)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as e:
        raise ValueError(f"{text!r} is not a valid RFC 5545 RRULE: {e}") from None
    if not isinstance(parsed, Recurrence):  # pragma: no cover - one line gives one rule
        raise ValueError(f"{text!r} is not a single RRULE")
    return parsed


def _weeks_in(year: int, wkst: int) -> tuple[date, int]:
    """The first day of week 1 of ``year`` (weeks start on ``wkst``; week 1 holds at least
    four days of the year) and how many weeks the year has."""

    def week_one(y: int) -> date:
        jan1 = date(y, 1, 1)
        lead = (jan1.weekday() - wkst) % 7
        return jan1 - timedelta(days=lead) if lead <= 3 else jan1 + timedelta(days=7 - lead)

    start = week_one(year)
    return start, (week_one(year + 1) - start).days // 7


def _week_numbers(day: date, wkst: int) -> tuple[int, int]:
    """RFC 5545 week number of ``day``, counted from the start and from the end of its week-year."""
    year = day.year
    start, weeks = _weeks_in(year, wkst)
    if day < start:
        year -= 1
        start, weeks = _weeks_in(year, wkst)
    number = (day - start).days // 7 + 1
    if number > weeks:
        start, weeks = _weeks_in(year + 1, wkst)
        number = (day - start).days // 7 + 1
    return number, number - weeks - 1


def _may_fall_on(rule: Recurrence, day: date) -> bool:
    """Whether ``day`` passes the rule's date filters (a superset of its occurrence days)."""
    by_month = getattr(rule, "_bymonth", None)
    month_days = getattr(rule, "_bymonthday", None) or ()
    negative_month_days = getattr(rule, "_bynmonthday", None) or ()
    year_days = getattr(rule, "_byyearday", None)
    week_numbers = getattr(rule, "_byweekno", None)
    easter_days = getattr(rule, "_byeaster", None)
    weekdays = getattr(rule, "_byweekday", None) or ()
    nth_weekdays = getattr(rule, "_bynweekday", None) or ()
    if by_month and day.month not in by_month:
        return False
    if month_days or negative_month_days:
        nxt = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        month_len = (nxt - date(day.year, day.month, 1)).days
        if day.day not in month_days and day.day - month_len - 1 not in negative_month_days:
            return False
    if year_days:
        yd = day.timetuple().tm_yday
        year_len = date(day.year, 12, 31).timetuple().tm_yday
        if yd not in year_days and yd - year_len - 1 not in year_days:
            return False
    if week_numbers and not set(_week_numbers(day, rule._wkst)) & set(week_numbers):  # type: ignore[attr-defined]
        return False
    if easter_days and not any(
        (day - easter(y)).days in easter_days for y in (day.year - 1, day.year)
    ):
        return False
    days = set(weekdays) | {w for w, _ in nth_weekdays}
    return not days or day.weekday() in days


def _may_occur(rule: Recurrence, first: date, last: date) -> bool:
    """Whether some period of the rule from ``first`` to ``last`` may hold an occurrence.

    A period (the year, month, week, day, hour ... FREQ names) may, when a day of it passes
    the date filters and it holds at least as many candidate times as the smallest BYSETPOS
    position asks for. Exact but for the superset the date filters are, so a rule said
    empty here is empty; checked day by day, never by dateutil's walk to the year 9999.
    """
    r: Any = rule
    need = min((abs(p) for p in r._bysetpos or ()), default=1)
    times = [len(x) if x else 1 for x in (r._byhour, r._byminute, r._bysecond)]
    freq = r._freq
    if freq >= DAILY:  # every period is a day, or lies inside one
        per_period = 1
        for n in times[freq - DAILY :]:
            per_period *= n
        if per_period < need:
            return False
    per_day = times[0] * times[1] * times[2]
    if freq == YEARLY:
        day = date(first.year, 1, 1)
    elif freq == MONTHLY:
        day = first.replace(day=1)
    elif freq == WEEKLY:
        day = first - timedelta(days=(first.weekday() - r._wkst) % 7)
    else:
        day = first
    key: object = None
    count = 0
    one = timedelta(days=1)
    while day <= last:
        if freq == YEARLY:
            here: object = day.year
        elif freq == MONTHLY:
            here = (day.year, day.month)
        elif freq == WEEKLY:
            here = (day - timedelta(days=(day.weekday() - r._wkst) % 7)).toordinal()
        else:
            here = day
        if here != key:
            key, count = here, 0
        if _may_fall_on(rule, day):
            count += per_day
            if freq >= DAILY or count >= need:
                return True
        day += one
    return False


def check_rule(rule: Recurrence, text: str, duration: Duration | None) -> None:
    """Refuse a rule that never occurs, or whose windows touch without end.

    Cheap by construction: a rule with a COUNT over ``RULE_MAX_COUNT`` is refused; a rule
    no period of which may hold an occurrence in ``RULE_FIRST_YEARS`` years never occurs
    (dateutil would walk to the year 9999 looking);
    otherwise its windows are walked from the first until a gap, and a run of touching
    windows longer than ``RULE_LONGEST_RUN`` (or ``RULE_MAX_WALK`` windows) pauses for good.
    """
    count = getattr(rule, "_count", None)
    if count is not None and count > RULE_MAX_COUNT:
        raise ValueError(
            f"{text!r}: COUNT={count} is more than {RULE_MAX_COUNT:,} occurrences; "
            "write UNTIL=<last date> instead"
        )
    first_day = rule._dtstart.date()  # type: ignore[attr-defined]
    try:
        last_day = first_day.replace(year=first_day.year + RULE_FIRST_YEARS)
    except ValueError:
        last_day = date(first_day.year + RULE_FIRST_YEARS, 2, 28)
    if not _may_occur(rule, first_day, last_day):
        raise ValueError(
            f"{text!r} never occurs: no date in the {RULE_FIRST_YEARS} years from dtstart "
            "matches it (check BYMONTH, BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYEASTER, BYDAY "
            "and BYSETPOS)"
        )
    assert duration is not None
    length = duration.fixed
    run_start: datetime | None = None
    run_end: datetime | None = None
    for walked, occ in enumerate(rule):
        if run_start is None:
            run_start, run_end = occ, occ + length
        elif occ <= run_end:  # type: ignore[operator]
            run_end = max(run_end, occ + length)  # type: ignore[type-var]
        else:
            return
        if walked > RULE_MAX_WALK or run_end - run_start > RULE_LONGEST_RUN:  # type: ignore[operator]
            raise ValueError(
                f"{text!r} with duration {duration} never ends: each window starts "
                "before the last one ends; make the duration shorter than the time between "
                "occurrences",
            )
    if run_start is None:
        raise ValueError(f"{text!r} never occurs after dtstart")


class Example(Frozen):
    """A worked example inside a policy file, checked by ``slacalc check`` and pytest."""

    name: str | None = None
    opened: datetime = Field(description="When the ticket was opened (ISO 8601 with offset)")
    plan: str
    severity: str
    metric: str = "response"
    due: datetime | None = Field(
        None, description="Expected due time; null when there is none (commitment, n/a)"
    )
    events: tuple[dict[str, Any], ...] = Field(
        (), description="Ticket events ({type, at, ...}) for an evaluation example"
    )
    at: datetime | None = Field(
        None, description="Evaluate at this instant (default: last event or opened)"
    )
    state: str | None = Field(
        None,
        description="Expected state of the metric at 'at'",
        json_schema_extra={"enum": [*(x.value for x in State), None]},
    )

    @field_validator("state")
    @classmethod
    def _known_state(cls, v: str | None) -> str | None:
        if v is not None and v not in State._value2member_map_:
            raise ValueError(
                f"unknown state {v!r}; a state is one of {', '.join(x.value for x in State)}"
            )
        return v

    @model_validator(mode="after")
    def _expects_something(self) -> Example:
        if "due" not in self.model_fields_set and self.state is None:
            raise ValueError("an example gives the expected 'due' (null for none) or 'state'")
        for what, t in (("opened", self.opened), ("due", self.due), ("at", self.at)):
            if t is not None and (t.tzinfo is None or t.utcoffset() is None):
                raise ValueError(
                    f"{what} {t.isoformat()} has no time zone; "
                    f"write an offset, e.g. {t.isoformat()}Z"
                )
        return self

    @property
    def needs_evaluation(self) -> bool:
        """True when the example is about a ticket's state (events, at, state)."""
        return bool(self.events) or self.at is not None or self.state is not None
