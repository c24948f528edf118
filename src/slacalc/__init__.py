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
    InstantError,
    NaiveDatetimeError,
    PolicyError,
    SlacalcError,
    TicketError,
    UnknownNameError,
)
from .evaluation import evaluate
from .loading import bundled_policies, load_policies, load_policy, load_yaml_text
from .policy import Policy
from .results import Evaluation, MetricResult, Step
from .states import State
from .targets import CellSpec, MetricSpec, NextOpen, Target, TargetKind
from .terms import (
    AvailabilitySpec,
    Cause,
    Credits,
    CreditTier,
    Entitlement,
    EscalationRule,
    EscalationSpec,
    Example,
    Feature,
    IntakeItem,
    IntakeReport,
    IntakeSpec,
    PauseWindowSpec,
    Plan,
    Severity,
    Source,
)
from .tickets import Event, EventType, Ticket

__all__ = [
    "AvailabilityError",
    "AvailabilityReport",
    "AvailabilitySpec",
    "AvailabilitySummary",
    "Calendar",
    "CalendarError",
    "Cause",
    "CellSpec",
    "Credit",
    "CreditTier",
    "Credits",
    "Duration",
    "DurationError",
    "Entitlement",
    "EscalationRule",
    "EscalationSpec",
    "Evaluation",
    "Event",
    "EventType",
    "Example",
    "Feature",
    "HolidayRules",
    "InstantError",
    "IntakeItem",
    "IntakeReport",
    "IntakeSpec",
    "MetricResult",
    "MetricSpec",
    "NaiveDatetimeError",
    "NextOpen",
    "Outage",
    "PauseWindowSpec",
    "Plan",
    "Policy",
    "PolicyError",
    "Severity",
    "SlacalcError",
    "Source",
    "State",
    "Step",
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
