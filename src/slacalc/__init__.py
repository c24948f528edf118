"""slacalc: vendor support agreements as typed YAML policies, and exact SLA answers."""

from ._version import __version__
from .availability import (
    AvailabilityReport,
    AvailabilitySummary,
    Credit,
    Outage,
    availability_report,
)
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
from .evaluation import evaluate
from .facade import Policy, load_policies, load_policy
from .loading import bundled_policies, load_yaml_text
from .results import Evaluation, MetricResult
from .states import State
from .targets import MetricSpec, Target, TargetKind
from .terms import Entitlement, IntakeReport, Plan, Severity
from .tickets import Event, EventType, Ticket

__all__ = [
    "AvailabilityError",
    "AvailabilityReport",
    "AvailabilitySummary",
    "Calendar",
    "CalendarError",
    "Credit",
    "Duration",
    "DurationError",
    "Entitlement",
    "Evaluation",
    "Event",
    "EventType",
    "HolidayRules",
    "IntakeReport",
    "MetricResult",
    "MetricSpec",
    "NaiveDatetimeError",
    "Outage",
    "Plan",
    "Policy",
    "PolicyError",
    "Severity",
    "SlacalcError",
    "State",
    "Target",
    "TargetKind",
    "Ticket",
    "TicketError",
    "UnknownNameError",
    "__version__",
    "availability_report",
    "bundled_policies",
    "evaluate",
    "load_policies",
    "load_policy",
    "load_yaml_text",
    "parse_duration",
]
