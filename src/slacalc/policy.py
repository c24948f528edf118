"""The policy model: one vendor's support agreement as typed, immutable data.

The model mirrors the YAML file (see docs/policies.md), so validation errors point at the
key the author wrote. A metric's target table reads like the vendor's document: severity by
plan. Defaults for a table's cells come from the metric, then its plan column (``by_plan``),
then its severity row (``by_severity``), then the cell itself; later wins, field by field.

A key of a target table, ``by_plan`` or ``by_severity`` may name several plans or severities
separated by commas (``silver, gold, platinum: ...``), so a cell the document spans over
several columns (or rows) is written once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    GetJsonSchemaHandler,
    Tag,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from .calendar import Calendar
from .durations import Duration
from .errors import PolicyError, UnknownNameError
from .instants import ensure_aware
from .names import NameIndex, normalise

if TYPE_CHECKING:
    from pandas import DataFrame

    from .availability import AvailabilityReport, AvailabilitySummary, Outage
    from .evaluation import Evaluation, Ticket

__all__ = [
    "AvailabilitySpec",
    "Cause",
    "CellSpec",
    "CreditTier",
    "Credits",
    "Entitlement",
    "EscalationSpec",
    "Example",
    "Feature",
    "IntakeItem",
    "IntakeReport",
    "IntakeSpec",
    "MetricSpec",
    "NextOpen",
    "PauseWindowSpec",
    "Plan",
    "Policy",
    "Severity",
    "Source",
    "Target",
    "TargetKind",
]

ALWAYS = "always"
NOT_APPLICABLE_WORDS = frozenset({"n/a", "na", "none", "not applicable", "-"})
_STOP_EVENTS = {"response": "responded", "resolution": "resolved", "update": "updated"}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Source(_Frozen):
    """Where the policy comes from."""

    document: str = Field(description="The source document (file name or title)")
    title: str | None = None
    url: str | None = None
    published: date | None = Field(None, description="Date the vendor published or last updated it")


class NextOpen(_Frozen):
    """Start the clock at the next opening of a calendar."""

    next_open: str = Field(description="Name of a calendar of this policy")


StartRule = Literal["opened"] | NextOpen


class CellSpec(_Frozen):
    """One cell of a target table, or a default for a row, column or metric."""

    within: Duration | None = Field(None, description="How long the vendor has")
    commitment: str | None = Field(None, description="A promise in words, with no due time")
    clock: str | None = Field(None, description="'always' (24x7) or a calendar name")
    start: StartRule | None = Field(None, description="'opened' or {next_open: calendar}")
    clause: str | None = Field(None, description="The clause of the document this comes from")
    not_applicable: bool = Field(False, description="The document says N/A for this cell")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if data is None:
            return {"not_applicable": True}
        if isinstance(data, str):
            if data.strip().lower() in NOT_APPLICABLE_WORDS:
                return {"not_applicable": True}
            return {"within": data}
        if not isinstance(data, Mapping | BaseModel):
            raise ValueError(
                f"{data!r} is not a target: write a duration with a unit ('4h', "
                "'1 business day'), 'n/a', or a mapping {within|commitment, clock, start, clause}"
            )
        return data

    @model_validator(mode="after")
    def _one_kind(self) -> CellSpec:
        if self.within is not None and self.commitment is not None:
            raise ValueError("a target has either 'within' (a duration) or 'commitment', not both")
        if self.not_applicable and (self.within is not None or self.commitment is not None):
            raise ValueError("a cell marked not applicable cannot also have a target")
        if self.within is not None and (self.within.fixed < timedelta(0) or not self.within):
            raise ValueError(f"{str(self.within)!r}: durations must be positive")
        if self.commitment is not None and not self.commitment.strip():
            raise ValueError("a commitment needs words: what the vendor promises")
        return self

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """A cell is also written as a duration string, 'n/a' or null."""
        ref = handler(core_schema)
        schema = handler.resolve_ref_schema(ref)
        obj = {k: schema.pop(k) for k in list(schema) if k not in ("title", "description")}
        schema["anyOf"] = [
            {"type": "string", "description": "A duration ('4h', '1 business day') or 'n/a'"},
            {"type": "null", "description": "Not applicable"},
            obj,
        ]
        return ref

    def over(self, base: CellSpec) -> CellSpec:
        """This cell's fields, falling back to ``base`` for those it does not set."""
        mine = self.model_dump(exclude_unset=True, exclude_defaults=False)
        merged = {**base.model_dump(exclude_unset=True), **mine}
        return CellSpec.model_validate(merged)


def _row_kind(value: Any) -> str:
    if isinstance(value, CellSpec):
        return "cell"
    if isinstance(value, Mapping) and not _is_cell_mapping(value):
        return "row"
    return "cell"


Row = Annotated[
    Annotated[CellSpec, Tag("cell")] | Annotated[dict[str, CellSpec], Tag("row")],
    Discriminator(_row_kind),
]


def split_key(key: str) -> list[str]:
    """The ids a table key names: ``'silver, gold'`` -> ``['silver', 'gold']``."""
    return [part.strip() for part in str(key).split(",") if part.strip()]


class TargetKind(StrEnum):
    """What a target promises."""

    DURATION = "duration"
    COMMITMENT = "commitment"
    NONE = "none"


class Target(_Frozen):
    """The resolved target for one metric, plan and severity."""

    metric: str
    plan: str
    severity: str
    kind: TargetKind
    within: Duration | None = None
    commitment: str | None = None
    clock: str = ALWAYS
    start: StartRule = "opened"
    clause: str | None = None

    def __str__(self) -> str:
        if self.kind is TargetKind.DURATION:
            start = (
                f", starting at next opening of {self.start.next_open}"
                if isinstance(self.start, NextOpen)
                else ""
            )
            return f"{self.within} on {self.clock}{start}"
        if self.kind is TargetKind.COMMITMENT:
            return f"commitment: {self.commitment}"
        return "not applicable"


class MetricSpec(_Frozen):
    """One metric (response, resolution, update, ...) and its target table."""

    title: str | None = Field(None, description="The document's name for this metric")
    description: str | None = None
    stop_event: str | None = Field(
        None,
        description="Event type that meets this metric (default: responded / resolved / updated)",
    )
    cadence: bool = Field(
        False,
        description="True for a periodic target: due a target after the last update (or response)",
    )
    pausable: bool = Field(False, description="Pause windows stop this metric's clock")
    warning_fraction: float | None = Field(
        None, gt=0, le=1, description="Overrides the policy's warning_fraction for this metric"
    )
    clause: str | None = None
    clock: str | None = Field(None, description="Default clock for this table's cells")
    start: StartRule | None = None
    by_plan: dict[str, CellSpec] = Field(
        default_factory=dict, description="Defaults per plan column"
    )
    by_severity: dict[str, CellSpec] = Field(
        default_factory=dict, description="Defaults per severity row"
    )
    targets: dict[str, Row] = Field(
        default_factory=dict,
        description="Severity -> (plan -> cell), or severity -> cell for every plan. A cell "
        "is a duration ('4h', '1 business day'), 'n/a', or {within|commitment, clock, start, "
        "clause}. A key may name several severities (or plans) separated by commas",
    )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """A row is a cell or a plan -> cell mapping; both may match a mapping, so anyOf."""
        ref = handler(core_schema)
        schema = handler.resolve_ref_schema(ref)
        row = schema.get("properties", {}).get("targets", {}).get("additionalProperties", {})
        if "oneOf" in row:
            row["anyOf"] = row.pop("oneOf")
        return ref

    def rows(self) -> dict[str, dict[str, CellSpec] | CellSpec]:
        """The target table with comma keys expanded: severity -> (plan -> cell) or cell."""
        out: dict[str, dict[str, CellSpec] | CellSpec] = {}
        for skey, row in self.targets.items():
            for s in split_key(skey):
                if isinstance(row, dict):
                    out[s] = {p: cell for pkey, cell in row.items() for p in split_key(pkey)}
                else:
                    out[s] = row
        return out


def _is_cell_mapping(row: Mapping[str, Any]) -> bool:
    return bool(set(row) & set(CellSpec.model_fields))


class Plan(_Frozen):
    """A support plan (tier)."""

    name: str
    aliases: tuple[str, ...] = ()
    description: str | None = None


class Severity(_Frozen):
    """A severity (priority) level."""

    name: str
    aliases: tuple[str, ...] = ()
    definition: str | None = None
    examples: tuple[str, ...] = ()


class Feature(_Frozen):
    """A feature of the plans table: which plans include it, with an optional note per plan."""

    name: str
    plans: tuple[str, ...] | dict[str, str | None] = Field(
        description="The plans that include it, or plan -> note (e.g. 'when required')"
    )
    clause: str | None = None

    def notes(self) -> dict[str, str | None]:
        """Plan id -> its note (``None`` when the plan simply includes the feature)."""
        return dict(self.plans) if isinstance(self.plans, dict) else dict.fromkeys(self.plans)


class Entitlement(_Frozen):
    """What one plan includes."""

    id: str
    name: str
    note: str | None = None


class EscalationRule(_Frozen):
    """Plans and severities a rule applies to (empty means all)."""

    plans: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()

    def matches(self, plan: str, severity: str) -> bool:
        """Whether the rule covers this plan and severity (ids)."""
        return (not self.plans or plan in self.plans) and (
            not self.severities or severity in self.severities
        )


class EscalationSpec(_Frozen):
    """Which breached metrics are escalated, and the exceptions."""

    metrics: tuple[str, ...] = Field(description="Metrics whose breach is escalated")
    exclude: tuple[EscalationRule, ...] = Field((), description="Plan/severity pairs not eligible")
    contact: str | None = None
    clause: str | None = None

    def eligible(self, metric: str, plan: str, severity: str) -> bool:
        """Whether a breach of ``metric`` (ids) for this plan and severity is escalated."""
        return metric in self.metrics and not any(r.matches(plan, severity) for r in self.exclude)


class IntakeItem(_Frozen):
    """One item a support request should carry."""

    id: str
    description: str


class IntakeSpec(_Frozen):
    """What a support request must (required) and should (recommended) carry."""

    clause: str | None = None
    required: tuple[IntakeItem, ...] = ()
    recommended: tuple[IntakeItem, ...] = ()


class IntakeReport(_Frozen):
    """The items a support request lacks."""

    missing_required: tuple[IntakeItem, ...]
    missing_recommended: tuple[IntakeItem, ...]

    @property
    def complete(self) -> bool:
        """True when nothing required is missing."""
        return not self.missing_required


class Cause(_Frozen):
    """An outage cause: counted as downtime, or excluded."""

    counted: bool
    description: str | None = None


class CreditTier(_Frozen):
    """A service credit: ``percent`` of the monthly fee when availability is below ``below``."""

    below: Decimal = Field(description="Availability percentage threshold, e.g. 99.9")
    percent: Decimal = Field(ge=0, le=100, description="Credit as a percentage of the fee")


class Credits(_Frozen):
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


class AvailabilitySpec(_Frozen):
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
        return Calendar._known_zone(v)


class PauseWindowSpec(_Frozen):
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


class Example(_Frozen):
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


class Policy(_Frozen):
    """One vendor's support agreement: calendars, plans, severities, metrics and targets."""

    __slots__ = ("_cache",)  # compiled look-ups, rebuilt on demand (never pickled)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    source: Source
    version: str | None = None
    effective: date | None = None
    assumptions: tuple[str, ...] = Field(
        (), description="Every reading that is ours, not the vendor's"
    )
    preconditions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    warning_fraction: float = Field(
        0.75, gt=0, le=1, description="Share of a target that makes it at_risk"
    )
    calendars: dict[str, Calendar] = Field(default_factory=dict)
    plans: dict[str, Plan]
    severities: dict[str, Severity]
    metrics: dict[str, MetricSpec]
    features: dict[str, Feature] = Field(
        default_factory=dict, description="The plans table: feature id -> which plans include it"
    )
    escalation: EscalationSpec | None = None
    intake: IntakeSpec | None = None
    availability_target: AvailabilitySpec | None = Field(None, alias="availability")
    pause_windows: tuple[PauseWindowSpec, ...] = ()
    examples: tuple[Example, ...] = ()

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """In a policy file a calendar may say ``extends: other``."""
        ref = handler(core_schema)
        schema = handler.resolve_ref_schema(ref)
        cal = schema.get("properties", {}).get("calendars", {}).get("additionalProperties")
        if isinstance(cal, dict) and "$ref" in cal:
            cal_def = handler.resolve_ref_schema(cal)
            cal_def.setdefault("properties", {})["extends"] = {
                "type": "string",
                "description": "Another calendar of this policy to start from; "
                "the keys given here replace its keys",
            }
        return ref

    @field_validator("calendars", mode="before")
    @classmethod
    def _extends(cls, v: Any) -> Any:
        """A calendar may ``extends: other`` and change only what differs."""
        if not isinstance(v, Mapping):
            return v
        out: dict[str, Any] = {}

        def resolve(name: str, seen: tuple[str, ...]) -> Any:
            if name in out:
                return out[name]
            spec = v[name]
            if isinstance(spec, Mapping) and "extends" in spec:
                base = spec["extends"]
                if not isinstance(base, str):
                    raise PolicyError(
                        "extends names one calendar of this policy",
                        path=f"calendars.{name}.extends",
                    )
                if base not in v:
                    raise PolicyError(
                        f"extends unknown calendar {base!r}; calendars: {', '.join(map(str, v))}",
                        path=f"calendars.{name}.extends",
                    )
                if base in seen:
                    raise PolicyError(
                        "calendars extend each other in a circle", path=f"calendars.{name}"
                    )
                parent = resolve(base, (*seen, name))
                if isinstance(parent, Calendar):
                    parent = parent.model_dump(exclude_unset=True)
                if not isinstance(parent, Mapping):
                    raise PolicyError(
                        f"calendar {base!r} is not a mapping of calendar fields",
                        path=f"calendars.{base}",
                    )
                spec = {**parent, **{k: x for k, x in spec.items() if k != "extends"}}
            out[name] = spec
            return spec

        for name in v:
            resolve(name, ())
        return out

    @field_validator("calendars")
    @classmethod
    def _reserved(cls, v: dict[str, Calendar]) -> dict[str, Calendar]:
        if ALWAYS in v:
            raise PolicyError(
                f"'{ALWAYS}' is built in (24x7); pick another name", path=f"calendars.{ALWAYS}"
            )
        return v

    @model_validator(mode="after")
    def _cross_check(self) -> Policy:
        _check_policy(self)
        return self

    # ---- names ---------------------------------------------------------------------
    @property
    def plan_names(self) -> NameIndex[Plan]:
        """Plans by id, also found by name and aliases."""
        return _names(self, "plan")

    @property
    def severity_names(self) -> NameIndex[Severity]:
        """Severities by id, also found by name and aliases."""
        return _names(self, "severity")

    def plan_id(self, name: str) -> str:
        """The plan id for an id or any of its names (case-insensitive)."""
        return self.plan_names.resolve(name)

    def severity_id(self, name: str) -> str:
        """The severity id for an id or any of its names (``'Major'``, ``'Severity 2'``)."""
        return self.severity_names.resolve(name)

    def metric_id(self, name: str) -> str:
        """The metric id for an id or its title."""
        return _names(self, "metric").resolve(name)

    def clock(self, name: str) -> Calendar:
        """A clock by name: ``'always'`` or one of the policy's calendars."""
        if name == ALWAYS:
            return Calendar.always()
        try:
            return self.calendars[name]
        except KeyError:
            raise UnknownNameError("clock", name, [ALWAYS, *self.calendars]) from None

    # ---- targets --------------------------------------------------------------------
    def target(self, plan: str, severity: str, metric: str = "response") -> Target:
        """The target for one plan, severity and metric (kind ``none`` when there is none)."""
        return resolve(self, plan, severity, metric).target

    def targets(self) -> list[Target]:
        """Every target of the policy, metric by metric, severity by plan."""
        return list(_targets(self).values())

    def due(
        self,
        opened_at: datetime,
        plan: str,
        severity: str,
        metric: str = "response",
    ) -> datetime | None:
        """When the target falls due for a ticket opened at ``opened_at``.

        ``None`` when the target is a commitment or there is none.
        """
        r = resolve(self, plan, severity, metric)
        ensure_aware(opened_at, "opened_at")
        if r.within is None:
            return None
        start = opened_at if r.start is None else r.start.next_open(opened_at)
        return r.clock.add(start, r.within)

    def start_of(self, target: Target, opened_at: datetime) -> datetime:
        """When the target's clock starts for a ticket opened at ``opened_at``."""
        ensure_aware(opened_at, "opened_at")
        if isinstance(target.start, NextOpen):
            return self.clock(target.start.next_open).next_open(opened_at)
        return opened_at

    def within(self, target: Target) -> timedelta:
        """The target's duration as business time on its clock."""
        assert target.within is not None
        r = _resolved(self).get((target.plan, target.severity, target.metric))
        if r is not None and r.target is target and r.within is not None:
            return r.within
        return self.clock(target.clock).to_timedelta(target.within)

    def metric(self, name: str) -> MetricSpec:
        """A metric's definition."""
        return self.metrics[self.metric_id(name)]

    def stop_event(self, metric: str) -> str:
        """The event type that meets ``metric``."""
        m = self.metric_id(metric)
        spec = self.metrics[m]
        return spec.stop_event or _STOP_EVENTS.get(m, f"{m}_met")

    def escalation_eligible(self, metric: str, plan: str, severity: str) -> bool:
        """Whether a breach of ``metric`` for this plan and severity is escalated."""
        if self.escalation is None:
            return False
        return self.escalation.eligible(
            self.metric_id(metric), self.plan_id(plan), self.severity_id(severity)
        )

    # ---- other questions ---------------------------------------------------------------
    def entitlements(self, plan: str) -> list[Entitlement]:
        """What ``plan`` includes, in the order of the document's feature table."""
        p = self.plan_id(plan)
        out = []
        for key, spec in self.features.items():
            notes = spec.notes()
            if p in notes:
                out.append(Entitlement(id=key, name=spec.name, note=notes[p]))
        return out

    def entitlements_of(self, plan: str) -> list[Entitlement]:
        """Same as ``entitlements(plan)`` (the draft's name)."""
        return self.entitlements(plan)

    def check_intake(self, fields: Mapping[str, Any] | Iterable[str]) -> IntakeReport:
        """The required and recommended intake items a support request lacks.

        ``fields`` is a mapping of item id to value (empty values count as missing) or an
        iterable of the item ids present.
        """
        if self.intake is None:
            return IntakeReport(missing_required=(), missing_recommended=())
        if isinstance(fields, Mapping):
            present = {k for k, v in fields.items() if v not in (None, "", [], {})}
        else:
            present = set(fields)
        known = {i.id for i in (*self.intake.required, *self.intake.recommended)}
        unknown = sorted(present - known)
        if unknown:
            raise UnknownNameError("intake item", unknown[0], known)
        return IntakeReport(
            missing_required=tuple(i for i in self.intake.required if i.id not in present),
            missing_recommended=tuple(i for i in self.intake.recommended if i.id not in present),
        )

    def evaluate(
        self, ticket: Ticket | Mapping[str, Any], at: datetime | None = None
    ) -> Evaluation:
        """Where each metric's clock stands for ``ticket`` at ``at`` (default: now)."""
        from .evaluation import evaluate

        return evaluate(self, ticket, at)

    def evaluate_frame(
        self,
        df: DataFrame,
        at: datetime | str | None = None,
        errors: Literal["raise", "mark"] = "raise",
        tz: str | None = None,
    ) -> DataFrame:
        """Evaluate a table of tickets at once (needs ``slacalc[pandas]``).

        See ``slacalc.frame``.
        """
        from .frame import evaluate_frame

        return evaluate_frame(self, df, at=at, errors=errors, tz=tz)

    def availability(
        self,
        month: str | date,
        outages: Sequence[Outage | Mapping[str, Any]] = (),
        plan: str | None = None,
    ) -> AvailabilityReport:
        """The availability report for one month (``'2026-11'``)."""
        from .availability import monthly_report

        return monthly_report(self, month, outages, plan=plan)

    def availability_report(
        self,
        months: int | str | Iterable[str | date],
        outages: Sequence[Outage | Mapping[str, Any]] = (),
        plan: str | None = None,
    ) -> AvailabilitySummary:
        """Several months at once: a year (``2026``) or months (``['2026-10', '2026-11']``)."""
        from .availability import availability_report

        return availability_report(self, months, outages, plan=plan)


# ---- compiled lookups (cached per policy instance) -------------------------------------


def _cache(policy: Policy) -> dict[str, Any]:
    try:
        found: dict[str, Any] = object.__getattribute__(policy, "_cache")
        return found
    except AttributeError:
        cache: dict[str, Any] = {}
        object.__setattr__(policy, "_cache", cache)
        return cache


def _names(policy: Policy, kind: str) -> NameIndex[Any]:
    cache = _cache(policy)
    try:
        index: NameIndex[Any] = cache[kind]
        return index
    except KeyError:
        pass
    if kind == "plan":
        index = NameIndex("plan", ((k, (p.name, *p.aliases), p) for k, p in policy.plans.items()))
    elif kind == "severity":
        index = NameIndex(
            "severity", ((k, (s.name, *s.aliases), s) for k, s in policy.severities.items())
        )
    else:
        index = NameIndex(
            "metric", ((k, (m.title,) if m.title else (), m) for k, m in policy.metrics.items())
        )
    cache[kind] = index
    return index


def _targets(policy: Policy) -> dict[tuple[str, str, str], Target]:
    cache = _cache(policy)
    if "targets" not in cache:
        cache["targets"] = _compile_targets(policy)
    result: dict[tuple[str, str, str], Target] = cache["targets"]
    return result


class ResolvedTarget:
    """A target with what answering it needs, looked up once: internal to slacalc.

    ``clock`` is the calendar its time counts on, ``start`` the calendar whose next opening
    starts the clock (``None``: it starts when the ticket is opened), ``within`` the target
    as business time on ``clock`` (``None`` unless the target is a duration) and
    ``within_us`` the same in microseconds.
    """

    __slots__ = ("clock", "start", "target", "within", "within_us")

    def __init__(self, policy: Policy, target: Target) -> None:
        self.target = target
        self.clock = policy.clock(target.clock)
        self.start = (
            policy.clock(target.start.next_open) if isinstance(target.start, NextOpen) else None
        )
        self.within: timedelta | None = None
        self.within_us = 0
        if target.kind is TargetKind.DURATION and target.within is not None:
            self.within = self.clock.to_timedelta(target.within)
            self.within_us = self.within // timedelta(microseconds=1)


_MEMO_LIMIT = 4096


def _resolved(policy: Policy) -> dict[tuple[Any, Any, Any], ResolvedTarget]:
    cache = _cache(policy)
    try:
        memo: dict[tuple[Any, Any, Any], ResolvedTarget] = cache["resolved"]
    except KeyError:
        memo = cache["resolved"] = {}
    return memo


def resolve(policy: Policy, plan: str, severity: str, metric: str) -> ResolvedTarget:
    """The target for these names (ids, names or aliases), memoised as given.

    The same answer and the same errors as resolving each name and looking the target up,
    without the name resolution on a repeated question. The memo lives in the policy's
    cache (never pickled) and is emptied when it passes ``_MEMO_LIMIT`` entries, so names
    that vary without end (typos from a helpdesk export) cannot grow it for ever.
    """
    key = (plan, severity, metric)
    try:
        memo = object.__getattribute__(policy, "_cache")["resolved"]
        return memo[key]  # type: ignore[no-any-return]
    except (AttributeError, KeyError, TypeError):
        pass
    p, s, m = policy.plan_id(plan), policy.severity_id(severity), policy.metric_id(metric)
    memo = _resolved(policy)
    ids = (p, s, m)
    found = memo.get(ids)
    if found is None:
        found = ResolvedTarget(policy, _targets(policy)[(m, p, s)])
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[ids] = found
    memo[key] = found
    return found


def _expand(table: Mapping[str, CellSpec]) -> dict[str, CellSpec]:
    return {k: cell for key, cell in table.items() for k in split_key(key)}


def _compile_targets(policy: Policy) -> dict[tuple[str, str, str], Target]:
    out: dict[tuple[str, str, str], Target] = {}
    for m, spec in policy.metrics.items():
        base = CellSpec.model_validate(
            {
                k: v
                for k, v in (("clause", spec.clause), ("clock", spec.clock), ("start", spec.start))
                if v is not None
            }
        )
        by_plan, by_severity, rows = _expand(spec.by_plan), _expand(spec.by_severity), spec.rows()
        for s in policy.severities:
            row = rows.get(s)
            for p in policy.plans:
                cell = row.get(p) if isinstance(row, dict) else row
                merged = base
                if p in by_plan:
                    merged = by_plan[p].over(merged)
                if s in by_severity:
                    merged = by_severity[s].over(merged)
                if cell is None or cell.not_applicable:
                    out[(m, p, s)] = Target(
                        metric=m,
                        plan=p,
                        severity=s,
                        kind=TargetKind.NONE,
                        clause=cell.clause if cell is not None and cell.clause else merged.clause,
                    )
                    continue
                merged = cell.over(merged)
                if merged.not_applicable and merged.within is None and merged.commitment is None:
                    out[(m, p, s)] = Target(
                        metric=m, plan=p, severity=s, kind=TargetKind.NONE, clause=merged.clause
                    )
                    continue
                kind = TargetKind.DURATION if merged.within is not None else TargetKind.COMMITMENT
                out[(m, p, s)] = Target(
                    metric=m,
                    plan=p,
                    severity=s,
                    kind=kind,
                    within=merged.within,
                    commitment=merged.commitment,
                    clock=merged.clock or ALWAYS,
                    start=merged.start or "opened",
                    clause=merged.clause,
                )
    return out


def _check_policy(policy: Policy) -> None:
    """Cross-checks: every name a table uses is declared, once; targets have a kind."""
    clocks = [ALWAYS, *policy.calendars]
    plans, sevs = list(policy.plans), list(policy.severities)

    def need(value: str | None, valid: Sequence[str], kind: str, path: str) -> None:
        if value is not None and value not in valid:
            raise PolicyError(
                f"unknown {kind} {value!r}; valid {kind}s: {', '.join(map(repr, valid))}", path=path
            )

    def ids(key: str, valid: Sequence[str], kind: str, path: str, seen: dict[str, str]) -> None:
        parts = split_key(key)
        if not parts:
            raise PolicyError(f"an empty {kind} key", path=path)
        for part in parts:
            need(part, valid, kind, path)
            if part in seen:
                raise PolicyError(
                    f"{kind} {part!r} is given twice (also under {seen[part]!r})", path=path
                )
            seen[part] = key

    def check_cell(cell: CellSpec, path: str) -> None:
        need(cell.clock, clocks, "clock", f"{path}.clock")
        if isinstance(cell.start, NextOpen):
            need(
                cell.start.next_open, list(policy.calendars), "calendar", f"{path}.start.next_open"
            )

    for m, spec in policy.metrics.items():
        base = f"metrics.{m}"
        need(spec.clock, clocks, "clock", f"{base}.clock")
        if isinstance(spec.start, NextOpen):
            need(
                spec.start.next_open, list(policy.calendars), "calendar", f"{base}.start.next_open"
            )
        seen: dict[str, str] = {}
        for key, cell in spec.by_plan.items():
            ids(key, plans, "plan", f"{base}.by_plan.{key}", seen)
            check_cell(cell, f"{base}.by_plan.{key}")
        seen = {}
        for key, cell in spec.by_severity.items():
            ids(key, sevs, "severity", f"{base}.by_severity.{key}", seen)
            check_cell(cell, f"{base}.by_severity.{key}")
        seen_rows: dict[str, str] = {}
        for skey, row in spec.targets.items():
            ids(skey, sevs, "severity", f"{base}.targets.{skey}", seen_rows)
            if isinstance(row, dict):
                seen_cols: dict[str, str] = {}
                for pkey, cell in row.items():
                    path = f"{base}.targets.{skey}.{pkey}"
                    ids(pkey, plans, "plan", path, seen_cols)
                    check_cell(cell, path)
            else:
                check_cell(row, f"{base}.targets.{skey}")
    for key, ent in policy.features.items():
        for p in ent.notes():
            need(p, plans, "plan", f"features.{key}.plans")
    if policy.escalation is not None:
        for m in policy.escalation.metrics:
            need(m, list(policy.metrics), "metric", "escalation.metrics")
        for i, rule in enumerate(policy.escalation.exclude):
            for p in rule.plans:
                need(p, plans, "plan", f"escalation.exclude.{i}.plans")
            for s in rule.severities:
                need(s, sevs, "severity", f"escalation.exclude.{i}.severities")
    if policy.intake is not None:
        seen_items: set[str] = set()
        for group in ("required", "recommended"):
            for i, item in enumerate(getattr(policy.intake, group)):
                if item.id in seen_items:
                    raise PolicyError(
                        f"intake item {item.id!r} is listed twice", path=f"intake.{group}.{i}.id"
                    )
                seen_items.add(item.id)
    if policy.availability_target is not None:
        for p in policy.availability_target.credits.plans:
            need(p, plans, "plan", "availability.credits.plans")
    # Names must not collide: one label, one plan (or severity).
    for kind, items in (
        ("plan", [(k, (v.name, *v.aliases)) for k, v in policy.plans.items()]),
        ("severity", [(k, (v.name, *v.aliases)) for k, v in policy.severities.items()]),
    ):
        owner: dict[str, str] = {}
        for key, labels in items:
            if "," in key:
                raise PolicyError(f"a {kind} id cannot contain ','", path=f"{kind}s.{key}")
            for label in {normalise(x) for x in (key, *labels)}:
                if owner.get(label, key) != key:
                    raise PolicyError(
                        f"{kind} name {label!r} is used by both {owner[label]!r} and {key!r}",
                        path=f"{'plans' if kind == 'plan' else 'severities'}.{key}",
                    )
                owner[label] = key
    # Compile once so a broken cell fails at load, not at first question.
    for (m, p, s), target in _compile_targets(policy).items():
        if target.kind is TargetKind.DURATION and target.within is not None:
            if target.within.is_business and target.clock == ALWAYS:
                raise PolicyError(
                    f"{str(target.within)!r} counts business days but runs on 'always' "
                    f"(plan {p!r}); give the cell, row or metric a calendar as its clock",
                    path=f"metrics.{m}.targets.{s}",
                )
            policy.clock(target.clock).to_timedelta(target.within)
    for i, ex in enumerate(policy.examples):
        try:
            policy.plan_id(ex.plan)
            policy.severity_id(ex.severity)
            policy.metric_id(ex.metric)
        except UnknownNameError as e:
            raise PolicyError(e.message, path=f"examples.{i}") from None
