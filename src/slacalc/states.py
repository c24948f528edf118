"""Metric states: the precedence rules that turn a clock's numbers into a ``State``.

``state_for`` is pure and works on plain integers, so the scalar evaluation
(``slacalc.evaluation``) and the column-wise one (``slacalc.frame``) apply the same rules.
"""

from __future__ import annotations

from enum import StrEnum

from .targets import TargetKind

__all__ = ["STATE_ORDER", "State", "state_for"]


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
