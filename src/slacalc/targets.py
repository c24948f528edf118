"""Target tables: how a metric's table of cells resolves to one target per plan and severity.

A metric's target table reads like the vendor's document: severity by plan. Defaults for a
table's cells come from the metric, then its plan column (``by_plan``), then its severity row
(``by_severity``), then the cell itself; later wins, field by field.

A key of a target table, ``by_plan`` or ``by_severity`` may name several plans or severities
separated by commas (``silver, gold, platinum: ...``), so a cell the document spans over
several columns (or rows) is written once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, GetJsonSchemaHandler, Tag, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from ._frozen import Frozen
from .durations import Duration

__all__ = [
    "CellSpec",
    "MetricSpec",
    "NextOpen",
    "Target",
    "TargetKind",
]

ALWAYS = "always"
NOT_APPLICABLE_WORDS = frozenset({"n/a", "na", "none", "not applicable", "-"})


class NextOpen(Frozen):
    """Start the clock at the next opening of a calendar."""

    next_open: str = Field(description="Name of a calendar of this policy")


StartRule = Literal["opened"] | NextOpen


class CellSpec(Frozen):
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


class Target(Frozen):
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


class MetricSpec(Frozen):
    """One metric (response, resolution, update, ...) and its target table."""

    title: str | None = Field(None, description="The document's name for this metric")
    description: str | None = None
    stop_event: str | None = Field(
        None,
        description="Event type that meets this metric (default: responded / resolved / "
        "updated); a resolution also stops it unless stop_on is given",
    )
    stop_on: tuple[str, ...] | None = Field(
        None,
        description="Every event type that stops this metric's clock, e.g. [responded]: "
        "instead of stop_event and the resolution",
        min_length=1,
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


def _expand(table: Mapping[str, CellSpec]) -> dict[str, CellSpec]:
    return {k: cell for key, cell in table.items() for k in split_key(key)}


def compile_targets(
    metrics: Mapping[str, MetricSpec], plans: Collection[str], severities: Collection[str]
) -> dict[tuple[str, str, str], Target]:
    """Every target of these metrics, keyed ``(metric, plan, severity)`` (ids).

    Metric by metric, severity by plan: each cell over the defaults of its metric, plan column
    and severity row; kind ``none`` where a cell is missing or not applicable.
    """
    out: dict[tuple[str, str, str], Target] = {}
    for m, spec in metrics.items():
        base = CellSpec.model_validate(
            {
                k: v
                for k, v in (("clause", spec.clause), ("clock", spec.clock), ("start", spec.start))
                if v is not None
            }
        )
        by_plan, by_severity, rows = _expand(spec.by_plan), _expand(spec.by_severity), spec.rows()
        for s in severities:
            row = rows.get(s)
            for p in plans:
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
