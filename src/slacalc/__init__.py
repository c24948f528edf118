"""slacalc: vendor support agreements as typed YAML policies, and exact SLA answers.

The names below load their modules when first used, so ``import slacalc`` (and the pytest
plugin, wherever slacalc is installed) costs next to nothing until a name is needed.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

from ._version import __version__

if _typing.TYPE_CHECKING:
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
    from .evaluation import Evaluation, Event, EventType, MetricResult, State, Ticket, evaluate
    from .loading import bundled_policies, load_policies, load_policy, load_yaml_text
    from .policy import Policy
    from .targets import MetricSpec, Target, TargetKind
    from .terms import Entitlement, IntakeReport, Plan, Severity

_EXPORTS = {
    "AvailabilityReport": "availability",
    "AvailabilitySummary": "availability",
    "Credit": "availability",
    "Outage": "availability",
    "availability_report": "availability",
    "Calendar": "calendar",
    "HolidayRules": "calendar",
    "Duration": "durations",
    "parse_duration": "durations",
    "AvailabilityError": "errors",
    "CalendarError": "errors",
    "DurationError": "errors",
    "NaiveDatetimeError": "errors",
    "PolicyError": "errors",
    "SlacalcError": "errors",
    "TicketError": "errors",
    "UnknownNameError": "errors",
    "Evaluation": "evaluation",
    "Event": "evaluation",
    "EventType": "evaluation",
    "MetricResult": "evaluation",
    "State": "evaluation",
    "Ticket": "evaluation",
    "evaluate": "evaluation",
    "bundled_policies": "loading",
    "load_policies": "loading",
    "load_policy": "loading",
    "load_yaml_text": "loading",
    "Policy": "policy",
    "MetricSpec": "targets",
    "Target": "targets",
    "TargetKind": "targets",
    "Entitlement": "terms",
    "IntakeReport": "terms",
    "Plan": "terms",
    "Severity": "terms",
}

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


def __getattr__(name: str) -> _typing.Any:
    """Load a public name from its module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'slacalc' has no attribute {name!r}")
    value = getattr(_importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
