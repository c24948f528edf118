"""The policy model: one vendor's support agreement as typed, immutable data.

The model mirrors the YAML file (see docs/policies.md), so validation errors point at the
key the author wrote. The parts of a policy live beside it: target tables in
``slacalc.targets``, the other terms (plans, severities, escalation, intake, availability,
pause windows, examples) in ``slacalc.terms``. This module holds ``Policy`` itself: data,
its cross-checks and its compiled, memoised look-ups. It answers no ticket questions: the
engine (``evaluation``, ``frame``, ``availability``) does, and ``slacalc.facade.Policy``
offers them as methods.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import Field, GetJsonSchemaHandler, field_validator, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from ._frozen import Frozen
from .calendar import Calendar
from .errors import PolicyError, UnknownNameError
from .instants import instant
from .names import NameIndex, normalise
from .targets import (
    ALWAYS,
    CellSpec,
    MetricSpec,
    NextOpen,
    Target,
    TargetKind,
    TargetTable,
    compile_targets,
    split_key,
)
from .terms import (
    AvailabilitySpec,
    Entitlement,
    EscalationSpec,
    Example,
    Feature,
    IntakeReport,
    IntakeSpec,
    PauseWindowSpec,
    Plan,
    Severity,
    Source,
)
from .tickets import EventType, normalise_event

__all__ = ["Policy"]

_STOP_EVENTS = {"response": "responded", "resolution": "resolved", "update": "updated"}
_EVENT_NAME = r"^[a-z][a-z0-9_]*$"


class Policy(Frozen):
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
    events: tuple[str, ...] = Field(
        (),
        description="Event types of this policy besides the built-in ones (responded, "
        "resolved, paused, resumed, severity_changed, reopened, updated), e.g. "
        "workaround_provided: usable as a metric's stop event, an Event type and a *_at column",
    )
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

    @field_validator("events")
    @classmethod
    def _declared_events(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        seen: set[str] = set()
        for i, name in enumerate(v):
            if not re.match(_EVENT_NAME, name):
                raise PolicyError(
                    f"event type {name!r} is not a lower-case identifier "
                    "(e.g. workaround_provided)",
                    path=f"events.{i}",
                )
            if name in EventType.values() or name in seen:
                why = "is built in" if name in EventType.values() else "is declared twice"
                raise PolicyError(f"event type {name!r} {why}", path=f"events.{i}")
            seen.add(name)
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
        opened_at: datetime | str,
        plan: str,
        severity: str,
        metric: str = "response",
    ) -> datetime | None:
        """When the target falls due for a ticket opened at ``opened_at``.

        ``None`` when the target is a commitment or there is none.
        """
        r = resolve(self, plan, severity, metric)
        opened_at = instant(opened_at, "opened_at")
        if r.within is None:
            return None
        start = opened_at if r.start is None else r.start.next_open(opened_at)
        return r.clock.add(start, r.within)

    def start_of(self, target: Target, opened_at: datetime | str) -> datetime:
        """When the target's clock starts for a ticket opened at ``opened_at``."""
        opened_at = instant(opened_at, "opened_at")
        if isinstance(target.start, NextOpen):
            return self.clock(target.start.next_open).next_open(opened_at)
        return opened_at

    def within(self, target: Target) -> timedelta:
        """The target's duration as business time on its clock.

        ``PolicyError`` for a target without a duration (a commitment, or none).
        """
        if target.within is None:
            raise PolicyError(
                f"a {target.kind.value} target has no duration; check target.kind first",
                path=f"metrics.{target.metric}.targets.{target.severity}.{target.plan}",
            )
        r = _resolved(self).get((target.plan, target.severity, target.metric))
        if r is not None and r.target is target and r.within is not None:
            return r.within
        return self.clock(target.clock).to_timedelta(target.within)

    def metric(self, name: str) -> MetricSpec:
        """A metric's definition."""
        return self.metrics[self.metric_id(name)]

    def event_types(self) -> tuple[str, ...]:
        """Every event type a ticket of this policy may carry: built-in, then declared."""
        return (*EventType.values(), *self.events)

    def event_type(self, name: str) -> str:
        """An event type by name: an ``EventType`` or one the policy declares.

        Raises ``UnknownNameError`` listing the valid types.
        """
        known = EventType.lookup(name)
        if known is not None:
            return known
        key = normalise_event(name)
        if key in self.events:
            return key
        raise UnknownNameError("event type", name, self.event_types())

    def stop_event(self, metric: str) -> str:
        """The first event type that meets ``metric`` (its ``stop_event``, or the default)."""
        return self.stop_events(metric)[0]

    def stop_events(self, metric: str) -> tuple[str, ...]:
        """Every event type that stops ``metric``'s clock, the metric's own first.

        A metric's ``stop_on`` list when it gives one; else its ``stop_event`` (default
        ``responded``/``resolved``/``updated`` for response/resolution/update,
        ``{metric}_met`` otherwise) and, when that is ``responded``, ``resolved`` too: a
        resolution answers the response (not a cadence, whose final resolution ends it).
        """
        m = self.metric_id(metric)
        return _stop_events(m, self.metrics[m])

    def escalation_eligible(self, plan: str, severity: str, metric: str = "response") -> bool:
        """Whether a breach of ``metric`` for this plan and severity is escalated."""
        if self.escalation is None:
            return False
        return self.escalation.eligible(
            self.plan_id(plan), self.severity_id(severity), self.metric_id(metric)
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


# ---- compiled lookups (cached per policy instance) -------------------------------------


def cache_of(policy: Policy) -> dict[str, Any]:
    """The policy's memo of compiled look-ups (per instance, never pickled or compared)."""
    try:
        found: dict[str, Any] = object.__getattribute__(policy, "_cache")
        return found
    except AttributeError:
        cache: dict[str, Any] = {}
        object.__setattr__(policy, "_cache", cache)
        return cache


def _names(policy: Policy, kind: str) -> NameIndex[Any]:
    cache = cache_of(policy)
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


def _targets(policy: Policy) -> TargetTable:
    cache = cache_of(policy)
    if "targets" not in cache:
        cache["targets"] = compile_targets(policy.metrics, policy.plans, policy.severities)
    result: TargetTable = cache["targets"]
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
    cache = cache_of(policy)
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


def _stop_events(metric: str, spec: MetricSpec) -> tuple[str, ...]:
    if spec.stop_on:
        return tuple(spec.stop_on)
    own = spec.stop_event or _STOP_EVENTS.get(metric, f"{metric}_met")
    if spec.cadence or own != EventType.RESPONDED:
        return (own,)
    return (own, EventType.RESOLVED.value)


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

    events = policy.event_types()
    for m, spec in policy.metrics.items():
        base = f"metrics.{m}"
        if spec.stop_on and spec.stop_event is not None:
            raise PolicyError(
                "give stop_event (one event) or stop_on (a list), not both", path=f"{base}.stop_on"
            )
        key = "stop_on" if spec.stop_on else "stop_event"
        for i, kind in enumerate(_stop_events(m, spec)):
            if kind not in events:
                where = f"{base}.{key}" + (f".{i}" if spec.stop_on else "")
                default = "" if spec.stop_on or spec.stop_event else " (the default for it)"
                raise PolicyError(
                    f"metric {m!r} waits for event {kind!r}{default}, which no ticket can "
                    f"carry; name one of {', '.join(events)} or declare it under events:",
                    path=where,
                )
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
    for kind, section, items in (
        ("plan", "plans", [(k, (v.name, *v.aliases)) for k, v in policy.plans.items()]),
        (
            "severity",
            "severities",
            [(k, (v.name, *v.aliases)) for k, v in policy.severities.items()],
        ),
        ("metric", "metrics", [(k, (v.title or k,)) for k, v in policy.metrics.items()]),
    ):
        owner: dict[str, str] = {}
        for key, labels in items:
            if "," in key:
                raise PolicyError(f"a {kind} id cannot contain ','", path=f"{section}.{key}")
            for label in {normalise(x) for x in (key, *labels)}:
                if owner.get(label, key) != key:
                    raise PolicyError(
                        f"{kind} name {label!r} is used by both {owner[label]!r} and {key!r}",
                        path=f"{section}.{key}",
                    )
                owner[label] = key
    # Compile once so a broken cell fails at load, not at first question.
    targets = compile_targets(policy.metrics, policy.plans, policy.severities)
    for (m, p, s), target in targets.distinct():
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
