"""Monthly availability: outages in, downtime, budget, met and service credit out.

Credits follow a missed month, or, when the policy's ``credits.causes`` names causes (Smartix:
``internal``), each outage of those causes in the month: the report lists them as
``eligible_outages`` and carries the credit whether or not the month met its target.

Rules (``docs/evaluation.md``, from the shared ``semantics.md``): a month runs from local
midnight on the 1st to local midnight on the 1st of the next month in the policy's
availability time zone, measured in real seconds (a DST month is an hour shorter or longer).
Outages of the same kind are merged, never counted twice; an instant covered by an excluded
cause is excluded even when a counted outage overlaps it; everything is clipped to the month.
Inside, instants are integer microseconds, so sums are exact.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import AvailabilityError, SlacalcError, UnknownNameError
from .instants import Instant, from_us, to_us
from .names import normalise
from .policy import Policy
from .results import fmt_td
from .terms import AvailabilitySpec
from .tickets import InputModel

__all__ = [
    "AvailabilityReport",
    "AvailabilitySummary",
    "Credit",
    "Outage",
    "availability_report",
    "merge_windows",
    "month_bounds",
    "monthly_report",
]

Window = tuple[int, int]
"""An outage ``[start, end)`` in microseconds since the epoch."""

_US = timedelta(microseconds=1)
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class Outage(InputModel):
    """An interval ``[start, end)`` when the service was down, with a cause the policy names."""

    _error: ClassVar[type[SlacalcError]] = AvailabilityError

    start: Instant
    end: Instant
    cause: str = Field(
        description="A cause id of the policy, e.g. 'internal', 'planned_maintenance'"
    )
    description: str | None = None
    id: str | int | None = None

    @model_validator(mode="after")
    def _order(self) -> Outage:
        if self.end <= self.start:
            raise AvailabilityError(
                f"outage {self.start.isoformat()} -> {self.end.isoformat()}: "
                "its end must be after its start"
            )
        return self


class Credit(BaseModel):
    """The service credit for a month that missed its target."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["discretionary", "tiered"]
    eligible: bool | None = Field(description="Whether the plan is eligible (None: no plan given)")
    percent: Decimal | None = Field(None, description="Percent of the fee (tiered credits)")
    plans: tuple[str, ...] = ()
    description: str | None = None

    def __str__(self) -> str:
        who = ""
        if self.eligible is False:
            return f"no credit: only {', '.join(self.plans)} are eligible"
        if self.eligible is None and self.plans:
            who = f" (eligible plans: {', '.join(self.plans)})"
        if self.kind == "tiered":
            return f"{self.percent}% credit{who}" + (
                f" - {self.description}" if self.description else ""
            )
        return f"discretionary credit{who}" + (f" - {self.description}" if self.description else "")


class AvailabilityReport(BaseModel):
    """One month's availability against the policy's target."""

    model_config = ConfigDict(frozen=True)

    policy: str
    month: str = Field(description="'YYYY-MM'")
    start: datetime = Field(description="Local midnight on the 1st, in the availability time zone")
    end: datetime
    length: timedelta = Field(description="Real time in the month")
    target: Decimal = Field(description="Percentage, e.g. 99.9")
    availability: float = Field(description="(length - counted) / length, between 0 and 1")
    allowed_downtime: timedelta
    counted_downtime: timedelta
    excluded_downtime: timedelta
    remaining_budget: timedelta = Field(description="allowed - counted; negative when over")
    met: bool
    credit: Credit | None = Field(
        None, description="Set when the target was missed and the policy defines credits"
    )
    plan: str | None = None
    counted: tuple[tuple[datetime, datetime], ...] = Field(
        (), description="Counted downtime, merged"
    )
    excluded: tuple[tuple[datetime, datetime], ...] = Field(
        (), description="Excluded downtime, merged"
    )
    eligible_outages: tuple[Outage, ...] = Field(
        (),
        description="Outages in the month whose cause makes them eligible for a credit "
        "(credits.causes), as given; empty when the plan is not eligible",
    )
    clause: str | None = None

    @property
    def availability_percent(self) -> float:
        """Availability as a percentage."""
        return self.availability * 100

    def explain(self) -> str:
        """The steps behind the numbers."""
        lines = [
            f"Target: {self.target}% per calendar month"
            + (f" - clause: {self.clause!r}" if self.clause else ""),
            f"Month {self.month}: {self.start.isoformat()} -> {self.end.isoformat()} "
            f"({self.start.tzinfo}), {fmt_td(self.length)} of real time",
            f"Allowed downtime: (100% - {self.target}%) x {fmt_td(self.length)} = "
            f"{fmt_td(self.allowed_downtime)}",
        ]
        for s, e in self.excluded:
            lines.append(f"Excluded: {s.isoformat()} -> {e.isoformat()} ({fmt_td(e - s)})")
        for s, e in self.counted:
            lines.append(f"Counted: {s.isoformat()} -> {e.isoformat()} ({fmt_td(e - s)})")
        lines.append(
            f"Counted downtime {fmt_td(self.counted_downtime)}, "
            f"excluded {fmt_td(self.excluded_downtime)}; "
            f"availability {self.availability_percent:.4f}%"
        )
        lines.append(
            f"{'Met' if self.met else 'Missed'}: remaining budget {fmt_td(self.remaining_budget)}"
        )
        for o in self.eligible_outages:
            lines.append(
                f"Eligible for a credit: {o.start.isoformat()} -> {o.end.isoformat()} "
                f"({o.cause})"
            )
        if self.credit is not None:
            lines.append(f"Credit: {self.credit}")
        return "\n".join(f"{i}. {x}" for i, x in enumerate(lines, 1))

    def __str__(self) -> str:
        return (
            f"{self.policy} {self.month}: {self.availability_percent:.4f}% "
            f"(target {self.target}%) {'met' if self.met else 'MISSED'}, counted "
            f"{fmt_td(self.counted_downtime)} of {fmt_td(self.allowed_downtime)} allowed, "
            f"excluded {fmt_td(self.excluded_downtime)}"
            + (f", {self.credit}" if self.credit else "")
        )

    def _repr_html_(self) -> str:
        colour = "#2e7d32" if self.met else "#c62828"
        items = "".join(
            f"<li>{html.escape(x.split('. ', 1)[1])}</li>" for x in self.explain().splitlines()
        )
        return (
            f"<div><b>{html.escape(self.policy)} {self.month}</b>: "
            f'<span style="color:{colour};font-weight:bold">{self.availability_percent:.4f}%</span>'
            f"<ol>{items}</ol></div>"
        )


class AvailabilitySummary(BaseModel):
    """Several months (a year's report): each month, and the totals."""

    model_config = ConfigDict(frozen=True)

    policy: str
    months: tuple[AvailabilityReport, ...]

    def __getitem__(self, month: str | date) -> AvailabilityReport:
        """One month's report by ``'YYYY-MM'`` (or a date in it); ``UnknownNameError`` lists
        the months held."""
        key = month
        try:
            y, m = parse_month(month)
            key = f"{y:04d}-{m:02d}"
        except AvailabilityError:
            pass
        for r in self.months:
            if r.month == key:
                return r
        raise UnknownNameError("month", month, [r.month for r in self.months])

    def __iter__(self) -> Iterator[AvailabilityReport]:  # type: ignore[override]
        """The months' reports, in order (not pydantic's ``(field, value)`` pairs)."""
        return iter(self.months)

    def __len__(self) -> int:
        """How many months."""
        return len(self.months)

    @property
    def length(self) -> timedelta:
        """Real time in all the months."""
        return sum((r.length for r in self.months), timedelta(0))

    @property
    def counted_downtime(self) -> timedelta:
        """Counted downtime over all the months."""
        return sum((r.counted_downtime for r in self.months), timedelta(0))

    @property
    def excluded_downtime(self) -> timedelta:
        """Excluded downtime over all the months."""
        return sum((r.excluded_downtime for r in self.months), timedelta(0))

    @property
    def availability(self) -> float:
        """Over the whole span (not the mean of the months)."""
        total = self.length // _US
        return float(Fraction(total - self.counted_downtime // _US, total)) if total else 1.0

    @property
    def eligible_outages(self) -> tuple[Outage, ...]:
        """The outages eligible for a credit in any of the months, each once, in order."""
        return tuple(dict.fromkeys(o for r in self.months for o in r.eligible_outages))

    @property
    def months_met(self) -> int:
        """How many months met the target."""
        return sum(r.met for r in self.months)

    @property
    def missed(self) -> list[str]:
        """The months that missed the target."""
        return [r.month for r in self.months if not r.met]

    def __str__(self) -> str:
        head = (
            f"{self.policy}: {len(self.months)} months, {self.availability * 100:.4f}% overall, "
            f"{self.months_met} met"
        )
        return "\n".join([head, *("  " + str(r) for r in self.months)])

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{r.month}</td><td>{r.availability_percent:.4f}%</td>"
            f"<td>{fmt_td(r.counted_downtime)}</td><td>{fmt_td(r.excluded_downtime)}</td>"
            f"<td>{'met' if r.met else 'missed'}</td>"
            f"<td>{html.escape(str(r.credit or ''))}</td></tr>"
            for r in self.months
        )
        return (
            "<table><thead><tr><th>month</th><th>availability</th><th>counted</th><th>excluded</th>"
            f"<th>met</th><th>credit</th></tr></thead><tbody>{rows}</tbody></table>"
        )


# ---- month maths --------------------------------------------------------------------------------
def parse_month(month: str | date) -> tuple[int, int]:
    """``'2026-11'`` or a date -> ``(2026, 11)``."""
    ym: tuple[int, int] | None = None
    if isinstance(month, date):
        ym = month.year, month.month
    elif isinstance(month, str):
        m = _MONTH.match(month)
        if m and 1 <= int(m.group(2)) <= 12:
            ym = int(m.group(1)), int(m.group(2))
    if ym is None:
        raise AvailabilityError(
            f"month {month!r}: write 'YYYY-MM', e.g. '2026-11', or pass a date"
        )
    if not 1 <= ym[0] < 9999:
        raise AvailabilityError(f"month {month!r}: give a month in the years 1-9998")
    return ym


def month_bounds(year: int, month: int, zone: str | ZoneInfo) -> tuple[datetime, datetime]:
    """Local midnight on the 1st of the month and of the next month, in ``zone``."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    nxt = (year + 1, 1) if month == 12 else (year, month + 1)
    return datetime(year, month, 1, tzinfo=tz), datetime(nxt[0], nxt[1], 1, tzinfo=tz)


def merge_windows(windows: Iterable[Window]) -> list[Window]:
    """Sorted, disjoint windows covering the same instants (touching ones joined).

    Any number of outages may overlap or touch: a month down end to end is one window.
    """
    out: list[Window] = []
    for s, e in sorted(windows):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _clip(windows: Iterable[Window], lo: int, hi: int) -> Iterator[Window]:
    for s, e in windows:
        s, e = max(s, lo), min(e, hi)
        if s < e:
            yield s, e


def _subtract(a: Sequence[Window], b: Sequence[Window]) -> list[Window]:
    """Instants of ``a`` not in ``b`` (both sorted and disjoint)."""
    out: list[Window] = []
    j = 0
    for s, e in a:
        cur = s
        while j < len(b) and b[j][1] <= cur:
            j += 1
        k = j
        while k < len(b) and b[k][0] < e:
            bs, be = b[k]
            if bs > cur:
                out.append((cur, bs))
            cur = max(cur, be)
            k += 1
        if cur < e:
            out.append((cur, e))
    return out


def _spec(policy: Policy) -> AvailabilitySpec:
    spec = policy.availability_target
    if spec is None:
        raise AvailabilityError(f"policy {policy.id!r} defines no availability target")
    return spec


def _cause(spec: AvailabilitySpec, cause: str) -> str:
    if cause in spec.causes:
        return cause
    for key in spec.causes:
        if normalise(key) == normalise(cause):
            return key
    raise UnknownNameError("outage cause", cause, spec.causes)


def _outages(items: Iterable[Outage | Mapping[str, Any]]) -> list[Outage]:
    out = []
    for o in items:
        if isinstance(o, Outage):
            out.append(o)
        elif isinstance(o, Mapping):
            out.append(Outage.from_dict(o))
        else:
            raise AvailabilityError(
                f"an outage is a mapping {{start, end, cause}} or an Outage, not {o!r}"
            )
    return out


def _plan_eligible(spec: AvailabilitySpec, plan: str | None) -> bool | None:
    """Whether ``plan`` may get credits (``None``: the credits name plans, no plan given)."""
    c = spec.credits
    return None if plan is None and c.plans else (not c.plans or plan in c.plans)


def _credit(spec: AvailabilitySpec, plan: str | None, percent: Fraction) -> Credit | None:
    c = spec.credits
    if c.kind == "none":
        return None
    eligible = _plan_eligible(spec, plan)
    if c.kind == "discretionary":
        return Credit(
            kind="discretionary", eligible=eligible, plans=c.plans, description=c.description
        )
    matched = [t.percent for t in c.tiers if percent < Fraction(t.below)]
    pct = max(matched, default=Decimal(0)) if eligible is not False else None
    return Credit(
        kind="tiered", eligible=eligible, percent=pct, plans=c.plans, description=c.description
    )


def monthly_report(
    policy: Policy,
    month: str | date,
    outages: Iterable[Outage | Mapping[str, Any]] = (),
    plan: str | None = None,
) -> AvailabilityReport:
    """The availability report for one month of ``policy`` (``'2026-11'``)."""
    spec = _spec(policy)
    plan_id = policy.plan_id(plan) if plan is not None else None
    return _report(policy, spec, parse_month(month), _outages(outages), plan_id)


def _report(
    policy: Policy,
    spec: AvailabilitySpec,
    ym: tuple[int, int],
    outages: Sequence[Outage],
    plan: str | None,
) -> AvailabilityReport:
    start, end = month_bounds(*ym, spec.timezone)
    lo, hi = to_us(start), to_us(end)
    counted_raw: list[Window] = []
    excluded_raw: list[Window] = []
    by_cause: list[Outage] = []
    for o in outages:
        key = _cause(spec, o.cause)
        window = (to_us(o.start), to_us(o.end))
        (counted_raw if spec.causes[key].counted else excluded_raw).append(window)
        if key in spec.credits.causes and window[0] < hi and window[1] > lo:
            by_cause.append(o)
    excluded = list(_clip(merge_windows(excluded_raw), lo, hi))
    counted = _subtract(list(_clip(merge_windows(counted_raw), lo, hi)), excluded)
    length = hi - lo
    down = sum(e - s for s, e in counted)
    gone = sum(e - s for s, e in excluded)
    target = Fraction(spec.target)
    allowed = Fraction(length) * (100 - target) / 100
    avail = Fraction(length - down, length)
    met = down <= allowed
    allowed_us = round(allowed)
    tz = start.tzinfo
    return AvailabilityReport(
        policy=policy.id,
        month=f"{ym[0]:04d}-{ym[1]:02d}",
        start=start,
        end=end,
        length=_US * length,
        target=spec.target,
        availability=float(avail),
        allowed_downtime=_US * allowed_us,
        counted_downtime=_US * down,
        excluded_downtime=_US * gone,
        remaining_budget=_US * (allowed_us - down),
        met=met,
        credit=(
            _credit(spec, plan, avail * 100)
            if (by_cause if spec.credits.causes else not met)
            else None
        ),
        plan=plan,
        counted=tuple((from_us(s, tz), from_us(e, tz)) for s, e in counted),
        excluded=tuple((from_us(s, tz), from_us(e, tz)) for s, e in excluded),
        eligible_outages=(
            tuple(dict.fromkeys(by_cause)) if _plan_eligible(spec, plan) is not False else ()
        ),
        clause=spec.clause,
    )


def availability_report(
    policy: Policy,
    months: int | str | Iterable[str | date],
    outages: Iterable[Outage | Mapping[str, Any]] = (),
    plan: str | None = None,
) -> AvailabilitySummary:
    """Several months at once: a year (``2026`` or ``'2026'``) or an iterable of months."""
    spec = _spec(policy)
    if isinstance(months, int) or (isinstance(months, str) and months.strip().isdigit()):
        year = int(months) if not isinstance(months, bool) else -1
        if not 1 <= year < 9999:
            raise AvailabilityError(f"year {months!r}: give a year between 1 and 9998")
        wanted = [(year, m) for m in range(1, 13)]
    elif isinstance(months, str):
        wanted = [parse_month(months)]
    elif isinstance(months, Iterable):
        wanted = [parse_month(m) for m in months]
    else:
        raise AvailabilityError(
            f"months {months!r}: give a year (2026) or months (['2026-10', '2026-11'])"
        )
    if not wanted:
        raise AvailabilityError("no months given")
    plan_id = policy.plan_id(plan) if plan is not None else None
    items = _outages(outages)
    return AvailabilitySummary(
        policy=policy.id, months=tuple(_report(policy, spec, ym, items, plan_id) for ym in wanted)
    )
