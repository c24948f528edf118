"""Target tables: how a metric's table of cells resolves to one target per plan and severity.

A metric's target table reads like the vendor's document: severity by plan. Defaults for a
table's cells come from the metric, then its plan column (``by_plan``), then its severity row
(``by_severity``), then the cell itself; later wins, field by field.

A key of a target table, ``by_plan`` or ``by_severity`` may name several plans or severities
separated by commas (``silver, gold, platinum: ...``), so a cell the document spans over
several columns (or rows) is written once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, GetJsonSchemaHandler, Tag, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from ._frozen import Frozen
from .durations import DURATION_PATTERN, Duration, case_free, no_unit

__all__ = [
    "CellSpec",
    "MetricSpec",
    "NextOpen",
    "Target",
    "TargetKind",
]

ALWAYS = "always"
NOT_APPLICABLE_WORDS = frozenset({"n/a", "na", "none", "not applicable", "-"})
#: A cell written as text, for the JSON Schema: a duration or a word for "not applicable".
_NOT_APPLICABLE_PATTERN = case_free(
    r"^\s*(?:"
    + "|".join(sorted(NOT_APPLICABLE_WORDS, key=len, reverse=True)).replace(" ", r"\s+")
    + r")\s*$"
)
CELL_TEXT_PATTERN = f"(?:{DURATION_PATTERN})|(?:{_NOT_APPLICABLE_PATTERN})"
#: A clock name for the JSON Schema: ``always`` or a calendar of the policy, as written.
CLOCK_SCHEMA: dict[str, Any] = {"pattern": r"^\S(?:.*\S)?$", "examples": [ALWAYS]}


class NextOpen(Frozen):
    """Start the clock at the next opening of a calendar."""

    next_open: str = Field(description="Name of a calendar of this policy")


StartRule = Literal["opened"] | NextOpen


class CellSpec(Frozen):
    """One cell of a target table, or a default for a row, column or metric."""

    within: Duration | None = Field(None, description="How long the vendor has")
    commitment: str | None = Field(None, description="A promise in words, with no due time")
    clock: str | None = Field(
        None, description="'always' (24x7) or a calendar name", json_schema_extra=CLOCK_SCHEMA
    )
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
        if isinstance(data, int | float) and not isinstance(data, bool):
            raise ValueError(no_unit(data))
        if not isinstance(data, Mapping | BaseModel):
            shown = "[]" if data == [] else str(data).lower() if isinstance(data, bool) else data
            raise ValueError(
                f"{shown} is not a target: write a duration with a unit ('4h', "
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
            {
                "type": "string",
                "pattern": CELL_TEXT_PATTERN,
                "description": "A duration ('4h', '1 business day') or 'n/a'",
            },
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
    clock: str | None = Field(
        None, description="Default clock for this table's cells", json_schema_extra=CLOCK_SCHEMA
    )
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


Key = tuple[str, str, str]
Layer = dict[str, Any]
_NO_LAYER: Layer = {}
_MEMO_LIMIT = 4096


def _layer(cell: CellSpec | None) -> Layer:
    """The fields a cell sets (what it passes on to the cells below it)."""
    return _NO_LAYER if cell is None else cell.model_dump(exclude_unset=True)


class _MetricLayers:
    """One metric's table as written, comma keys expanded: its layers of cell defaults."""

    __slots__ = ("base", "by_plan", "by_severity", "layers", "rows")

    def __init__(self, spec: MetricSpec) -> None:
        self.base: Layer = {
            k: v
            for k, v in (("clause", spec.clause), ("clock", spec.clock), ("start", spec.start))
            if v is not None
        }
        self.by_plan = _expand(spec.by_plan)
        self.by_severity = _expand(spec.by_severity)
        self.rows = spec.rows()
        # One layer dict per written cell, shared by every key that names it.
        self.layers: dict[int, Layer] = {}

    def layer(self, cell: CellSpec | None) -> Layer:
        if cell is None:
            return _NO_LAYER
        found = self.layers.get(id(cell))
        if found is None:
            found = self.layers[id(cell)] = _layer(cell)
        return found

    def cell(self, plan: str, severity: str) -> CellSpec | None:
        row = self.rows.get(severity)
        return row.get(plan) if isinstance(row, dict) else row


def _merge(*layers: Layer) -> Layer:
    out: Layer = {}
    for layer in layers:
        out.update(layer)
    return out


def _build(
    m: str, p: str, s: str, cell: CellSpec | None, own: Layer, defaults: Layer
) -> Target:
    """The target of one cell over its defaults (metric, then column, then row)."""
    if cell is None or cell.not_applicable:
        clause = cell.clause if cell is not None and cell.clause else defaults.get("clause")
        return Target(metric=m, plan=p, severity=s, kind=TargetKind.NONE, clause=clause)
    merged = _merge(defaults, own)
    within, commitment = merged.get("within"), merged.get("commitment")
    if merged.get("not_applicable") and within is None and commitment is None:
        return Target(
            metric=m, plan=p, severity=s, kind=TargetKind.NONE, clause=merged.get("clause")
        )
    if within is not None and commitment is not None:
        raise ValueError(
            f"plan {p!r}, severity {s!r}: the cell and its defaults give both 'within' and "
            "'commitment'; a target has one of them"
        )
    if merged.get("not_applicable"):
        raise ValueError(
            f"plan {p!r}, severity {s!r}: a default marks the cell not applicable, yet it "
            "has a target; drop one of them"
        )
    return Target(
        metric=m,
        plan=p,
        severity=s,
        kind=TargetKind.DURATION if within is not None else TargetKind.COMMITMENT,
        within=within,
        commitment=commitment,
        clock=merged.get("clock") or ALWAYS,
        start=merged.get("start") or "opened",
        clause=merged.get("clause"),
    )


class TargetTable(Mapping[Key, Target]):
    """Every target of a policy, keyed ``(metric, plan, severity)`` (ids), built on demand.

    Metric by metric, severity by plan: each cell over the defaults of its metric, plan
    column and severity row; kind ``none`` where a cell is missing or not applicable.
    Nothing is built up front: memory follows what the policy writes, not plans x
    severities x metrics. A target is built when asked for (the last ``_MEMO_LIMIT`` are
    kept), and ``distinct()`` gives one target per different combination of written
    cells, which is what checking a table needs.
    """

    def __init__(
        self,
        metrics: Mapping[str, MetricSpec],
        plans: Collection[str],
        severities: Collection[str],
    ) -> None:
        self._metrics = metrics
        self._plans = tuple(plans)
        self._severities = tuple(severities)
        self._plan_set = frozenset(self._plans)
        self._severity_set = frozenset(self._severities)
        self._tables: dict[str, _MetricLayers] = {}
        self._memo: dict[Key, Target] = {}

    def _table(self, metric: str) -> _MetricLayers:
        table = self._tables.get(metric)
        if table is None:
            table = self._tables[metric] = _MetricLayers(self._metrics[metric])
        return table

    def _defaults(self, t: _MetricLayers, plan: str, severity: str) -> Layer:
        return _merge(
            t.base, t.layer(t.by_plan.get(plan)), t.layer(t.by_severity.get(severity))
        )

    def __getitem__(self, key: Key) -> Target:
        found = self._memo.get(key)
        if found is not None:
            return found
        try:
            m, p, s = key
        except (TypeError, ValueError):
            raise KeyError(key) from None
        if m not in self._metrics or p not in self._plan_set or s not in self._severity_set:
            raise KeyError(key)
        t = self._table(m)
        cell = t.cell(p, s)
        target = _build(m, p, s, cell, t.layer(cell), self._defaults(t, p, s))
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        self._memo[key] = target
        return target

    def __iter__(self) -> Iterator[Key]:
        for m in self._metrics:
            for s in self._severities:
                for p in self._plans:
                    yield m, p, s

    def __len__(self) -> int:
        return len(self._metrics) * len(self._plans) * len(self._severities)

    def __contains__(self, key: object) -> bool:
        return (
            isinstance(key, tuple)
            and len(key) == 3
            and key[0] in self._metrics
            and key[1] in self._plan_set
            and key[2] in self._severity_set
        )

    def distinct(self) -> Iterator[tuple[Key, Target]]:
        """One ``(key, target)`` for each different way a written cell meets its defaults.

        Every target equals one of these but for its plan and severity, so a rule that holds
        for these holds for the whole table. The count follows the cells written: a row
        written once for every plan counts once per column default (``by_plan``), plus once
        for the plans without one.
        """
        for m in self._metrics:
            t = self._table(m)
            columns: dict[int, str] = {}
            for p in self._plans:
                columns.setdefault(id(t.by_plan.get(p)), p)
            for s, row in t.rows.items():
                if s not in self._severity_set:
                    continue
                if isinstance(row, dict):
                    plans: Iterable[str] = (p for p in row if p in self._plan_set)
                else:
                    plans = columns.values()
                for p in plans:
                    cell = t.cell(p, s)
                    target = _build(m, p, s, cell, t.layer(cell), self._defaults(t, p, s))
                    yield (m, p, s), target


def compile_targets(
    metrics: Mapping[str, MetricSpec], plans: Collection[str], severities: Collection[str]
) -> TargetTable:
    """Every target of these metrics, keyed ``(metric, plan, severity)`` (ids), built lazily."""
    return TargetTable(metrics, plans, severities)
