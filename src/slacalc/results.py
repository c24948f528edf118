"""Results: what an evaluation hands back, and how it explains and renders itself.

An ``Evaluation`` maps each metric id to a ``MetricResult``; a result's ``steps`` are its
audit trail. Both are pydantic models with one JSON shape (``model_dump(mode="json")``,
``model_dump_json()``; schema: ``Evaluation.model_json_schema(mode="serialization")``):
instants as RFC 3339 text in the ticket's own offset (``Z`` for offset zero), durations as
ISO 8601 (``PT3H30M``, ``-PT15M``).

The evaluation records the raw facts of each step as it goes (instants in microseconds,
durations, names) and the text is written only when ``steps``, ``explain()``, ``str()`` or
the notebook rendering asks for it, so evaluating many tickets pays nothing for
explanations nobody reads.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    computed_field,
    model_validator,
)
from pydantic_core.core_schema import ValidatorFunctionWrapHandler

from .errors import UnknownNameError
from .instants import from_us
from .states import State
from .targets import ALWAYS, Target
from .tickets import Ticket

if TYPE_CHECKING:
    from .calendar import Calendar

__all__ = ["Evaluation", "MetricResult", "Step"]

_US = timedelta(microseconds=1)


class Step(BaseModel):
    """One step of a metric's audit trail."""

    model_config = ConfigDict(frozen=True)

    kind: str = Field(
        description="target, clock, start, pause, severity, reopen, cycle, due, state"
    )
    text: str
    at: datetime | None = None


_STEPS: TypeAdapter[tuple[Step, ...]] = TypeAdapter(tuple[Step, ...])

RUN_KEPT = 5
"""Steps kept at each end of a long run of like steps in an explanation."""


_Entry = tuple[str, int | None, Callable[..., str], tuple[Any, ...]]


class _Fold:
    """The middle of a long run of like steps, kept as a count and a span of instants."""

    __slots__ = ("count", "first", "kind", "last")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.count = 0
        self.first: int | None = None
        self.last: int | None = None

    def take(self, entry: _Entry) -> None:
        self.count += 1
        at = entry[1]
        if at is not None:
            if self.first is None:
                self.first = at
            self.last = at

    def step(self, tz: tzinfo) -> Step:
        span = ""
        if self.first is not None and self.last is not None:
            span = f", {fmt_time(from_us(self.first, tz))} to {fmt_time(from_us(self.last, tz))}"
        return Step(
            kind=self.kind, text=f"... {self.count} more {self.kind} steps like these{span}"
        )


class Trail:
    """A metric's audit trail as recorded: raw facts, written out as ``Step`` s on demand.

    Each entry is ``(kind, at_us, text, args)``: ``text(*args)`` writes the step's text
    (``args`` are plain values: integers, names, time zones, policy models, so a trail
    pickles) and ``at_us`` is its instant, shown in ``tz``. A run of more than
    ``2 * RUN_KEPT + 1`` consecutive steps of one kind written by one function (pauses,
    update cycles, ...) keeps its first and last ``RUN_KEPT`` and counts the ones between
    them as it records, so a trail stays small for a ticket with a million events. Trails
    compare by their steps. Internal to slacalc.
    """

    __slots__ = ("_fold", "_run", "entries", "tz")

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self.entries: list[_Entry | _Fold] = []
        self._run = 0  # like entries at the end of ``entries`` (folded ones included); the
        # last entry is never a fold, as a fold is made only just before an append
        self._fold: _Fold | None = None  # the current run's fold, once it has one

    def add(self, kind: str, at_us: int | None, text: Callable[..., str], *args: Any) -> None:
        """Record one step; ``text(*args)`` is called only when the steps are asked for."""
        entries = self.entries
        if self._run and (last := entries[-1])[2] is text and last[0] == kind:  # type: ignore[index]
            self._run += 1
        else:
            self._run, self._fold = 1, None
        if self._run > 2 * RUN_KEPT + 1:
            at = len(entries) - RUN_KEPT  # the oldest of the run's last RUN_KEPT + 1
            if self._fold is None:
                self._fold = _Fold(kind)
                self._fold.take(entries[at - 1])  # type: ignore[arg-type]
                entries[at - 1] = self._fold
            self._fold.take(entries.pop(at))  # type: ignore[arg-type]
        entries.append((kind, at_us, text, args))

    def count(self, kind: str) -> int:
        """How many steps of ``kind`` were recorded (the ones a summary leaves out too)."""
        return sum(
            e.count if isinstance(e, _Fold) else 1
            for e in self.entries
            if (e.kind if isinstance(e, _Fold) else e[0]) == kind
        )

    def steps(self) -> tuple[Step, ...]:
        """The steps, written out; a long run of like steps is summarised (see the class)."""
        tz = self.tz
        return tuple(e.step(tz) if isinstance(e, _Fold) else self._step(e) for e in self.entries)

    def _step(self, entry: _Entry) -> Step:
        kind, at, text, args = entry
        return Step(kind=kind, text=text(*args), at=None if at is None else from_us(at, self.tz))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Trail):
            return self.steps() == other.steps()
        if isinstance(other, tuple):
            return self.steps() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


class Later:
    """A value worked out on first use (then kept); equal when the values are equal."""

    __slots__ = ("_find", "_value")

    def __init__(self, find: Callable[[], Any]) -> None:
        self._find: Callable[[], Any] | None = find
        self._value: Any = None

    def value(self) -> Any:
        if self._find is not None:
            self._value, self._find = self._find(), None
        return self._value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Later) and self.value() == other.value()

    __hash__ = None  # type: ignore[assignment]


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
    breached: bool = Field(
        False,
        description="The target was not met in time: state breached (still open, past due) "
        "or missed (the stop event came after the due time)",
    )
    escalate: bool = Field(
        False, description="Breached, and the policy escalates this plan, severity and metric"
    )
    severity: str = Field(description="The severity whose target applies")
    clock: str | None = None
    clause: str | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    paused: timedelta = Field(
        timedelta(0), description="Clock time inside pause windows, to the stop event or at"
    )
    rule: Target | None = Field(
        None, exclude=True, description="The policy's target (not serialised: see clause)"
    )
    _steps: tuple[Step, ...] | Trail = PrivateAttr(default=())
    _next: Later | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _take_steps(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """``MetricResult(..., steps=[...])`` still works: the steps are validated, kept."""
        steps: Any = ()
        if isinstance(data, Mapping) and "steps" in data:
            data = dict(data)
            steps = _STEPS.validate_python(data.pop("steps"))
        result = handler(data)
        if steps and isinstance(result, MetricResult):
            result._steps = steps
        return result

    @computed_field  # type: ignore[prop-decorator]
    @property
    def steps(self) -> tuple[Step, ...]:
        """The audit trail: the ordered steps that produced the due time and the state."""
        steps = self._steps
        if isinstance(steps, Trail):
            steps = steps.steps()
            self._steps = steps
        return steps

    @property
    def next_change_at(self) -> datetime | None:
        """When the state changes next if nothing else happens (no event), or ``None``.

        Exact under pauses and business hours: evaluating at ``next_change_at`` gives
        ``next_state``, and at any instant before it (from ``at``) the current state.
        """
        found = self._next_change()
        return None if found is None else found[0]

    @property
    def next_state(self) -> State | None:
        """The state ``next_change_at`` brings, or ``None``."""
        found = self._next_change()
        return None if found is None else found[1]

    def _next_change(self) -> tuple[datetime, State] | None:
        return None if self._next is None else self._next.value()

    @classmethod
    def build(
        cls,
        values: dict[str, Any],
        fields_set: set[str],
        trail: Trail,
        next_change: Callable[[], tuple[datetime, State] | None] | None = None,
    ) -> MetricResult:
        """A result from values the evaluation computed, without re-validating them.

        Internal: ``values`` holds every field, in the order of the fields, and
        ``fields_set`` the names a caller would have passed. What ``model_construct``
        does, minus its per-field default look-ups (this runs once per metric per ticket).
        """
        result = cls.__new__(cls)
        object.__setattr__(result, "__dict__", values)
        object.__setattr__(result, "__pydantic_fields_set__", fields_set)
        object.__setattr__(result, "__pydantic_extra__", None)
        later = None if next_change is None else Later(next_change)
        object.__setattr__(result, "__pydantic_private__", {"_steps": trail, "_next": later})
        return result

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


class Evaluation(BaseModel, Mapping[str, MetricResult]):
    """One ``MetricResult`` per metric of the policy, by metric id (``ev["response"]``).

    A read-only mapping of metric id to result, and a pydantic model whose dump is the
    JSON shape of an evaluation (the ticket itself is not dumped: see ``ticket_id``).
    """

    model_config = ConfigDict(frozen=True)

    policy_id: str = Field(description="The policy's id")
    ticket: Ticket = Field(exclude=True, description="The ticket evaluated")
    at: datetime = Field(description="The instant of the evaluation")
    plan: str = Field(description="The plan id")
    severity: str = Field(description="The severity id at `at` (after any severity change)")
    results: dict[str, MetricResult] = Field(description="One result per metric id")

    def __getitem__(self, metric: str) -> MetricResult:
        """The result of one metric; ``UnknownNameError`` lists the policy's metrics."""
        try:
            return self.results[metric]
        except (KeyError, TypeError):
            raise UnknownNameError("metric", metric, self.results) from None

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        """The metric ids, in the policy's order."""
        return iter(self.results)

    def __len__(self) -> int:
        """How many metrics."""
        return len(self.results)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ticket_id(self) -> str | int | None:
        """The ticket's ``id``."""
        return self.ticket.id

    @computed_field  # type: ignore[prop-decorator]
    @property
    def breached(self) -> bool:
        """True when any metric is breached (``MetricResult.breached``: breached or missed)."""
        return any(r.breached for r in self.results.values())

    @computed_field  # type: ignore[prop-decorator]
    @property
    def escalate(self) -> bool:
        """True when any metric is to be escalated (``MetricResult.escalate``)."""
        return any(r.escalate for r in self.results.values())

    @property
    def escalations(self) -> list[str]:
        """The ids of the metrics to escalate, in the policy's order."""
        return [m for m, r in self.results.items() if r.escalate]

    def explain(self) -> str:
        """Every metric's audit trail."""
        return "\n\n".join(f"{r.summary()}\n{r.explain()}" for r in self.results.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: the same as ``model_dump(mode="json")``."""
        return self.model_dump(mode="json")

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


def describe_calendar(name: str, cal: Calendar) -> str:
    """``business (mon-fri 09:00-18:00, time zone GMT)`` or ``always (24x7, wall-clock time)``."""
    if name == ALWAYS:
        return "always (24x7, wall-clock time)"
    hours = "; ".join(f"{k} {', '.join(v) or 'closed'}" for k, v in cal.hours.items())
    extra = ""
    if cal.holidays.country:
        sub = f"-{cal.holidays.subdivision}" if cal.holidays.subdivision else ""
        extra = f", {cal.holidays.country}{sub} public holidays closed"
    return f"{name} ({hours}, time zone {cal.timezone}{extra})"
