"""Ticket evaluation: where each SLA clock of a ticket stands at an instant, and why.

``evaluate(policy, ticket, at)`` (also ``Policy.evaluate``) returns an ``Evaluation``: one
``MetricResult`` per metric the policy defines, each with a ``State``, the due time, counted
and remaining business time, the breach and escalation flags, and ``explain()``, the ordered
steps that produced them. The rules are those of ``docs/evaluation.md`` (which grows from
the shared ``semantics.md``). Inside, every instant is an integer number of microseconds
since the epoch, so answers are exact; instants go out in the ticket's own time zone.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any, ClassVar, NoReturn, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import pausing
from .errors import SlacalcError, TicketError, UnknownNameError
from .instants import ensure_aware, from_us, to_us
from .policy import ALWAYS, NextOpen, PauseWindowSpec, Policy, Target, TargetKind

__all__ = [
    "STATE_ORDER",
    "Evaluation",
    "Event",
    "EventType",
    "MetricResult",
    "State",
    "Step",
    "Ticket",
    "evaluate",
    "state_for",
]

_US = timedelta(microseconds=1)


# ---- states --------------------------------------------------------------------------------
class State(StrEnum):
    """The state of one metric at an instant; the first rule that matches wins (in this order)."""

    NOT_APPLICABLE = "not_applicable"
    NO_DEADLINE = "no_deadline"
    MET = "met"
    MISSED = "missed"
    BREACHED = "breached"
    PAUSED = "paused"
    AT_RISK = "at_risk"
    RUNNING = "running"

    @property
    def is_breach(self) -> bool:
        """True for ``breached`` and ``missed``."""
        return self in (State.BREACHED, State.MISSED)


STATE_ORDER: tuple[State, ...] = tuple(State)
"""States in precedence order: the first whose condition holds is the state."""


def state_for(
    *,
    kind: TargetKind | str,
    target_us: int | None,
    elapsed_us: int,
    due_us: int | None,
    stop_us: int | None,
    at_us: int,
    paused: bool = False,
    warning_fraction: float = 0.75,
) -> State:
    """The state of one metric from plain numbers: the precedence rules and nothing else.

    All instants and durations are integer microseconds (instants since the Unix epoch).
    ``stop_us`` is the stop event (``None`` if none at or before ``at``), ``elapsed_us`` the
    counted time up to the stop event or ``at``. Pure and branch-per-rule, so a table can
    apply the same rules column-wise: ``numpy.select`` over these conditions, in this order,
    with ``STATE_ORDER`` as choices::

        kind == "none"; kind == "commitment"; has_stop & (stop <= due);
        has_stop & (stop > due); at > due; paused; elapsed >= fraction * target; True
    """
    if kind == TargetKind.NONE:
        return State.NOT_APPLICABLE
    if kind == TargetKind.COMMITMENT or due_us is None or target_us is None:
        return State.NO_DEADLINE
    if stop_us is not None:
        return State.MET if stop_us <= due_us else State.MISSED
    if at_us > due_us:
        return State.BREACHED
    if paused:
        return State.PAUSED
    if elapsed_us >= warning_fraction * target_us:
        return State.AT_RISK
    return State.RUNNING


# ---- input models ----------------------------------------------------------------------------
class EventType(StrEnum):
    """What can happen to a ticket."""

    RESPONDED = "responded"
    RESOLVED = "resolved"
    PAUSED = "paused"
    RESUMED = "resumed"
    SEVERITY_CHANGED = "severity_changed"
    REOPENED = "reopened"
    UPDATED = "updated"


def reraise(e: ValidationError, error: type[SlacalcError], what: str) -> NoReturn:
    """Re-raise a pydantic error as ours: the original ``SlacalcError`` if there is one."""
    for err in e.errors():
        ctx = err.get("ctx") or {}
        original = ctx.get("error")
        if isinstance(original, SlacalcError):
            raise original from None
    parts = []
    for err in e.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    raise error(f"{what}: " + "; ".join(parts)) from None


class InputModel(BaseModel):
    """Frozen input whose validation errors are ``SlacalcError`` s, not pydantic's."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    _error: ClassVar[type[SlacalcError]] = TicketError

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as e:
            reraise(e, self._error, f"invalid {type(self).__name__.lower()}")

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as e:
            reraise(e, cls._error, f"invalid {cls.__name__.lower()}")

    @classmethod
    def model_validate_json(cls, json_data: Any, *args: Any, **kwargs: Any) -> Self:
        try:
            return super().model_validate_json(json_data, *args, **kwargs)
        except ValidationError as e:
            reraise(e, cls._error, f"invalid {cls.__name__.lower()}")


class Event(InputModel):
    """One thing that happened to a ticket, at an aware instant."""

    type: EventType = Field(
        description="responded, resolved, paused, resumed, severity_changed, reopened, updated"
    )
    at: datetime = Field(description="When it happened (aware; ISO 8601 with an offset in JSON)")
    severity: str | None = Field(None, description="The new severity (severity_changed only)")
    note: str | None = Field(None, description="Free text, carried through")

    @field_validator("type", mode="before")
    @classmethod
    def _known_type(cls, v: Any) -> Any:
        if isinstance(v, str) and not isinstance(v, EventType):
            key = v.strip().lower().replace(" ", "_").replace("-", "_")
            if key not in EventType._value2member_map_:
                raise UnknownNameError("event type", v, [t.value for t in EventType])
            return key
        return v

    @field_validator("at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        return ensure_aware(v, "event time")

    @model_validator(mode="after")
    def _severity(self) -> Event:
        if self.type is EventType.SEVERITY_CHANGED and not self.severity:
            raise TicketError(f"severity_changed at {self.at.isoformat()} needs the new severity")
        if self.type is not EventType.SEVERITY_CHANGED and self.severity is not None:
            raise TicketError(
                f"{self.type} at {self.at.isoformat()}: only severity_changed carries a severity"
            )
        return self


class Ticket(InputModel):
    """A support ticket: plan, severity, when it was opened, and what happened since.

    ``id``, ``subject``, ``customer`` and ``data`` (anything else a helpdesk export has) are
    carried through untouched. ``pause_windows`` are explicit pause windows for this ticket
    (fixed ``{start, end}`` or recurring ``{rrule, dtstart, duration}``), added to the
    policy's own.
    """

    plan: str
    severity: str
    opened_at: datetime
    events: tuple[Event, ...] = ()
    pause_windows: tuple[PauseWindowSpec, ...] = ()
    id: str | int | None = None
    subject: str | None = None
    customer: str | None = None
    data: dict[str, Any] = Field(default_factory=dict, description="Other fields, carried through")

    @field_validator("opened_at")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        return ensure_aware(v, "opened_at")


# ---- results ------------------------------------------------------------------------------------
class Step(BaseModel):
    """One step of a metric's audit trail."""

    model_config = ConfigDict(frozen=True)

    kind: str = Field(
        description="target, clock, start, pause, severity, reopen, cycle, due, state"
    )
    text: str
    at: datetime | None = None


class MetricResult(BaseModel):
    """Where one metric's clock stands at ``at``."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    metric: str
    title: str | None = None
    state: State
    target: timedelta | str | None = Field(
        description="The duration (as business time on the clock), the commitment's words, or None"
    )
    due_at: datetime | None = None
    elapsed: timedelta | None = Field(
        None, description="Counted time, pauses excluded, to the stop event or at"
    )
    remaining: timedelta | None = Field(None, description="target - elapsed; negative when overdue")
    breached: bool = False
    escalate: bool = False
    severity: str = Field(description="The severity whose target applies")
    clock: str | None = None
    clause: str | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    paused: timedelta = Field(
        timedelta(0), description="Clock time inside pause windows, to the stop event or at"
    )
    rule: Target | None = Field(None, description="The policy's target")
    steps: tuple[Step, ...] = ()

    def explain(self) -> str:
        """The numbered steps that produced the due time and the state."""
        return "\n".join(f"{i}. {s.text}" for i, s in enumerate(self.steps, 1))

    def summary(self) -> str:
        """One line: metric, state, due time, counted and remaining time."""
        parts = [f"{self.metric}: {self.state.value}"]
        if self.due_at is not None:
            parts.append(f"due {fmt_time(self.due_at)}")
        if self.elapsed is not None:
            parts.append(f"elapsed {fmt_td(self.elapsed)}")
        if self.remaining is not None:
            parts.append(f"remaining {fmt_td(self.remaining)}")
        if isinstance(self.target, str):
            parts.append(f"commitment: {self.target}")
        if self.escalate:
            parts.append("ESCALATE")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.summary()}\n{self.explain()}"

    def _repr_html_(self) -> str:
        steps = "".join(f"<li>{html.escape(s.text)}</li>" for s in self.steps)
        return (
            f"<div><b>{html.escape(self.metric)}</b>: {_state_badge(self.state)}"
            f"<ol>{steps}</ol></div>"
        )


class Evaluation(Mapping[str, MetricResult]):
    """One ``MetricResult`` per metric of the policy, by metric id (``ev["response"]``)."""

    __slots__ = ("at", "plan", "policy_id", "results", "severity", "ticket")

    def __init__(
        self,
        *,
        policy_id: str,
        ticket: Ticket,
        at: datetime,
        plan: str,
        severity: str,
        results: Mapping[str, MetricResult],
    ) -> None:
        self.policy_id = policy_id
        self.ticket = ticket
        self.at = at
        self.plan = plan
        self.severity = severity
        self.results = dict(results)

    def __getitem__(self, metric: str) -> MetricResult:
        try:
            return self.results[metric]
        except KeyError:
            raise UnknownNameError("metric", metric, self.results) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    @property
    def breached(self) -> bool:
        """True when any metric is breached or missed."""
        return any(r.breached for r in self.results.values())

    @property
    def escalate(self) -> list[str]:
        """The metrics to escalate."""
        return [m for m, r in self.results.items() if r.escalate]

    def explain(self) -> str:
        """Every metric's audit trail."""
        return "\n\n".join(f"{r.summary()}\n{r.explain()}" for r in self.results.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the ticket's own fields, then one entry per metric."""
        out: dict[str, Any] = {
            "policy": self.policy_id,
            "id": self.ticket.id,
            "at": self.at.isoformat(),
            "plan": self.plan,
            "severity": self.severity,
        }
        for m, r in self.results.items():
            d = r.model_dump(mode="json", exclude={"rule", "steps"})
            d["explain"] = [s.text for s in r.steps]
            out[m] = d
        return out

    def __repr__(self) -> str:
        states = ", ".join(f"{m}={r.state.value}" for m, r in self.results.items())
        at = self.at.isoformat()
        return f"<Evaluation {self.policy_id} ticket={self.ticket.id!r} at={at} {states}>"

    def __str__(self) -> str:
        head = f"{self.policy_id}: {self.plan} {self.severity}, at {fmt_time(self.at)}"
        if self.ticket.id is not None:
            head = f"ticket {self.ticket.id} - {head}"
        return head + "\n" + "\n".join("  " + r.summary() for r in self.results.values())

    def _repr_html_(self) -> str:
        rows = []
        for m, r in self.results.items():
            cells = [
                html.escape(m),
                _state_badge(r.state),
                html.escape(
                    fmt_time(r.due_at)
                    if r.due_at
                    else (r.target if isinstance(r.target, str) else "")
                ),
                html.escape(fmt_td(r.elapsed) if r.elapsed is not None else ""),
                html.escape(fmt_td(r.remaining) if r.remaining is not None else ""),
                "yes" if r.escalate else "",
                "<br>".join(html.escape(s.text) for s in r.steps),
            ]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        title = html.escape(str(self).splitlines()[0])
        head = "".join(
            f"<th>{h}</th>"
            for h in ("metric", "state", "due", "elapsed", "remaining", "escalate", "why")
        )
        return (
            f"<div><p><b>{title}</b></p><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>"
        )


_COLOURS = {
    State.MET: "#2e7d32",
    State.MISSED: "#c62828",
    State.BREACHED: "#c62828",
    State.AT_RISK: "#ef6c00",
    State.PAUSED: "#1565c0",
    State.RUNNING: "#37474f",
}


def _state_badge(state: State) -> str:
    colour = _COLOURS.get(state, "#757575")
    return f'<span style="color:{colour};font-weight:bold">{state.value}</span>'


# ---- formatting -------------------------------------------------------------------------------
def fmt_td(td: timedelta) -> str:
    """``4h15m``, ``-15m``, ``27h``, ``0s``: hours and minutes, exact seconds when present."""
    us = td // _US
    sign = "-" if us < 0 else ""
    us = abs(us)
    secs, micro = divmod(us, 1_000_000)
    h, rest = divmod(secs, 3600)
    m, s = divmod(rest, 60)
    parts = []
    if h:
        parts.append(f"{h}h")
    if m:
        parts.append(f"{m}m")
    if s or micro:
        parts.append(f"{s}.{micro:06d}".rstrip("0").rstrip(".") + "s")
    return sign + ("".join(parts) or "0s")


def fmt_time(t: datetime) -> str:
    """``2026-11-23 11:30 UTC`` (seconds shown only when not zero)."""
    fmt = "%Y-%m-%d %H:%M" + (":%S" if t.second or t.microsecond else "")
    name = t.tzname() or t.strftime("%z")
    return f"{t.strftime(fmt)} {name}"


def describe_clock(policy: Policy, name: str) -> str:
    """``business (mon-fri 09:00-18:00, time zone GMT)`` or ``always (24x7)``."""
    if name == ALWAYS:
        return "always (24x7, wall-clock time)"
    cal = policy.clock(name)
    hours = "; ".join(f"{k} {', '.join(v) or 'closed'}" for k, v in cal.hours.items())
    extra = ""
    if cal.holidays.country:
        sub = f"-{cal.holidays.subdivision}" if cal.holidays.subdivision else ""
        extra = f", {cal.holidays.country}{sub} public holidays closed"
    return f"{name} ({hours}, time zone {cal.timezone}{extra})"


# ---- the history ------------------------------------------------------------------------------
@dataclass
class _History:
    """A ticket's events, validated, sorted and cut at ``at``; instants in microseconds."""

    opened: int
    at: int
    tz: tzinfo
    plan: str
    severity0: str
    events: list[tuple[int, Event]]  # at or before ``at``, in time order
    pauses: list[pausing.Window] = field(default_factory=list)
    paused_since: int | None = None
    changes: list[tuple[int, str]] = field(default_factory=list)

    def times(self, kind: EventType) -> list[int]:
        return [t for t, e in self.events if e.type is kind]

    def severity_at(self, t: int) -> str:
        sev = self.severity0
        for tc, s in self.changes:
            if tc > t:
                break
            sev = s
        return sev

    def out(self, us: int) -> datetime:
        return from_us(us, self.tz)


def _history(policy: Policy, ticket: Ticket, at: datetime) -> _History:
    opened = to_us(ticket.opened_at)
    at_us = to_us(at)
    if at_us < opened:
        raise TicketError(
            f"at {at.isoformat()} is before the ticket was opened ({ticket.opened_at.isoformat()})"
        )
    plan = policy.plan_id(ticket.plan)
    sev0 = policy.severity_id(ticket.severity)
    order = sorted(
        ((to_us(e.at), i, e) for i, e in enumerate(ticket.events)), key=lambda x: (x[0], x[1])
    )
    paused_since: int | None = None
    resolved = False
    for t, _, e in order:  # the whole history must make sense, even past ``at``
        when = e.at.isoformat()
        if t < opened:
            raise TicketError(
                f"{e.type} at {when} is before the ticket was opened "
                f"({ticket.opened_at.isoformat()})"
            )
        if e.type is EventType.SEVERITY_CHANGED:
            assert e.severity is not None
            policy.severity_id(e.severity)
        elif e.type is EventType.PAUSED:
            if paused_since is not None:
                raise TicketError(
                    f"paused at {when} while already paused since "
                    f"{from_us(paused_since, e.at.tzinfo).isoformat()}"
                )
            paused_since = t
        elif e.type is EventType.RESUMED:
            if paused_since is None:
                raise TicketError(f"resumed at {when} without a paused event before it")
            paused_since = None
        elif e.type is EventType.RESOLVED:
            if resolved:
                raise TicketError(
                    f"resolved at {when}, but the ticket is already resolved (reopen it first)"
                )
            resolved = True
        elif e.type is EventType.REOPENED:
            if not resolved:
                raise TicketError(f"reopened at {when}, but the ticket is not resolved")
            resolved = False
    tz = ticket.opened_at.tzinfo or UTC
    hist = _History(
        opened=opened,
        at=at_us,
        tz=tz,
        plan=plan,
        severity0=sev0,
        events=[(t, e) for t, _, e in order if t <= at_us],
    )
    for t, e in hist.events:
        if e.type is EventType.PAUSED:
            hist.paused_since = t
        elif e.type is EventType.RESUMED:
            assert hist.paused_since is not None
            hist.pauses.append((hist.paused_since, t))
            hist.paused_since = None
        elif e.type is EventType.SEVERITY_CHANGED:
            assert e.severity is not None
            hist.changes.append((t, policy.severity_id(e.severity)))
    if hist.paused_since is not None:
        hist.pauses.append((hist.paused_since, at_us))
    return hist


# ---- one metric ---------------------------------------------------------------------------------
@dataclass
class _Clock:
    """What one target needs to answer: its clock's timeline, start and length."""

    target: Target
    severity: str
    start: int | None = None
    need: int | None = None
    due: int | None = None


class _Metric:
    """Evaluates one metric of one ticket."""

    def __init__(self, policy: Policy, hist: _History, ticket: Ticket, metric: str) -> None:
        self.policy = policy
        self.hist = hist
        self.metric = metric
        self.spec = policy.metrics[metric]
        self.stop_type = policy.stop_event(metric)
        self.steps: list[Step] = []
        self.pausable = self.spec.pausable
        specs = (*policy.pause_windows, *ticket.pause_windows) if self.pausable else ()
        self.specs: tuple[PauseWindowSpec, ...] = specs
        self.event_pauses = list(hist.pauses) if self.pausable else []
        self.gaps: list[pausing.Window] = []  # resolved -> reopened, for the resolution clock
        self.stop: int | None = None
        self._find_stop()

    # -- events
    def _find_stop(self) -> None:
        reopenable = self.stop_type == EventType.RESOLVED
        stopped: int | None = None
        for t, e in self.hist.events:
            if e.type == self.stop_type and stopped is None:
                stopped = t
            elif e.type is EventType.REOPENED and reopenable and stopped is not None:
                self.gaps.append((stopped, t))
                stopped = None
        self.stop = stopped

    def windows(self, lo: int) -> Iterator[pausing.Window]:
        streams: list[Iterable[pausing.Window]] = [
            [w for w in self.event_pauses if w[1] > lo],
            [w for w in self.gaps if w[1] > lo],
        ]
        streams.extend(pausing.expand(s, lo) for s in self.specs)
        return pausing.merge(streams)

    def note(self, kind: str, text: str, at: int | None = None) -> None:
        self.steps.append(Step(kind=kind, text=text, at=None if at is None else self.hist.out(at)))

    def t(self, us: int) -> str:
        return fmt_time(self.hist.out(us))

    # -- targets
    def clock_for(self, target: Target, severity: str, anchor: int) -> _Clock:
        c = _Clock(target=target, severity=severity)
        if target.kind is TargetKind.DURATION:
            start = self.policy.start_of(target, self.hist.out(anchor))
            c.start = to_us(start)
            c.need = self.policy.within(target) // _US
            tl = self.policy.clock(target.clock).timeline
            c.due = pausing.due(tl, c.start, c.need, self.windows(c.start))
        return c

    def describe_target(self, target: Target, severity: str) -> str:
        where = f"{self.hist.plan} {severity}"
        if target.kind is TargetKind.NONE:
            what = f"no target for {where} (the document says N/A, or nothing)"
        elif target.kind is TargetKind.COMMITMENT:
            what = f"a commitment with no due time for {where}: {target.commitment!r}"
        else:
            assert target.within is not None
            length = fmt_td(self.policy.within(target))
            written = str(target.within)
            size = written if written == length else f"{written} (= {length} of clock time)"
            what = f"{size} for {where}"
        clause = f" - clause: {target.clause!r}" if target.clause else ""
        return f"{what}{clause}"

    def describe_start(self, target: Target, anchor: int, start: int, anchor_name: str) -> str:
        if isinstance(target.start, NextOpen):
            cal = target.start.next_open
            if start == anchor:
                return f"Start: next opening of {cal} after {anchor_name}: open, {self.t(start)}"
            return (
                f"Start: at the next opening of {cal} after {anchor_name} "
                f"({self.t(anchor)}): {self.t(start)}"
            )
        return f"Start: when the {anchor_name}, {self.t(start)}"

    def retarget(
        self, anchor: int, until: int, *, anchor_name: str, quiet: bool = False
    ) -> tuple[_Clock, list[tuple[str, int]]]:
        """The target for a clock started at ``anchor``; severity changes in ``(anchor, until]``."""
        sev = self.hist.severity_at(anchor)
        target = self.policy.target(self.hist.plan, sev, self.metric)
        cur = self.clock_for(target, sev, anchor)
        if not quiet:
            self.note("target", f"Target: {self.describe_target(target, sev)}")
            if target.kind is TargetKind.DURATION:
                self.note("clock", f"Clock: {describe_clock(self.policy, target.clock)}")
                assert cur.start is not None
                self.note(
                    "start", self.describe_start(target, anchor, cur.start, anchor_name), cur.start
                )
        changes = [(t, s) for t, s in self.hist.changes if anchor < t <= until]
        pending: list[tuple[str, int]] = []
        for tc, new in changes:
            if new == cur.severity:
                continue
            if self.stop is not None and self.stop <= tc:
                pending.append(
                    (
                        f"Severity changed to {new} at {self.t(tc)}: already met or stopped at "
                        f"{self.t(self.stop)}, so the {self.metric} target stays as it was",
                        tc,
                    )
                )
                continue
            if cur.due is not None and cur.due < tc:
                pending.append(
                    (
                        f"Severity changed to {new} at {self.t(tc)}: "
                        f"already breached at {self.t(cur.due)} "
                        f"under {cur.severity}; a breach stays a breach",
                        tc,
                    )
                )
                break
            target = self.policy.target(self.hist.plan, new, self.metric)
            cur = self.clock_for(target, new, anchor)
            since = "opened_at" if anchor == self.hist.opened else f"the update at {self.t(anchor)}"
            text = f"Severity changed to {new} at {self.t(tc)}: re-targeted from {since}"
            text += f" - {self.describe_target(target, new)}"
            if target.kind is TargetKind.DURATION:
                text += f"; clock {target.clock}, pauses kept"
            pending.append((text, tc))
        return cur, pending

    def pause_steps(self, c: _Clock) -> int:
        """Note each pause that moved the due time; returns the clock time they held."""
        assert c.start is not None and c.need is not None
        tl = self.policy.clock(c.target.clock).timeline
        held: list[tuple[pausing.Window, int]] = []
        pausing.due(
            tl, c.start, c.need, self.windows(c.start), on_pause=lambda w, h: held.append((w, h))
        )
        gap_set = self.gaps
        total = 0
        for (s, e), h in held:
            total += h
            is_gap = any(gs <= s and e <= ge for gs, ge in gap_set)
            why = "resolved until reopened" if is_gap else "paused"
            self.note(
                "pause",
                f"Not counted ({why}) {self.t(s)} -> {self.t(e)}: "
                f"{fmt_td(_US * h)} of {c.target.clock} "
                f"time, so the due time moves {fmt_td(_US * h)} later",
                s,
            )
        return total

    # -- evaluation
    def evaluate(self) -> MetricResult:
        if self.spec.cadence:
            return self._evaluate_cadence()
        hist = self.hist
        until = hist.at if self.stop is None else min(self.stop, hist.at)
        c, changes = self.retarget(hist.opened, until, anchor_name="ticket was opened")
        if c.target.kind is TargetKind.DURATION:
            self.pause_steps(c)
            if not self.pausable and hist.pauses:
                self.note(
                    "pause", f"{self.metric} is not pausable: pause events do not stop its clock"
                )
        for text, tc in changes:
            self.note("severity", text, tc)
        return self._result(c, self.stop)

    def _result(
        self, c: _Clock, stop: int | None, *, late: list[str] | None = None
    ) -> MetricResult:
        hist = self.hist
        target = c.target
        fraction = self.spec.warning_fraction or self.policy.warning_fraction
        base: dict[str, Any] = {
            "metric": self.metric,
            "title": self.spec.title,
            "severity": c.severity,
            "clause": target.clause,
            "rule": target,
            "stopped_at": None if stop is None else hist.out(stop),
        }
        if target.kind is not TargetKind.DURATION:
            state = State.NOT_APPLICABLE if target.kind is TargetKind.NONE else State.NO_DEADLINE
            why = (
                "no target applies"
                if state is State.NOT_APPLICABLE
                else "a commitment has no due time"
            )
            if late:  # an earlier cycle's update came late: that stays on the record
                state, why = State.MISSED, "an update came late: " + "; ".join(late)
            self.note("state", f"State: {state.value} - {why}")
            return MetricResult(
                **base,
                state=state,
                target=target.commitment,
                breached=state.is_breach,
                escalate=state.is_breach
                and self.policy.escalation_eligible(self.metric, hist.plan, c.severity),
                steps=tuple(self.steps),
            )
        assert c.start is not None and c.need is not None and c.due is not None
        tl = self.policy.clock(target.clock).timeline
        end = hist.at if stop is None else stop
        elapsed, paused_us = pausing.counted(tl, c.start, end, self.windows(c.start))
        paused_now = (
            self.pausable
            and stop is None
            and (
                hist.paused_since is not None
                or pausing.paused_inside(
                    hist.at, pausing.merge(pausing.expand(s, hist.at) for s in self.specs)
                )
            )
        )
        state = state_for(
            kind=target.kind,
            target_us=c.need,
            elapsed_us=elapsed,
            due_us=c.due,
            stop_us=stop,
            at_us=hist.at,
            paused=paused_now,
            warning_fraction=fraction,
        )
        if late:  # a late update is a stop event after its due time, for good
            state = State.MISSED
        self.note("due", f"Due: {self.t(c.due)}", c.due)
        self.note(
            "state", f"State: {state.value} - {self._why(state, c, stop, elapsed, fraction, late)}"
        )
        breached = state.is_breach
        escalate = breached and self.policy.escalation_eligible(self.metric, hist.plan, c.severity)
        if (
            breached
            and self.policy.escalation is not None
            and self.metric in self.policy.escalation.metrics
        ):
            if escalate:
                who = (
                    f" to {self.policy.escalation.contact}"
                    if self.policy.escalation.contact
                    else ""
                )
                self.note("escalation", f"Escalate{who}: {hist.plan} {c.severity} is eligible")
            else:
                self.note("escalation", f"No escalation: {hist.plan} {c.severity} is not eligible")
        return MetricResult(
            **base,
            state=state,
            target=_US * c.need,
            due_at=hist.out(c.due),
            elapsed=_US * elapsed,
            remaining=_US * (c.need - elapsed),
            breached=breached,
            escalate=escalate,
            clock=target.clock,
            started_at=hist.out(c.start),
            paused=_US * paused_us,
            steps=tuple(self.steps),
        )

    def _why(
        self,
        state: State,
        c: _Clock,
        stop: int | None,
        elapsed: int,
        fraction: float,
        late: list[str] | None,
    ) -> str:
        assert c.due is not None and c.need is not None
        stop_name = str(self.stop_type)
        if late:
            return "an update came late: " + "; ".join(late)
        if state is State.MET:
            assert stop is not None
            return (
                f"{stop_name} at {self.t(stop)}, {fmt_td(_US * (c.due - stop))} before the due time"
            )
        if state is State.MISSED:
            assert stop is not None
            return (
                f"{stop_name} at {self.t(stop)}, {fmt_td(_US * (stop - c.due))} after the due time"
            )
        if state is State.BREACHED:
            return (
                f"not {stop_name} by the due time; at {self.t(self.hist.at)} "
                f"{fmt_td(_US * (elapsed - c.need))} over the target of counted time"
            )
        if state is State.PAUSED:
            return f"the clock is paused at {self.t(self.hist.at)}"
        share = elapsed / c.need if c.need else 1.0
        if state is State.AT_RISK:
            return (
                f"{fmt_td(_US * elapsed)} of {fmt_td(_US * c.need)} counted "
                f"({share:.0%} >= warning {fraction:.0%})"
            )
        return f"{fmt_td(_US * elapsed)} of {fmt_td(_US * c.need)} counted ({share:.0%})"

    def _evaluate_cadence(self) -> MetricResult:
        """A periodic target: each update (or response) starts the next cycle."""
        hist = self.hist
        # the final resolution stops the cadence; updates and responses are its stop events
        resolved: int | None = None
        for t, e in hist.events:
            if e.type is EventType.RESOLVED:
                resolved = t
            elif e.type is EventType.REOPENED:
                resolved = None
        end = hist.at if resolved is None else resolved
        kinds = {EventType.UPDATED, EventType.RESPONDED}
        if self.stop_type in EventType._value2member_map_:
            kinds.add(EventType(self.stop_type))
        beats = [t for t, e in hist.events if e.type in kinds and t <= end]
        anchors = [hist.opened, *beats]
        late: list[str] = []
        self.stop = None
        c, changes = self.retarget(
            hist.opened, beats[0] if beats else end, anchor_name="ticket was opened"
        )
        for text, tc in changes:
            self.note("severity", text, tc)
        for i, beat in enumerate(beats):
            if c.due is not None and beat > c.due:
                late.append(
                    f"{self.t(beat)} is {fmt_td(_US * (beat - c.due))} after "
                    f"its due time {self.t(c.due)}"
                )
                self.note("cycle", f"Update at {self.t(beat)}: late, due {self.t(c.due)}", beat)
            elif c.due is not None:
                self.note("cycle", f"Update at {self.t(beat)}: on time (due {self.t(c.due)})", beat)
            nxt = beats[i + 1] if i + 1 < len(beats) else end
            c, changes = self.retarget(anchors[i + 1], nxt, anchor_name="last update", quiet=True)
            for text, tc in changes:
                self.note("severity", text, tc)
        if beats:
            self.note(
                "cycle",
                f"Next update: counted from the last update at {self.t(beats[-1])}, "
                f"cadence {self.describe_target(c.target, c.severity)}",
            )
        if c.target.kind is TargetKind.DURATION:
            self.pause_steps(c)
        stop = resolved
        if stop is not None:
            self.note("cycle", f"Resolved at {self.t(stop)}: no more updates due")
        return self._result(c, stop, late=late)


# ---- entry point ---------------------------------------------------------------------------------
def evaluate(
    policy: Policy, ticket: Ticket | Mapping[str, Any], at: datetime | None = None
) -> Evaluation:
    """Where each metric of ``policy`` stands for ``ticket`` at ``at`` (default: now, UTC).

    Events after ``at`` are ignored (but the whole history must be consistent). Events out
    of order are sorted by time; equal times keep their given order.
    """
    if not isinstance(ticket, Ticket):
        if not isinstance(ticket, Mapping):
            raise TypeError(f"ticket must be a Ticket or a mapping, not {type(ticket).__name__}")
        ticket = Ticket.model_validate(dict(ticket))
    at = datetime.now(UTC) if at is None else ensure_aware(at, "at")
    hist = _history(policy, ticket, at)
    results = {m: _Metric(policy, hist, ticket, m).evaluate() for m in policy.metrics}
    return Evaluation(
        policy_id=policy.id,
        ticket=ticket,
        at=at,
        plan=hist.plan,
        severity=hist.severity_at(hist.at),
        results=results,
    )


def evaluate_many(
    policy: Policy, tickets: Iterable[Ticket | Mapping[str, Any]], at: datetime | None = None
) -> list[Evaluation]:
    """``evaluate`` for each ticket, at one shared instant."""
    at = datetime.now(UTC) if at is None else ensure_aware(at, "at")
    return [evaluate(policy, t, at) for t in tickets]
