"""The error family: every error slacalc raises on purpose is a ``SlacalcError``."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "AvailabilityError",
    "CalendarError",
    "DurationError",
    "InstantError",
    "NaiveDatetimeError",
    "PolicyError",
    "SlacalcError",
    "TicketError",
    "UnknownNameError",
]


class SlacalcError(Exception):
    """Root of every error slacalc raises on purpose."""


class CalendarError(SlacalcError, ValueError):
    """A calendar that cannot be built, or a question it cannot answer."""


class DurationError(SlacalcError, ValueError):
    """A duration that cannot be parsed."""


class NaiveDatetimeError(SlacalcError, ValueError):
    """A datetime (or ISO 8601 text) without a time zone, where an instant is required."""


class InstantError(SlacalcError, TypeError, ValueError):
    """A value that is not an instant: neither an aware datetime nor ISO 8601 text.

    Numbers are refused here too: slacalc never reads a number as a Unix timestamp. Also a
    ``TypeError`` (a wrong type) and a ``ValueError`` (so pydantic reports it with its
    field location inside a model's validation).
    """


class TicketError(SlacalcError, ValueError):
    """A ticket or event history that cannot be evaluated."""


class AvailabilityError(SlacalcError, ValueError):
    """An availability question that cannot be answered (bad month, outage or cause)."""


class PolicyError(SlacalcError, ValueError):
    """A policy file that cannot be loaded; the message names file, line and key path."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        path: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.reason = message
        where = ""
        if file is not None:
            where = file
            if line is not None:
                where += f":{line}"
                if column is not None:
                    where += f":{column}"
            where += ": "
        key = f"{path}: " if path else ""
        super().__init__(f"{where}{key}{message}")


class UnknownNameError(SlacalcError, KeyError, ValueError):
    """An undefined name (plan, severity, metric, cause, policy...); lists the valid ones.

    A ``KeyError`` for look-ups, and a ``ValueError`` so that pydantic reports it with its
    field location when a model's validator raises it.
    """

    def __init__(self, kind: str, name: object, valid: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        self.valid = sorted(set(valid))
        listing = ", ".join(repr(v) for v in self.valid) or "(none)"
        self.message = f"unknown {kind} {name!r}; valid {_plural(kind)}: {listing}"
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would quote the whole message
        return self.message


def _plural(kind: str) -> str:
    if kind.endswith("y") and not kind.endswith(("ay", "ey", "oy")):
        return kind[:-1] + "ies"
    return kind + ("es" if kind.endswith(("s", "x", "ch", "sh")) else "s")
