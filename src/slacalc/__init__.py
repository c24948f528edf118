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
    from .deadlines import Deadline, upcoming
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
    from .facade import Policy, load_policies, load_policy
    from .loading import bundled_policies
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
    from .yamldoc import load_yaml_text

_EXPORTS = {
    "AvailabilityReport": "availability",
    "AvailabilitySummary": "availability",
    "Credit": "availability",
    "Outage": "availability",
    "availability_report": "availability",
    "Calendar": "calendar",
    "HolidayRules": "calendar",
    "Deadline": "deadlines",
    "upcoming": "deadlines",
    "Duration": "durations",
    "parse_duration": "durations",
    "AvailabilityError": "errors",
    "CalendarError": "errors",
    "DurationError": "errors",
    "InstantError": "errors",
    "NaiveDatetimeError": "errors",
    "PolicyError": "errors",
    "SlacalcError": "errors",
    "TicketError": "errors",
    "UnknownNameError": "errors",
    "evaluate": "evaluation",
    "bundled_policies": "loading",
    "load_policies": "facade",
    "load_policy": "facade",
    "load_yaml_text": "yamldoc",
    "Policy": "facade",
    "Evaluation": "results",
    "MetricResult": "results",
    "Step": "results",
    "State": "states",
    "CellSpec": "targets",
    "MetricSpec": "targets",
    "NextOpen": "targets",
    "Target": "targets",
    "TargetKind": "targets",
    "AvailabilitySpec": "terms",
    "Cause": "terms",
    "Credits": "terms",
    "CreditTier": "terms",
    "Entitlement": "terms",
    "EscalationRule": "terms",
    "EscalationSpec": "terms",
    "Example": "terms",
    "Feature": "terms",
    "IntakeItem": "terms",
    "IntakeReport": "terms",
    "IntakeSpec": "terms",
    "PauseWindowSpec": "terms",
    "Plan": "terms",
    "Severity": "terms",
    "Source": "terms",
    "Event": "tickets",
    "EventType": "tickets",
    "Ticket": "tickets",
}

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
    "Deadline",
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
    "upcoming",
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
