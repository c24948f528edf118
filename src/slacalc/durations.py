"""Durations as policy authors write them: ``30m``, ``1h30m``, ``2 business days``, ``PT4H``."""

from __future__ import annotations

import re
from datetime import timedelta
from fractions import Fraction
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from .errors import DurationError

__all__ = ["Duration", "parse_duration"]

_UNIT_SECONDS = {
    "w": 604_800, "week": 604_800, "weeks": 604_800,
    "d": 86_400, "day": 86_400, "days": 86_400,
    "h": 3_600, "hr": 3_600, "hrs": 3_600, "hour": 3_600, "hours": 3_600,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
}
_NUMBER = r"\d+(?:\.\d+)?"
_COMPACT = re.compile(rf"(?:({_NUMBER})\s*(w|d|h|m|s)\s*)+", re.IGNORECASE)
_COMPACT_PART = re.compile(rf"({_NUMBER})\s*(w|d|h|m|s)", re.IGNORECASE)
_WORDS = re.compile(
    rf"({_NUMBER})\s*(business\s+)?(weeks?|days?|hours?|hrs?|minutes?|mins?|seconds?|secs?)",
    re.IGNORECASE,
)
_ISO = re.compile(
    r"P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?",
    re.IGNORECASE,
)


def case_free(pattern: str) -> str:
    """``pattern`` with its ASCII letters matching either case: JSON Schema has no flags."""
    out = []
    escaped = in_set = False
    for c in pattern:
        if escaped:
            out.append(c)
            escaped = False
        elif c == "\\":
            out.append(c)
            escaped = True
        elif c in "[]":
            in_set = c == "["
            out.append(c)
        elif c.isascii() and c.isalpha():
            both = c.lower() + c.upper()
            out.append(both if in_set else f"[{both}]")
        else:
            out.append(c)
    return "".join(out)


_UNIT_WORDS = r"(?:weeks?|days?|hours?|hrs?|minutes?|mins?|seconds?|secs?)"
_WORD_PART = rf"{_NUMBER}\s*(?:business\s+)?{_UNIT_WORDS}"
#: The written forms of a duration as one ECMA-262 pattern, for the JSON Schema. The parser
#: below is the authority (it also refuses empty and out-of-range values); a test checks the
#: two agree on what is well-formed.
DURATION_PATTERN = case_free(
    r"^\s*(?:"
    rf"(?:{_NUMBER}\s*[wdhms]\s*)+"
    rf"|{_WORD_PART}(?:\s*,?\s*(?:(?:and|\+)\s*)?{_WORD_PART})*"
    rf"|p(?=\d|t\d)(?:{_NUMBER}w)?(?:{_NUMBER}d)?"
    rf"(?:t(?=\d)(?:{_NUMBER}h)?(?:{_NUMBER}m)?(?:{_NUMBER}s)?)?"
    r")\s*$"
)
ACCEPTED = (
    "write e.g. '30m', '4h', '1h30m', '90s', '2d' (48 hours), '4 hours', "
    "'1 business day', '3 business days', or ISO 8601 'PT4H'"
)


class Duration:
    """A length of time: a fixed part, plus a number of business days.

    Business days turn into time through a calendar's ``business_day`` (``3 business days``
    on a 9-hour calendar is 27 hours of that calendar's open time). Everything else is fixed:
    ``2d`` is 48 hours of whatever clock measures it.
    """

    __slots__ = ("_business_days", "_fixed", "_text")

    def __init__(
        self,
        fixed: timedelta = timedelta(0),
        business_days: Fraction | int = 0,
        *,
        text: str | None = None,
    ) -> None:
        self._fixed = fixed
        self._business_days = Fraction(business_days)
        self._text = text

    @classmethod
    def parse(cls, value: str | timedelta | Duration) -> Duration:
        """Parse what a policy author writes: a number needs its unit (``15m``, not ``15``)."""
        if isinstance(value, Duration):
            return value
        if isinstance(value, timedelta):
            return cls(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise DurationError(no_unit(value))
        if not isinstance(value, str):
            raise DurationError(f"{value!r} is not a duration; {ACCEPTED}")
        return _parse_text(value)

    @property
    def fixed(self) -> timedelta:
        """The part that does not depend on a calendar."""
        return self._fixed

    @property
    def business_days(self) -> Fraction:
        """How many business days, converted through a calendar's ``business_day``."""
        return self._business_days

    @property
    def is_business(self) -> bool:
        """True when this duration counts business days."""
        return self._business_days != 0

    def to_timedelta(self, business_day: timedelta | None = None) -> timedelta:
        """The total as a timedelta, converting business days with ``business_day``."""
        if not self._business_days:
            return self._fixed
        if business_day is None:
            raise DurationError(
                f"{self} counts business days; a calendar's business_day is needed to convert it"
            )
        us = Fraction(business_day // timedelta(microseconds=1)) * self._business_days
        return self._fixed + timedelta(microseconds=round(us))

    def __bool__(self) -> bool:
        return bool(self._fixed) or bool(self._business_days)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Duration):
            return (self._fixed, self._business_days) == (other._fixed, other._business_days)
        if isinstance(other, timedelta):
            return not self._business_days and self._fixed == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._fixed, self._business_days))

    def __add__(self, other: Duration) -> Duration:
        if not isinstance(other, Duration):
            return NotImplemented
        return Duration(self._fixed + other._fixed, self._business_days + other._business_days)

    def __repr__(self) -> str:
        return f"Duration({str(self)!r})"

    def __str__(self) -> str:
        if self._text is not None:
            return self._text
        parts = []
        if self._fixed:
            parts.append(format_timedelta(self._fixed))
        if self._business_days:
            n = self._business_days
            num = str(n.numerator) if n.denominator == 1 else f"{float(n):g}"
            parts.append(f"{num} business day{'' if n == 1 else 's'}")
        return " + ".join(parts) or "0s"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Duration, (self._fixed, self._business_days), {"_text": self._text})

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._text = state["_text"]

    # pydantic integration: accept the same inputs as parse, serialise as text.
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                str, when_used="always"
            ),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "A duration with its unit: " + ACCEPTED + ".",
            "examples": ["30m", "4h", "1h30m", "1 business day", "PT4H"],
        }


def no_unit(value: int | float) -> str:
    """Why a bare number is not a duration, with the fix."""
    shown = f"{value:g}" if isinstance(value, float) else str(value)
    if value <= 0:
        return f"{shown} is not a duration: write a positive duration with a unit, e.g. \"15m\""
    return f"{shown} has no unit; write \"{shown}m\" or \"{shown}h\""


def _validate(value: Any) -> Duration:
    return Duration.parse(value)


def parse_duration(text: str | timedelta | Duration) -> Duration:
    """Parse a duration (see ``Duration.parse``)."""
    return Duration.parse(text)


def format_timedelta(td: timedelta) -> str:
    """Compact text for a timedelta: ``1h30m``, ``-15m``, ``2d4h``."""
    us = td // timedelta(microseconds=1)
    sign = "-" if us < 0 else ""
    us = abs(us)
    secs, frac = divmod(us, 1_000_000)
    d, rem = divmod(secs, 86_400)
    h, rem = divmod(rem, 3_600)
    m, s = divmod(rem, 60)
    out = "".join(f"{v}{u}" for v, u in ((d, "d"), (h, "h"), (m, "m")) if v)
    if s or frac:
        out += f"{s}.{frac:06d}".rstrip("0").rstrip(".") + "s" if frac else f"{s}s"
    return sign + (out or "0s")


def _number(text: str) -> Fraction:
    if len(text) > 30:  # far beyond any usable duration, and cheap to refuse
        raise DurationError(f"{text[:20]}...: the number is too long to be a duration")
    return Fraction(text)


def _parse_text(raw: str) -> Duration:
    text = raw.strip()
    if not text:
        raise DurationError(f"{raw!r} is not a duration; {ACCEPTED}")
    iso = _ISO.fullmatch(text) if text[:1] in "Pp" and text[-1] not in "Tt" else None
    if iso is not None and any(iso.groups()):
        w, d, h, mi, s = (_number(g) if g else Fraction(0) for g in iso.groups())
        secs = w * 604_800 + d * 86_400 + h * 3_600 + mi * 60 + s
        return _make(secs, Fraction(0), raw)
    if _COMPACT.fullmatch(text):
        secs = sum(
            (_number(n) * _UNIT_SECONDS[u.lower()] for n, u in _COMPACT_PART.findall(text)),
            Fraction(0),
        )
        return _make(secs, Fraction(0), raw)
    # Word form: "1 business day", "4 business hours", "1 hour 30 minutes", "30 mins"
    pos = 0
    secs = Fraction(0)
    bdays = Fraction(0)
    matched = False
    for m in _WORDS.finditer(text):
        gap = text[pos : m.start()].strip().strip(",").strip()
        if gap not in ("", "and", "+"):
            break
        n = _number(m.group(1))
        unit = m.group(3).lower()
        if m.group(2) and unit.startswith("week"):
            # Not 168 hours of business time, and not knowably N business days either.
            raise DurationError(
                f"{raw!r}: a business week has no fixed length; write business days, "
                "e.g. '5 business days'"
            )
        if m.group(2) and unit.startswith("day"):
            bdays += n
        else:
            # "business hours" are hours on the clock the target names
            secs += n * _UNIT_SECONDS[unit]
        pos = m.end()
        matched = True
    else:
        if matched and not text[pos:].strip():
            return _make(secs, bdays, raw)
    clock = _CLOCK.fullmatch(text)
    if clock:
        hours, minutes = int(clock.group(1)), int(clock.group(2))
        fix = f"{hours}h{minutes}m" if minutes else f"{hours}h"
        raise DurationError(f"{raw!r} is a clock time, not a duration; write '{fix}'")
    raise DurationError(f"{raw!r} is not a duration; {ACCEPTED}")


_CLOCK = re.compile(r"(\d{1,3}):(\d{2})")
_MAX_SECONDS = 999_999_999 * 86_400 // 1000  # well inside timedelta's range


def _make(secs: Fraction, bdays: Fraction, raw: str) -> Duration:
    if secs == 0 and bdays == 0:
        raise DurationError(f"{raw!r} is an empty duration; durations must be positive")
    if secs > _MAX_SECONDS or bdays > 1_000_000:
        raise DurationError(f"{raw!r} is too long to be a duration")
    return Duration(timedelta(microseconds=round(secs * 1_000_000)), bdays, text=raw.strip())
