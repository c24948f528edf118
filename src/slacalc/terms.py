"""An agreement's terms besides its target tables: where the document comes from, plans,
severities, the plans' features, escalation, what a request must carry, monthly availability
and its service credits, the policy's own pause windows and its worked examples.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ._frozen import Frozen
from .durations import Duration
from .instants import zone_named

__all__ = [
    "AvailabilitySpec",
    "Cause",
    "CreditTier",
    "Credits",
    "Entitlement",
    "EscalationSpec",
    "Example",
    "Feature",
    "IntakeItem",
    "IntakeReport",
    "IntakeSpec",
    "PauseWindowSpec",
    "Plan",
    "Severity",
    "Source",
]


class Source(Frozen):
    """Where the policy comes from."""

    document: str = Field(description="The source document (file name or title)")
    title: str | None = None
    url: str | None = None
    published: date | None = Field(None, description="Date the vendor published or last updated it")


class Plan(Frozen):
    """A support plan (tier)."""

    name: str
    aliases: tuple[str, ...] = ()
    description: str | None = None


class Severity(Frozen):
    """A severity (priority) level."""

    name: str
    aliases: tuple[str, ...] = ()
    definition: str | None = None
    examples: tuple[str, ...] = ()


class Feature(Frozen):
    """A feature of the plans table: which plans include it, with an optional note per plan."""

    name: str
    plans: tuple[str, ...] | dict[str, str | None] = Field(
        description="The plans that include it, or plan -> note (e.g. 'when required')"
    )
    clause: str | None = None

    def notes(self) -> dict[str, str | None]:
        """Plan id -> its note (``None`` when the plan simply includes the feature)."""
        return dict(self.plans) if isinstance(self.plans, dict) else dict.fromkeys(self.plans)


class Entitlement(Frozen):
    """What one plan includes."""

    id: str
    name: str
    note: str | None = None


class EscalationRule(Frozen):
    """Plans and severities a rule applies to (empty means all)."""

    plans: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()

    def matches(self, plan: str, severity: str) -> bool:
        """Whether the rule covers this plan and severity (ids)."""
        return (not self.plans or plan in self.plans) and (
            not self.severities or severity in self.severities
        )


class EscalationSpec(Frozen):
    """Which breached metrics are escalated, and the exceptions."""

    metrics: tuple[str, ...] = Field(description="Metrics whose breach is escalated")
    exclude: tuple[EscalationRule, ...] = Field((), description="Plan/severity pairs not eligible")
    contact: str | None = None
    clause: str | None = None

    def eligible(self, metric: str, plan: str, severity: str) -> bool:
        """Whether a breach of ``metric`` (ids) for this plan and severity is escalated."""
        return metric in self.metrics and not any(r.matches(plan, severity) for r in self.exclude)


class IntakeItem(Frozen):
    """One item a support request should carry."""

    id: str
    description: str


class IntakeSpec(Frozen):
    """What a support request must (required) and should (recommended) carry."""

    clause: str | None = None
    required: tuple[IntakeItem, ...] = ()
    recommended: tuple[IntakeItem, ...] = ()


class IntakeReport(Frozen):
    """The items a support request lacks."""

    missing_required: tuple[IntakeItem, ...]
    missing_recommended: tuple[IntakeItem, ...]

    @property
    def complete(self) -> bool:
        """True when nothing required is missing."""
        return not self.missing_required


class Cause(Frozen):
    """An outage cause: counted as downtime, or excluded."""

    counted: bool
    description: str | None = None


class CreditTier(Frozen):
    """A service credit: ``percent`` of the monthly fee when availability is below ``below``."""

    below: Decimal = Field(description="Availability percentage threshold, e.g. 99.9")
    percent: Decimal = Field(ge=0, le=100, description="Credit as a percentage of the fee")


class Credits(Frozen):
    """Service credits for missing the availability target."""

    kind: Literal["none", "discretionary", "tiered"] = "none"
    plans: tuple[str, ...] = Field((), description="Plans eligible (empty: all)")
    description: str | None = None
    tiers: tuple[CreditTier, ...] = ()

    @model_validator(mode="after")
    def _tiers(self) -> Credits:
        if self.kind == "tiered" and not self.tiers:
            raise ValueError("tiered credits need tiers")
        return self


class AvailabilitySpec(Frozen):
    """A monthly availability target."""

    target: Decimal = Field(description="Percentage, e.g. 99.9 (or '99.9%')")
    period: Literal["month"] = "month"
    timezone: str = "UTC"
    clause: str | None = None
    causes: dict[str, Cause] = Field(description="Outage causes by id")
    credits: Credits = Field(default_factory=Credits)

    @field_validator("target", mode="before")
    @classmethod
    def _percent(cls, v: Any) -> Any:
        if isinstance(v, str):
            v = v.strip().removesuffix("%").strip()
        return v

    @field_validator("target")
    @classmethod
    def _range(cls, v: Decimal) -> Decimal:
        if not Decimal(0) < v <= Decimal(100):
            raise ValueError("availability target is a percentage between 0 and 100, e.g. 99.9")
        return v

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        zone_named(v)
        return v


class PauseWindowSpec(Frozen):
    """A pause window the policy itself defines: fixed, or recurring as an RFC 5545 RRULE."""

    start: datetime | None = None
    end: datetime | None = None
    rrule: str | None = Field(None, description="e.g. 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2'")
    dtstart: datetime | None = Field(None, description="First occurrence (aware) for rrule")
    duration: Duration | None = Field(None, description="Length of each occurrence")
    description: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> PauseWindowSpec:
        fixed = self.start is not None and self.end is not None
        recurring = (
            self.rrule is not None and self.dtstart is not None and self.duration is not None
        )
        if fixed == recurring:
            raise ValueError("a pause window is either {start, end} or {rrule, dtstart, duration}")
        for t in (self.start, self.end, self.dtstart):
            if t is not None and t.tzinfo is None:
                raise ValueError(f"{t.isoformat()} has no time zone; write an offset such as Z")
        if fixed and self.end <= self.start:  # type: ignore[operator]
            raise ValueError("a pause window's end must be after its start")
        return self


class Example(Frozen):
    """A worked example inside a policy file, checked by ``slacalc check`` and pytest."""

    name: str | None = None
    opened: datetime = Field(description="When the ticket was opened (ISO 8601 with offset)")
    plan: str
    severity: str
    metric: str = "response"
    due: datetime | None = Field(
        None, description="Expected due time; null when there is none (commitment, n/a)"
    )
    events: tuple[dict[str, Any], ...] = Field(
        (), description="Ticket events ({type, at, ...}) for an evaluation example"
    )
    at: datetime | None = Field(
        None, description="Evaluate at this instant (default: last event or opened)"
    )
    state: str | None = Field(None, description="Expected state of the metric at 'at'")

    @model_validator(mode="after")
    def _expects_something(self) -> Example:
        if "due" not in self.model_fields_set and self.state is None:
            raise ValueError("an example gives the expected 'due' (null for none) or 'state'")
        for what, t in (("opened", self.opened), ("due", self.due), ("at", self.at)):
            if t is not None and (t.tzinfo is None or t.utcoffset() is None):
                raise ValueError(
                    f"{what} {t.isoformat()} has no time zone; "
                    f"write an offset, e.g. {t.isoformat()}Z"
                )
        return self

    @property
    def needs_evaluation(self) -> bool:
        """True when the example is about a ticket's state (events, at, state)."""
        return bool(self.events) or self.at is not None or self.state is not None
