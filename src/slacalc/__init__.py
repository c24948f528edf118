"""slacalc: vendor support agreements as typed YAML policies, and exact SLA answers."""

from ._version import __version__
from .calendar import Calendar, HolidayRules
from .durations import Duration, parse_duration
from .errors import (
    AvailabilityError,
    CalendarError,
    DurationError,
    NaiveDatetimeError,
    PolicyError,
    SlacalcError,
    TicketError,
    UnknownNameError,
)

__all__ = [
    "AvailabilityError",
    "Calendar",
    "CalendarError",
    "Duration",
    "DurationError",
    "HolidayRules",
    "NaiveDatetimeError",
    "PolicyError",
    "SlacalcError",
    "TicketError",
    "UnknownNameError",
    "__version__",
    "parse_duration",
]
