"""Metric states: the precedence rules that turn a clock's numbers into a ``State``.

``STATE_RULES`` lists the rules in order; ``state_for`` applies them to plain integers
(the scalar evaluation, ``slacalc.evaluation``) and ``state_codes`` to numpy columns (the
table path, ``slacalc.frame``), side by side and tested against each other.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from .targets import TargetKind

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["STATE_ORDER", "STATE_RULES", "State", "state_codes", "state_for"]


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

STATE_RULES: tuple[tuple[State, str], ...] = (
    (State.NOT_APPLICABLE, "no target"),
    (State.NO_DEADLINE, "a commitment: no due time"),
    (State.MET, "a stop event at or before the due time"),
    (State.MISSED, "a stop event after the due time"),
    (State.BREACHED, "no stop event, and at is past the due time"),
    (State.PAUSED, "the clock is paused at at"),
    (State.AT_RISK, "counted time >= warning fraction x target"),
    (State.RUNNING, "otherwise"),
)
"""The rules in precedence order, as ``(state, condition)``: the first that holds wins."""


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


def state_codes(
    *,
    none: NDArray[np.bool_],
    commitment: NDArray[np.bool_],
    target_us: NDArray[np.int64],
    elapsed_us: NDArray[np.int64],
    due_us: NDArray[np.int64],
    stopped: NDArray[np.bool_],
    stop_us: NDArray[np.int64],
    at_us: int,
    paused: NDArray[np.bool_] | bool,
    warning_fraction: float,
) -> NDArray[np.int8]:
    """``state_for`` over columns: each row's index into ``STATE_ORDER``.

    ``none``/``commitment`` mark rows whose target is absent or a commitment (their other
    values are ignored), ``stopped`` rows with a stop event at ``stop_us``. The conditions
    are ``STATE_RULES`` in order, given to ``numpy.select``.
    """
    import numpy as np

    conditions = [
        none,
        commitment,
        stopped & (stop_us <= due_us),
        stopped,
        at_us > due_us,
        np.broadcast_to(paused, none.shape),
        elapsed_us >= warning_fraction * target_us,
    ]
    assert len(conditions) == len(STATE_RULES) - 1
    choices = [np.int8(STATE_ORDER.index(state)) for state, _ in STATE_RULES[:-1]]
    codes: NDArray[np.int8] = np.select(
        conditions, choices, default=np.int8(STATE_ORDER.index(State.RUNNING))
    )
    return codes
