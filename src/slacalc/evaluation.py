"""Ticket evaluation: where each SLA clock of a ticket stands at an instant, and why.

``evaluate(policy, ticket, at)`` (also ``Policy.evaluate``) returns an ``Evaluation``: one
``MetricResult`` per metric the policy defines, each with a ``State``, the due time, counted
and remaining business time, the breach and escalation flags, and ``explain()``, the ordered
steps that produced them. The rules are those of ``docs/evaluation.md`` (which grows from
the shared ``semantics.md``): clocks that skip pause windows, re-targeting on a severity
change, reopened tickets, update cadences and escalation. Inside, every instant is an
integer number of microseconds since the epoch, so answers are exact; instants go out in
the ticket's own time zone.

The input models live in ``slacalc.tickets``, the states in ``slacalc.states`` and the
results in ``slacalc.results``. ``slacalc.frame`` answers whole tables with the same rules.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from . import _explain as say
from . import alternation, pausing
from .errors import SlacalcError, TicketError
from .instants import from_us, instant, to_us
from .policy import Policy, ResolvedTarget, cache_of, resolve
from .results import Evaluation, MetricResult, Trail
from .states import State, state_for
from .targets import MetricSpec, TargetKind
from .terms import PauseWindowSpec
from .tickets import Event, EventType, Ticket
from .timeline import Timeline

__all__ = ["evaluate"]

_US = timedelta(microseconds=1)
# The event types the loops over a history compare with, looked up once (an enum
# attribute costs more than the comparison itself).
_PAUSED, _RESUMED, _RESOLVED, _REOPENED, _CHANGED = (
    EventType.PAUSED,
    EventType.RESUMED,
    EventType.RESOLVED,
    EventType.REOPENED,
    EventType.SEVERITY_CHANGED,
)
_NO_TIME = timedelta(0)
# The fields a result sets, as MetricResult(...) would record them (model_fields_set).
_SET_WITH_DUE = frozenset(MetricResult.model_fields)
_SET_WITHOUT_DUE = _SET_WITH_DUE - {
    "due_at",
    "elapsed",
    "remaining",
    "clock",
    "started_at",
    "paused",
}


# ---- the history ------------------------------------------------------------------------------
@dataclass
class _History:
    """A ticket's events, validated, sorted and cut at ``at``; instants in microseconds.

    ``times`` and ``kinds`` are the instants and types of the events at or before ``at``,
    in time order.
    """

    opened: int
    at: int
    tz: tzinfo
    plan: str
    severity0: str
    times: list[int]
    kinds: list[str]
    pauses: list[pausing.Window] = field(default_factory=list)
    paused_since: int | None = None
    changes: list[tuple[int, str]] = field(default_factory=list)
    _change_times: list[int] | None = None

    def severity_at(self, t: int) -> str:
        """The severity at ``t``: the last change at or before it, else the first."""
        k = bisect_right(self.change_times(), t)
        return self.changes[k - 1][1] if k else self.severity0

    def change_times(self) -> list[int]:
        """The instants of ``changes``, in order (computed once)."""
        if self._change_times is None or len(self._change_times) != len(self.changes):
            self._change_times = [tc for tc, _ in self.changes]
        return self._change_times


def _history(policy: Policy, ticket: Ticket, at: datetime) -> _History:
    opened = to_us(ticket.opened_at)
    at_us = to_us(at)
    if at_us < opened:
        raise TicketError(
            f"at {at.isoformat()} is before the ticket was opened ({ticket.opened_at.isoformat()})"
        )
    plan = policy.plan_id(ticket.plan)
    sev0 = policy.severity_id(ticket.severity)
    given = ticket.events
    stamps = [to_us(e.at) for e in given]
    order = sorted(range(len(given)), key=stamps.__getitem__)  # stable: ties keep their order
    events = [given[i] for i in order]
    times = [stamps[i] for i in order]
    kinds = [e.type for e in events]
    ids = _check_history(policy, ticket, events, times, kinds, opened)
    cut = bisect_right(times, at_us)
    hist = _History(
        opened=opened,
        at=at_us,
        tz=ticket.opened_at.tzinfo or UTC,
        plan=plan,
        severity0=sev0,
        times=times[:cut],
        kinds=kinds[:cut],
    )
    since: int | None = None
    pauses, changes = hist.pauses, hist.changes
    for k in range(cut):
        kind = kinds[k]
        if kind is _PAUSED:
            since = times[k]
        elif kind is _RESUMED:
            assert since is not None
            pauses.append((since, times[k]))
            since = None
        elif kind is _CHANGED:
            changes.append((times[k], ids[events[k].severity or ""]))
    if since is not None:
        pauses.append((since, at_us))
    hist.paused_since = since
    return hist


def _check_history(
    policy: Policy,
    ticket: Ticket,
    events: list[Event],
    times: list[int],
    kinds: list[str],
    opened: int,
) -> dict[str, str]:
    """Refuse a history that does not make sense, at its first bad event in time order.

    An event's faults are checked in this order: an event type the policy does not know,
    an event before the opening, an unknown severity, an event out of turn
    (``alternation``). Returns the severity id of each severity the changes name.
    """
    faults: list[tuple[int, int, SlacalcError]] = []  # (position, check, error)
    known = _known_types(policy)
    if not known.issuperset(kinds):
        for k, kind in enumerate(kinds):
            if kind not in known:
                try:
                    policy.event_type(kind)  # UnknownNameError lists the valid types
                except SlacalcError as error:
                    faults.append((k, 0, error))
                    break
    if times and times[0] < opened:  # sorted: the earliest event comes first
        e = events[0]
        early = TicketError(
            f"{e.type} at {e.at.isoformat()} is before the ticket was opened "
            f"({ticket.opened_at.isoformat()})"
        )
        faults.append((0, 1, early))
    ids: dict[str, str] = {}
    for k, kind in enumerate(kinds):
        if kind is _CHANGED:
            name = events[k].severity or ""
            if name not in ids:
                try:
                    ids[name] = policy.severity_id(name)
                except SlacalcError as error:
                    faults.append((k, 2, error))
                    break
    turn = alternation.out_of_turn(kinds)
    if turn is not None:
        k, fault, first = turn
        at = events[k].at
        since = "" if first < 0 else from_us(times[first], at.tzinfo).isoformat()
        faults.append((k, 3, TicketError(alternation.message(fault, at.isoformat(), since))))
    if faults:
        raise min(faults, key=lambda f: f[:2])[2]
    return ids


def _known_types(policy: Policy) -> frozenset[str]:
    """Every event type a ticket may carry under ``policy``, once per policy."""
    cache = cache_of(policy)
    try:
        known: frozenset[str] = cache["evaluation.types"]
    except KeyError:
        known = cache["evaluation.types"] = frozenset((*EventType, *policy.events))
    return known


_Facts = tuple[MetricSpec, tuple[str, ...], bool]


def _metric_facts(policy: Policy) -> dict[str, _Facts]:
    """Each metric's definition, stop events and whether a reopen restarts it, once per policy."""
    cache = cache_of(policy)
    try:
        facts: dict[str, _Facts] = cache["evaluation.metrics"]
    except KeyError:
        facts = {}
        for m, spec in policy.metrics.items():
            stops = policy.stop_events(m)
            facts[m] = (spec, stops, reopens(stops))
        cache["evaluation.metrics"] = facts
    return facts


def reopens(stop_events: tuple[str, ...]) -> bool:
    """A reopen restarts a metric stopped only by ``resolved`` (the resolution clock).

    Its clock does not count from the resolution to the reopen; any other metric, once
    stopped, stays stopped.
    """
    return stop_events == (EventType.RESOLVED,)


def first_stop(
    events: Iterable[tuple[int, str]], stop_events: tuple[str, ...], reopenable: bool
) -> tuple[int | None, str | None, list[pausing.Window]]:
    """``(stop, its type, gaps)`` from time-ordered ``(instant, type)`` events.

    The stop is the earliest event of a stop type; for a metric that ``reopens``, a
    ``reopened`` clears it and the resolved -> reopened span becomes a gap in its clock.
    """
    stopped: int | None = None
    kind: str | None = None
    gaps: list[pausing.Window] = []
    stops = frozenset(stop_events)
    for t, typ in events:
        if stopped is None and typ in stops:
            stopped, kind = t, typ
        elif reopenable and stopped is not None and typ == _REOPENED:
            gaps.append((stopped, t))
            stopped = kind = None
    return stopped, kind, gaps


# ---- one metric ---------------------------------------------------------------------------------
class _Clock:
    """What one target needs to answer: its clock's timeline, start and length."""

    __slots__ = ("due", "moved", "need", "resolved", "severity", "start", "target", "walk")

    def __init__(self, resolved: ResolvedTarget, severity: str) -> None:
        self.resolved = resolved
        self.target = resolved.target
        self.severity = severity
        self.start: int | None = None
        self.need: int | None = None
        self.due: int | None = None
        self.walk: pausing.Walk | None = None  # the walk past the pauses, and which
        self.moved = (0, 0)  # of its windows (first, last + 1) moved the due time


class _Metric:
    """Evaluates one metric of one ticket."""

    def __init__(self, policy: Policy, hist: _History, ticket: Ticket, metric: str) -> None:
        self.policy = policy
        self.ticket = ticket
        self.hist = hist
        self.metric = metric
        self.spec, self.stop_types, self.reopenable = _metric_facts(policy)[metric]
        self.stop_kind: str | None = None
        self.trail = Trail(hist.tz)
        self.pausable = self.spec.pausable
        specs = (*policy.pause_windows, *ticket.pause_windows) if self.pausable else ()
        self.specs: tuple[PauseWindowSpec, ...] = specs
        self.event_pauses = hist.pauses if self.pausable else []
        self.gaps: list[pausing.Window] = []  # resolved -> reopened, for the resolution clock
        self._ends: tuple[list[int], list[int]] | None = None  # the windows' ends, for bisect
        self._walks: dict[int, pausing.Walk] = {}  # by clock
        self._tls: dict[int, tuple[ResolvedTarget, Timeline | None, Timeline]] = {}
        self.stop: int | None = None
        self._find_stop()
        self.has_windows = bool(self.specs or self.event_pauses or self.gaps)

    # -- events
    def _find_stop(self) -> None:
        self.stop, self.stop_kind, self.gaps = first_stop(
            zip(self.hist.times, self.hist.kinds, strict=True), self.stop_types, self.reopenable
        )

    def windows(self, lo: int) -> Iterator[pausing.Window]:
        """Every window that ends after ``lo``, merged (pause events, reopen gaps, specs)."""
        if self._ends is None:
            self._ends = ([e for _, e in self.event_pauses], [e for _, e in self.gaps])
        streams: list[Iterable[pausing.Window]] = [
            _ending_after(self.event_pauses, self._ends[0], lo),
            _ending_after(self.gaps, self._ends[1], lo),
        ]
        streams.extend(pausing.expand(s, lo) for s in self.specs)
        return pausing.merge(streams)

    def walk(self, tl: Timeline) -> pausing.Walk:
        """The walk past this metric's windows on ``tl`` from the opening (one per clock,
        shared by every start on it)."""
        w = self._walks.get(id(tl))
        if w is None or w.tl is not tl:
            lo = self.hist.opened
            more = self.windows if any(s.rrule is not None for s in self.specs) else None
            w = self._walks[id(tl)] = pausing.Walk(tl, lo, self.windows(lo), more)
        return w

    # -- targets
    def _timelines(self, resolved: ResolvedTarget) -> tuple[Timeline | None, Timeline]:
        """The timelines ``resolved`` starts and runs on, looked up once per target."""
        got = self._tls.get(id(resolved))
        if got is None or got[0] is not resolved:  # the target is kept, so its id is too
            start = None if resolved.start is None else resolved.start.timeline
            got = self._tls[id(resolved)] = (resolved, start, resolved.clock.timeline)
        return got[1], got[2]

    def clock_for(self, resolved: ResolvedTarget, severity: str, anchor: int) -> _Clock:
        c = _Clock(resolved, severity)
        if resolved.target.kind is TargetKind.DURATION:
            opens, tl = self._timelines(resolved)
            start = anchor if opens is None else opens.next_open(anchor)
            c.start = start
            c.need = need = resolved.within_us
            if self.has_windows:
                c.walk = self.walk(tl)
                c.due, first, moved = c.walk.due(start, need)
                c.moved = (first, moved)
            else:
                c.due = tl.add(start, need)
        return c

    def retarget(
        self, anchor: int, until: int, *, anchor_name: str, quiet: bool = False
    ) -> tuple[_Clock, list[tuple[int, Any, tuple[Any, ...]]]]:
        """The target for a clock started at ``anchor``; severity changes in ``(anchor, until]``.

        Also the notes the changes make, as ``(instant, text, facts)``, for the caller to add
        where its audit trail wants them.
        """
        hist = self.hist
        plan, metric, tz = hist.plan, self.metric, hist.tz
        sev = hist.severity_at(anchor)
        resolved = resolve(self.policy, plan, sev, metric)
        cur = self.clock_for(resolved, sev, anchor)
        target = resolved.target
        if not quiet:
            note = self.trail.add
            note("target", None, say.target, plan, sev, target, resolved.within)
            if target.kind is TargetKind.DURATION:
                note("clock", None, say.clock, target.clock, resolved.clock)
                assert cur.start is not None
                note("start", cur.start, say.start, tz, target, anchor, cur.start, anchor_name)
        pending: list[tuple[int, Any, tuple[Any, ...]]] = []
        if not hist.changes:
            return cur, pending
        times = hist.change_times()
        first, last = bisect_right(times, anchor), bisect_right(times, until)
        for tc, new in hist.changes[first:last]:
            if new == cur.severity:
                continue
            if self.stop is not None and self.stop <= tc:
                pending.append((tc, say.severity_after_stop, (tz, new, tc, self.stop, metric)))
                continue
            if cur.due is not None and cur.due < tc:
                pending.append(
                    (tc, say.severity_after_breach, (tz, new, tc, cur.due, cur.severity))
                )
                break
            resolved = resolve(self.policy, plan, new, metric)
            cur = self.clock_for(resolved, new, anchor)
            since = None if anchor == hist.opened else anchor
            pending.append(
                (
                    tc,
                    say.severity_retarget,
                    (tz, new, tc, since, plan, resolved.target, resolved.within),
                )
            )
        return cur, pending

    def severity_notes(self, pending: list[tuple[int, Any, tuple[Any, ...]]]) -> None:
        for tc, text, facts in pending:
            self.trail.add("severity", tc, text, *facts)

    def pause_steps(self, c: _Clock) -> None:
        """Note each pause that moved the due time (``clock_for`` kept them)."""
        tz, clock, gaps = self.hist.tz, c.target.clock, self.gaps
        gap_starts = [gs for gs, _ in gaps]
        held = () if c.walk is None or c.start is None else c.walk.held(c.start, *c.moved)
        for (s, e), h in held:
            k = bisect_right(gap_starts, s) - 1  # gaps are sorted and disjoint
            is_gap = k >= 0 and e <= gaps[k][1]
            self.trail.add("pause", s, say.pause, tz, s, e, h, clock, is_gap)

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
                self.trail.add("pause", None, say.not_pausable, self.metric)
        self.severity_notes(changes)
        return self._result(c, self.stop)

    def _result(
        self, c: _Clock, stop: int | None, *, late: tuple[tuple[int, int], ...] = ()
    ) -> MetricResult:
        hist = self.hist
        target = c.target
        policy = self.policy
        note = self.trail.add
        fraction = self.spec.warning_fraction or policy.warning_fraction
        stopped_at = None if stop is None else from_us(stop, hist.tz)
        if target.kind is not TargetKind.DURATION:
            state = State.NOT_APPLICABLE if target.kind is TargetKind.NONE else State.NO_DEADLINE
            if late:  # an earlier cycle's update came late: that stays on the record
                state = State.MISSED
            note("state", None, say.state_without_due, hist.tz, state, late)
            breached = state.is_breach
            values = {
                "metric": self.metric,
                "title": self.spec.title,
                "state": state,
                "target": target.commitment,
                "due_at": None,
                "elapsed": None,
                "remaining": None,
                "breached": breached,
                "escalate": breached
                and policy.escalation_eligible(hist.plan, c.severity, self.metric),
                "severity": c.severity,
                "clock": None,
                "clause": target.clause,
                "started_at": None,
                "stopped_at": stopped_at,
                "paused": _NO_TIME,
                "rule": target,
            }
            return MetricResult.build(values, set(_SET_WITHOUT_DUE), self.trail)
        assert c.start is not None and c.need is not None and c.due is not None
        tl = c.resolved.clock.timeline
        end = hist.at if stop is None else stop
        if self.has_windows:
            elapsed, paused_us = self.walk(tl).counted(c.start, end)
        else:
            elapsed, paused_us = (tl.elapsed(c.start, end), 0) if end > c.start else (0, 0)
        paused_now = (
            self.pausable
            and stop is None
            and (
                hist.paused_since is not None
                or (
                    bool(self.specs)
                    and pausing.paused_inside(
                        hist.at, pausing.merge(pausing.expand(s, hist.at) for s in self.specs)
                    )
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
        note("due", c.due, say.due, hist.tz, c.due)
        note(
            "state",
            None,
            say.state,
            hist.tz,
            state,
            self.stop_kind or " or ".join(self.stop_types),
            stop,
            c.due,
            c.need,
            elapsed,
            hist.at,
            fraction,
            late,
        )
        breached = state.is_breach
        escalate = breached and policy.escalation_eligible(hist.plan, c.severity, self.metric)
        if breached and policy.escalation is not None and self.metric in policy.escalation.metrics:
            if escalate:
                contact = policy.escalation.contact
                note("escalation", None, say.escalate, contact, hist.plan, c.severity)
            else:
                note("escalation", None, say.no_escalation, hist.plan, c.severity)
        values = {
            "metric": self.metric,
            "title": self.spec.title,
            "state": state,
            "target": _US * c.need,
            "due_at": from_us(c.due, hist.tz),
            "elapsed": _US * elapsed,
            "remaining": _US * (c.need - elapsed),
            "breached": breached,
            "escalate": escalate,
            "severity": c.severity,
            "clock": target.clock,
            "clause": target.clause,
            "started_at": from_us(c.start, hist.tz),
            "stopped_at": stopped_at,
            "paused": _US * paused_us,
            "rule": target,
        }
        changes = None
        if stop is None and not late and state in _CHANGING:
            changes = _NextChange(self, c, state, fraction).find
        return MetricResult.build(values, set(_SET_WITH_DUE), self.trail, changes)

    def _evaluate_cadence(self) -> MetricResult:
        """A periodic target: each update (or response) starts the next cycle."""
        hist = self.hist
        tz = hist.tz
        note = self.trail.add
        # the final resolution stops the cadence; updates and responses are its stop events
        resolved: int | None = None
        for k in range(len(hist.kinds) - 1, -1, -1):  # the last resolved or reopened
            if hist.kinds[k] is _RESOLVED:
                resolved = hist.times[k]
                break
            if hist.kinds[k] is _REOPENED:
                break
        end = hist.at if resolved is None else resolved
        beat_kinds = cadence_beats(self.stop_types)
        beats = [
            t for t, k in zip(hist.times, hist.kinds, strict=True) if k in beat_kinds and t <= end
        ]
        anchors = [hist.opened, *beats]
        late: list[tuple[int, int]] = []
        self.stop = self.stop_kind = None
        c, changes = self.retarget(
            hist.opened, beats[0] if beats else end, anchor_name="ticket was opened"
        )
        self.severity_notes(changes)
        for i, beat in enumerate(beats):
            if c.due is not None and beat > c.due:
                late.append((beat, c.due))
                note("cycle", beat, say.update, tz, beat, c.due, True)
            elif c.due is not None:
                note("cycle", beat, say.update, tz, beat, c.due, False)
            if not hist.changes:  # no severity change: every cycle has the first's target
                c = self.clock_for(c.resolved, c.severity, beat)
                continue
            nxt = beats[i + 1] if i + 1 < len(beats) else end
            c, changes = self.retarget(anchors[i + 1], nxt, anchor_name="last update", quiet=True)
            self.severity_notes(changes)
        if beats:
            note(
                "cycle",
                None,
                say.next_update,
                tz,
                beats[-1],
                hist.plan,
                c.severity,
                c.target,
                c.resolved.within,
            )
        if c.target.kind is TargetKind.DURATION:
            self.pause_steps(c)
        stop = resolved
        if stop is not None:
            note("cycle", None, say.resolved, tz, stop)
        return self._result(c, stop, late=tuple(late))


def _ending_after(
    windows: list[pausing.Window], ends: list[int], lo: int
) -> Iterator[pausing.Window]:
    """The windows that end after ``lo``, lazily, from disjoint windows sorted by start."""
    return (windows[i] for i in range(bisect_right(ends, lo), len(windows)))


def cadence_beats(stop_events: tuple[str, ...]) -> frozenset[str]:
    """The events that start a cadence's next cycle: updates, responses and its stop events.

    The final resolution (``resolved`` not followed by ``reopened``) ends the cadence.
    """
    return frozenset({EventType.UPDATED, EventType.RESPONDED, *stop_events}) - {EventType.RESOLVED}


_CHANGING = frozenset({State.RUNNING, State.AT_RISK, State.PAUSED})
_MAX_STEPS = 64


class _NextChange:
    """When a running, at-risk or paused metric next changes state if no event comes.

    The state moves only at: the instant counted time reaches the warning share of the
    target (``at_risk``), one microsecond after the due time (``breached``), and the
    starts and ends of scheduled pause windows (``paused`` and back). Each candidate
    after ``at`` is checked by evaluating the ticket there; the first that changes the
    state is the answer. A metric paused by an open ``paused`` event stays paused until an
    event comes: ``None``.
    """

    def __init__(self, metric: _Metric, c: _Clock, state: State, fraction: float) -> None:
        self.metric, self.c, self.state, self.fraction = metric, c, state, fraction

    def find(self) -> tuple[datetime, State] | None:
        m, c = self.metric, self.c
        hist = m.hist
        if self.state is State.PAUSED and hist.paused_since is not None:
            return None
        assert c.start is not None and c.need is not None and c.due is not None
        candidates = {c.due + 1}
        if self.state is State.RUNNING:
            share = math.ceil(self.fraction * c.need)
            tl = c.resolved.clock.timeline
            candidates.add(
                m.walk(tl).due(c.start, share)[0] if m.has_windows else tl.add(c.start, share)
            )
        if m.specs:
            horizon = max(candidates)
            for s, e in pausing.merge(pausing.expand(spec, hist.at) for spec in m.specs):
                if s > horizon:
                    break
                candidates.update((s, e))
        ticket = m.ticket
        at = from_us(hist.at, hist.tz)
        if any(e.at > at for e in ticket.events):  # nothing else happens: later events go
            kept = tuple(e for e in ticket.events if e.at <= at)
            ticket = ticket.model_copy(update={"events": kept})
        for u in sorted(x for x in candidates if x > hist.at)[:_MAX_STEPS]:
            when = from_us(u, hist.tz)
            new = evaluate(m.policy, ticket, when)[m.metric].state
            if new is not self.state:
                return when, new
        return None


# ---- entry point ---------------------------------------------------------------------------------
def evaluate(
    policy: Policy, ticket: Ticket | Mapping[str, Any], at: datetime | str | None = None
) -> Evaluation:
    """Where each metric of ``policy`` stands for ``ticket`` at ``at`` (default: now, UTC).

    ``at`` is an aware datetime or an ISO 8601 string with an offset. Events after ``at``
    are ignored (but the whole history must be consistent). Events out of order are sorted
    by time; equal times keep their given order.
    """
    if not isinstance(ticket, Ticket):
        ticket = Ticket.from_dict(ticket)
    at = datetime.now(UTC) if at is None else instant(at, "at")
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
