"""Instants: aware datetimes in, aware datetimes out, exact integer microseconds inside.

The one rule for every public entry point that takes an instant (``evaluate(at=...)``,
``Policy.due``, ``Ticket``/``Event``/``Outage`` fields, every ``Calendar`` question): an
aware ``datetime``, or ISO 8601 text with an offset (``2026-11-20T16:30:00Z``,
``2026-11-20T10:30-06:00``). A naive datetime or text without an offset is a
``NaiveDatetimeError``; anything else (numbers included: never read as Unix timestamps) is
an ``InstantError``. ``instant`` applies the rule; ``Instant`` is the same rule as a
pydantic field type.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BeforeValidator, ValidationInfo

from .errors import CalendarError, InstantError, NaiveDatetimeError

__all__ = [
    "EPOCH",
    "Instant",
    "ensure_aware",
    "from_us",
    "instant",
    "parse_instant",
    "to_us",
    "zone_named",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_WRITE = "write e.g. 2026-11-20T16:30:00Z or 2026-11-20T10:30-06:00, or pass an aware datetime"


def zone_named(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ``CalendarError`` with close names if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):  # OSError: a name too long
        close = sorted(z for z in available_timezones() if name and name.lower() in z.lower())[:8]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise CalendarError(
            f"unknown time zone {name!r}{hint}; use an IANA name such as 'Europe/London', "
            "'America/Chicago' or 'UTC'"
        ) from None


def ensure_aware(t: object, what: str = "datetime") -> datetime:
    """Return ``t`` if it is an aware datetime; refuse naive ones and other types."""
    if not isinstance(t, datetime):
        raise InstantError(
            f"{what} must be a timezone-aware datetime or ISO 8601 text with an offset, "
            f"not {type(t).__name__} {_short(t)}; {_WRITE}"
        )
    if t.tzinfo is None or t.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{what} {t.isoformat()} has no time zone; pass an aware datetime, "
            f"e.g. {t.replace(tzinfo=UTC).isoformat()} or "
            "datetime(..., tzinfo=ZoneInfo('Europe/London'))"
        )
    if t.year in (1, 9999):  # in UTC it must still be a datetime
        try:
            t.astimezone(UTC)
        except OverflowError:
            raise InstantError(f"{what} {t.isoformat()} is outside years 1-9999 in UTC") from None
    return t


def instant(value: object, what: str = "instant") -> datetime:
    """The instant ``value`` names: an aware datetime as is, or ISO 8601 text with an offset.

    Naive values raise ``NaiveDatetimeError``; anything else, numbers and numeric text
    included, raises ``InstantError``.
    """
    if isinstance(value, datetime):
        return ensure_aware(value, what)
    if not isinstance(value, str):
        raise InstantError(
            f"{what} must be an aware datetime or ISO 8601 text with an offset, "
            f"not {type(value).__name__} {_short(value)}"
            + ("; numbers are never read as Unix timestamps" if _is_number(value) else "")
            + f"; {_WRITE}"
        )
    text = value.strip()
    if not text[:4].isdigit() or len(text) < 10 or text[4:5] != "-":
        raise InstantError(f"{what} {_short(value)} is not an ISO 8601 instant; {_WRITE}")
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise InstantError(f"{what} {_short(value)} is not an ISO 8601 instant; {_WRITE}") from None
    if t.tzinfo is None:
        raise NaiveDatetimeError(
            f"{what} {_short(value)} has no time zone offset; add one, e.g. {t.isoformat()}Z "
            f"or {t.isoformat()}-06:00"
        )
    return t


def parse_instant(value: str | datetime, what: str = "instant") -> datetime:
    """Parse ISO 8601 text with an offset (``Z`` allowed) or pass an aware datetime.

    The same rule as ``instant``.
    """
    return instant(value, what)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) or type(value).__module__.startswith("numpy")


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _field_instant(value: Any, info: ValidationInfo) -> datetime:
    return instant(value, info.field_name or "instant")


Instant = Annotated[datetime, BeforeValidator(_field_instant)]
"""A pydantic field type for an instant, by the rule of ``instant`` (JSON: ISO 8601 text)."""


def to_us(t: datetime) -> int:
    """Microseconds since the Unix epoch, exactly."""
    d = t - EPOCH
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds


def from_us(us: int, tz: tzinfo | None = UTC) -> datetime:
    """The instant ``us`` microseconds after the epoch, expressed in ``tz``."""
    t = EPOCH + timedelta(microseconds=us)
    return t if tz is UTC or tz is None else t.astimezone(tz)
