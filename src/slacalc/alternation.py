"""Events that take turns: ``paused``/``resumed`` and ``resolved``/``reopened``.

In a ticket's time-ordered history the events of each pair alternate, the opening one
first: paused, resumed, paused, ... An opening event while its pair is already open, or a
closing one while it is not, is out of turn, and the history is refused at its first such
event. Each fault has one message template (``MESSAGES``); ``{at}`` and ``{since}`` are
filled with the instants where the caller knows them (``message``).

The rule in two forms side by side: ``out_of_turn`` over one history (the scalar
evaluation) and ``out_of_turn_array`` over many tickets' sorted events at once (tables);
``tests/test_array_forms.py`` checks that they agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from .tickets import EventType

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    I64 = NDArray[np.int64]

__all__ = ["MESSAGES", "TURNS", "Turn", "message", "out_of_turn", "out_of_turn_array"]


class Turn(NamedTuple):
    """A pair of events that alternate, and the message of each way to break the turn."""

    opening: EventType
    closing: EventType
    twice: str
    """The opening event while the pair is already open."""
    unopened: str
    """The closing event while the pair is not open."""


TURNS: tuple[Turn, ...] = (
    Turn(
        EventType.PAUSED,
        EventType.RESUMED,
        "paused{at} while already paused{since}",
        "resumed{at} without a paused event before it",
    ),
    Turn(
        EventType.RESOLVED,
        EventType.REOPENED,
        "resolved{at}, but the ticket is already resolved (reopen it first)",
        "reopened{at}, but the ticket is not resolved",
    ),
)

MESSAGES: tuple[str, ...] = tuple(m for turn in TURNS for m in (turn.twice, turn.unopened))
"""Fault ``f``'s template: ``TURNS[f // 2]``, its ``twice`` when ``f`` is even, else its
``unopened``."""

# event type -> (index of its pair in TURNS, whether it opens the pair)
_ROLE: dict[str, tuple[int, bool]] = {
    kind: (i, kind is turn.opening)
    for i, turn in enumerate(TURNS)
    for kind in (turn.opening, turn.closing)
}


def message(fault: int, at: str = "", since: str = "") -> str:
    """The message of fault ``fault``; ``at`` (the event's instant) and ``since`` (that of the
    opening event it repeats) as ISO text, or empty where not known."""
    return MESSAGES[fault].format(
        at=f" at {at}" if at else "", since=f" since {since}" if since else ""
    )


def out_of_turn(kinds: Iterable[str]) -> tuple[int, int, int] | None:
    """The first event out of turn in time-ordered event types, or ``None``.

    ``(position, fault, opened)``: ``fault`` indexes ``MESSAGES``; ``opened`` is the
    position of the opening event a second opening repeats (``-1`` for a closing fault).
    """
    open_at = [-1] * len(TURNS)  # per pair: the position of its open event, -1 when closed
    role = _ROLE.get
    for k, kind in enumerate(kinds):
        found = role(kind)
        if found is None:
            continue
        pair, opening = found
        since = open_at[pair]
        if opening:
            if since >= 0:
                return k, 2 * pair, since
            open_at[pair] = k
        elif since < 0:
            return k, 2 * pair + 1, -1
        else:
            open_at[pair] = -1
    return None


def out_of_turn_array(row: I64, typ: I64, types: Sequence[str]) -> I64:
    """``out_of_turn`` for the events of many tickets: per event, its fault or ``-1``.

    The events are sorted by (ticket ``row``, time); ``typ`` indexes ``types``. Within a
    ticket the ``j``-th event of a pair (from 0) must open it when ``j`` is even and close
    it when odd; every event that does not is marked, so a ticket's first marked event and
    its fault are ``out_of_turn``'s answer for that ticket.
    """
    import numpy as np

    fault = np.full(len(typ), -1, dtype=np.int64)
    for pair, turn in enumerate(TURNS):
        opening = typ == types.index(turn.opening)
        sel = np.flatnonzero(opening | (typ == types.index(turn.closing)))
        rows = row[sel]
        idx = np.arange(len(sel), dtype=np.int64)
        first = np.ones(len(sel), dtype=bool)
        first[1:] = rows[1:] != rows[:-1]
        run_start = np.maximum.accumulate(np.where(first, idx, 0)) if len(sel) else idx
        even = (idx - run_start) % 2 == 0
        opens = opening[sel]
        fault[sel[opens & ~even]] = 2 * pair
        fault[sel[~opens & even]] = 2 * pair + 1
    return fault
