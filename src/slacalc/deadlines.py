"""Deadlines ahead: the coming state changes of many tickets, in time order, and as iCalendar.

``upcoming(policy, tickets, at=..., within=...)`` evaluates each ticket at ``at`` and lists,
for every metric whose state will change if nothing else happens, when
(``MetricResult.next_change_at``, the one rule) and into which state. ``to_ics`` writes a
list of deadlines as an iCalendar feed (the ``icalendar`` package, extra ``slacalc[ics]``),
one event per deadline, for on-call calendars.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .durations import Duration
from .errors import DurationError, SlacalcError
from .evaluation import evaluate
from .instants import instant
from .states import State
from .tickets import Ticket

if TYPE_CHECKING:
    from .policy import Policy

__all__ = ["Deadline", "to_ics", "upcoming"]

_PRODID = "-//slacalc//deadlines//EN"


@dataclass(frozen=True)
class Deadline:
    """One coming state change: ticket ``ticket_id``'s ``metric`` turns ``next_state`` at
    ``at`` (from ``state``) unless something happens to the ticket first."""

    ticket_id: str | int | None
    metric: str
    state: State
    next_state: State
    at: datetime
    policy: str

    @property
    def uid(self) -> str:
        """A stable identifier per policy, ticket, metric and coming state (the ICS UID)."""
        return f"{self.policy}/{self.ticket_id}/{self.metric}/{self.next_state.value}@slacalc"

    @property
    def summary(self) -> str:
        """One line naming the ticket, the metric and the coming state."""
        return f"{self.ticket_id}: {self.metric} turns {self.next_state.value}"

    def to_dict(self) -> dict[str, Any]:
        """Plain values: the instant as ISO 8601 in UTC with ``Z``, states as their names."""
        return {
            "ticket_id": self.ticket_id,
            "metric": self.metric,
            "state": self.state.value,
            "next_state": self.next_state.value,
            "next_change_at": self.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "policy": self.policy,
        }


def upcoming(
    policy: Policy,
    tickets: Iterable[Ticket | Mapping[str, Any]],
    at: datetime | str | None = None,
    within: timedelta | Duration | str | None = None,
) -> list[Deadline]:
    """The state changes coming to ``tickets`` after ``at`` (default: now), in time order.

    With ``within``: every change in ``[at, at + within)`` if nothing else happens to the
    tickets (``running`` to ``at_risk``, then ``at_risk`` to ``breached``, ...), each found
    as the ``next_change_at`` of an evaluation at the change before it, seeing only the
    events known at ``at``. Without ``within``: each metric's next change, however far.
    ``within`` is real time (``timedelta`` or text such as ``'24h'``); business durations
    are refused. Tickets opened after ``at`` are left out (as the table
    path leaves them out). Ties are ordered by ticket id, then metric name.
    """
    at = datetime.now(UTC) if at is None else instant(at, "at")
    end = None if within is None else at + _window(within)
    found: list[Deadline] = []
    for given in tickets:
        ticket = given if isinstance(given, Ticket) else Ticket.from_dict(given)
        if ticket.opened_at > at:
            continue
        result = evaluate(policy, ticket, at)
        # "if nothing else happens": later evaluations see only the events known at ``at``
        known = ticket.model_copy(update={"events": tuple(e for e in ticket.events if e.at <= at)})
        for metric, r in result.items():
            state, when, coming = r.state, r.next_change_at, r.next_state
            while when is not None and coming is not None and when >= at:
                if end is not None and when >= end:
                    break
                found.append(Deadline(result.ticket_id, metric, state, coming, when, policy.id))
                if end is None:
                    break
                later = evaluate(policy, known, when)[metric]
                state, when, coming = later.state, later.next_change_at, later.next_state
    found.sort(key=lambda d: (d.at, str(d.ticket_id), d.metric))
    return found


def _window(within: timedelta | Duration | str) -> timedelta:
    dur = Duration.parse(within)
    if dur.is_business:
        raise DurationError(
            f"within={str(dur)!r}: the window is real time; give hours or days such as '24h'"
        )
    if dur.fixed < timedelta(0):
        raise DurationError(f"within={str(dur)!r} must not be negative")
    return dur.fixed


def to_ics(deadlines: Sequence[Deadline], *, stamp: datetime | None = None) -> bytes:
    """An iCalendar feed (RFC 5545) with one ``VEVENT`` per deadline.

    ``UID`` is ``Deadline.uid`` (stable, so a calendar app updates an event rather than
    adding one); ``DTSTART`` is the instant in UTC to the second (iCalendar holds no
    fractions: a breach one microsecond after a due time shows at the due time);
    ``SUMMARY`` names the ticket, the metric and the coming state. ``DTSTAMP`` is
    ``stamp`` (default: now). Needs ``slacalc[ics]``.
    """
    try:
        import icalendar
    except ImportError:
        raise SlacalcError(
            "writing iCalendar needs icalendar: pip install 'slacalc[ics]'"
        ) from None
    stamp = datetime.now(UTC) if stamp is None else instant(stamp, "stamp").astimezone(UTC)
    cal = icalendar.Calendar()
    cal.add("prodid", _PRODID)
    cal.add("version", "2.0")
    for d in deadlines:
        event = icalendar.Event()
        event.add("uid", d.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", d.at.astimezone(UTC).replace(microsecond=0))
        event.add("summary", d.summary)
        event.add(
            "description",
            f"Policy {d.policy}: ticket {d.ticket_id}, {d.metric} goes from "
            f"{d.state.value} to {d.next_state.value} unless the ticket changes first.",
        )
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data
