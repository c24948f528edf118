"""Instants: aware datetimes in, aware datetimes out, exact integer microseconds inside."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from .errors import CalendarError, NaiveDatetimeError

__all__ = ["EPOCH", "ensure_aware", "from_us", "parse_instant", "to_us", "zone_named"]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def zone_named(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ``CalendarError`` with close names if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        close = sorted(z for z in available_timezones() if name and name.lower() in z.lower())[:8]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise CalendarError(
            f"unknown time zone {name!r}{hint}; use an IANA name such as 'Europe/London', "
            "'America/Chicago' or 'UTC'"
        ) from None


def ensure_aware(t: object, what: str = "datetime") -> datetime:
    """Return ``t`` if it is an aware datetime; refuse naive ones and other types."""
    if not isinstance(t, datetime):
        raise TypeError(f"{what} must be a timezone-aware datetime, not {type(t).__name__}")
    if t.tzinfo is None or t.utcoffset() is None:
        raise NaiveDatetimeError(
            f"{what} {t.isoformat()} has no time zone; pass an aware datetime, "
            f"e.g. {t.replace(tzinfo=UTC).isoformat()} or "
            "datetime(..., tzinfo=ZoneInfo('Europe/London'))"
        )
    return t


def parse_instant(value: str | datetime, what: str = "instant") -> datetime:
    """Parse an ISO 8601 string with an offset (``Z`` allowed) or pass an aware datetime."""
    if isinstance(value, datetime):
        return ensure_aware(value, what)
    if not isinstance(value, str):
        raise TypeError(f"{what} must be an ISO 8601 string or an aware datetime")
    try:
        t = datetime.fromisoformat(value.strip())
    except ValueError:
        raise NaiveDatetimeError(
            f"{what} {value!r} is not an ISO 8601 instant; write e.g. 2026-11-20T16:30:00Z "
            "or 2026-11-20T10:30-06:00"
        ) from None
    return ensure_aware(t, what)


def to_us(t: datetime) -> int:
    """Microseconds since the Unix epoch, exactly."""
    d = t - EPOCH
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds


def from_us(us: int, tz: tzinfo | None = UTC) -> datetime:
    """The instant ``us`` microseconds after the epoch, expressed in ``tz``."""
    t = EPOCH + timedelta(microseconds=us)
    return t if tz is UTC or tz is None else t.astimezone(tz)
