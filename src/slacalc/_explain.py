"""The words of an audit trail: one function per kind of step, from the raw facts.

The evaluation records ``(function, facts)`` while it works (see ``results.Trail``); these
functions write the text only when someone reads the steps. Instants are integer
microseconds since the epoch, shown in the ticket's time zone ``tz``; lengths are integer
microseconds of clock time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta, tzinfo

from .calendar import Calendar
from .instants import from_us
from .results import describe_calendar, fmt_td, fmt_time
from .states import State
from .targets import NextOpen, Target, TargetKind

_US = timedelta(microseconds=1)


def t(tz: tzinfo, us: int) -> str:
    """An instant in the ticket's time zone, as the steps show it."""
    return fmt_time(from_us(us, tz))


def describe_target(plan: str, severity: str, target: Target, within: timedelta | None) -> str:
    """What the target promises for this plan and severity, with its clause."""
    where = f"{plan} {severity}"
    if target.kind is TargetKind.NONE:
        what = f"no target for {where} (the document says N/A, or nothing)"
    elif target.kind is TargetKind.COMMITMENT:
        what = f"a commitment with no due time for {where}: {target.commitment!r}"
    else:
        assert target.within is not None and within is not None
        length = fmt_td(within)
        written = str(target.within)
        size = written if written == length else f"{written} (= {length} of clock time)"
        what = f"{size} for {where}"
    clause = f" - clause: {target.clause!r}" if target.clause else ""
    return f"{what}{clause}"


def target(plan: str, severity: str, target: Target, within: timedelta | None) -> str:
    return f"Target: {describe_target(plan, severity, target, within)}"


def clock(name: str, cal: Calendar) -> str:
    return f"Clock: {describe_calendar(name, cal)}"


def start(tz: tzinfo, target: Target, anchor: int, start: int, anchor_name: str) -> str:
    if isinstance(target.start, NextOpen):
        cal = target.start.next_open
        if start == anchor:
            return f"Start: next opening of {cal} after {anchor_name}: open, {t(tz, start)}"
        return (
            f"Start: at the next opening of {cal} after {anchor_name} "
            f"({t(tz, anchor)}): {t(tz, start)}"
        )
    return f"Start: when the {anchor_name}, {t(tz, start)}"


def severity_after_stop(tz: tzinfo, new: str, tc: int, stop: int, metric: str) -> str:
    return (
        f"Severity changed to {new} at {t(tz, tc)}: already met or stopped at "
        f"{t(tz, stop)}, so the {metric} target stays as it was"
    )


def severity_after_breach(tz: tzinfo, new: str, tc: int, due: int, old: str) -> str:
    return (
        f"Severity changed to {new} at {t(tz, tc)}: "
        f"already breached at {t(tz, due)} "
        f"under {old}; a breach stays a breach"
    )


def severity_retarget(
    tz: tzinfo,
    new: str,
    tc: int,
    anchor: int | None,
    plan: str,
    target: Target,
    within: timedelta | None,
) -> str:
    """``anchor`` is ``None`` when the clock runs from opened_at."""
    since = "opened_at" if anchor is None else f"the update at {t(tz, anchor)}"
    text = f"Severity changed to {new} at {t(tz, tc)}: re-targeted from {since}"
    text += f" - {describe_target(plan, new, target, within)}"
    if target.kind is TargetKind.DURATION:
        text += f"; clock {target.clock}, pauses kept"
    return text


def pause(tz: tzinfo, s: int, e: int, held: int, clock: str, is_gap: bool) -> str:
    why = "resolved until reopened" if is_gap else "paused"
    return (
        f"Not counted ({why}) {t(tz, s)} -> {t(tz, e)}: "
        f"{fmt_td(_US * held)} of {clock} "
        f"time, so the due time moves {fmt_td(_US * held)} later"
    )


def not_pausable(metric: str) -> str:
    return f"{metric} is not pausable: pause events do not stop its clock"


def late_updates(tz: tzinfo, late: Sequence[tuple[int, int]]) -> str:
    """``late`` holds ``(update, its due time)`` pairs."""
    return "an update came late: " + "; ".join(
        f"{t(tz, beat)} is {fmt_td(_US * (beat - due))} after its due time {t(tz, due)}"
        for beat, due in late
    )


def state_without_due(tz: tzinfo, state: State, late: Sequence[tuple[int, int]]) -> str:
    if late:
        why = late_updates(tz, late)
    elif state is State.NOT_APPLICABLE:
        why = "no target applies"
    else:
        why = "a commitment has no due time"
    return f"State: {state.value} - {why}"


def due(tz: tzinfo, due: int) -> str:
    return f"Due: {t(tz, due)}"


def state(
    tz: tzinfo,
    state: State,
    stop_name: str,
    stop: int | None,
    due: int,
    need: int,
    elapsed: int,
    at: int,
    fraction: float,
    late: Sequence[tuple[int, int]],
) -> str:
    why = _why(tz, state, stop_name, stop, due, need, elapsed, at, fraction, late)
    return f"State: {state.value} - {why}"


def _why(
    tz: tzinfo,
    state: State,
    stop_name: str,
    stop: int | None,
    due: int,
    need: int,
    elapsed: int,
    at: int,
    fraction: float,
    late: Sequence[tuple[int, int]],
) -> str:
    if late:
        return late_updates(tz, late)
    if state is State.MET:
        assert stop is not None
        return f"{stop_name} at {t(tz, stop)}, {fmt_td(_US * (due - stop))} before the due time"
    if state is State.MISSED:
        assert stop is not None
        return f"{stop_name} at {t(tz, stop)}, {fmt_td(_US * (stop - due))} after the due time"
    if state is State.BREACHED:
        return (
            f"not {stop_name} by the due time; at {t(tz, at)} "
            f"{fmt_td(_US * (elapsed - need))} over the target of counted time"
        )
    if state is State.PAUSED:
        return f"the clock is paused at {t(tz, at)}"
    share = elapsed / need if need else 1.0
    if state is State.AT_RISK:
        return (
            f"{fmt_td(_US * elapsed)} of {fmt_td(_US * need)} counted "
            f"({share:.0%} >= warning {fraction:.0%})"
        )
    return f"{fmt_td(_US * elapsed)} of {fmt_td(_US * need)} counted ({share:.0%})"


def escalate(contact: str | None, plan: str, severity: str) -> str:
    who = f" to {contact}" if contact else ""
    return f"Escalate{who}: {plan} {severity} is eligible"


def no_escalation(plan: str, severity: str) -> str:
    return f"No escalation: {plan} {severity} is not eligible"


def update(tz: tzinfo, beat: int, due: int, late: bool) -> str:
    if late:
        return f"Update at {t(tz, beat)}: late, due {t(tz, due)}"
    return f"Update at {t(tz, beat)}: on time (due {t(tz, due)})"


def next_update(
    tz: tzinfo, last: int, plan: str, severity: str, target: Target, within: timedelta | None
) -> str:
    return (
        f"Next update: counted from the last update at {t(tz, last)}, "
        f"cadence {describe_target(plan, severity, target, within)}"
    )


def resolved(tz: tzinfo, stop: int) -> str:
    return f"Resolved at {t(tz, stop)}: no more updates due"
