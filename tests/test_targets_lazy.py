"""Target tables are built on demand: a policy costs memory for what it writes, not for
plans x severities x metrics, and the look-ups answer as a fully built table would."""

from __future__ import annotations

import tracemalloc

import pytest

from slacalc import load_policy
from slacalc.loading import policy_from_text
from slacalc.targets import Target, TargetKind

N = 600


def big_policy_text(n: int = N) -> str:
    """600 plans, 600 severities, 4 metrics: about 25 KB of YAML."""
    plans = "\n".join(f"  p{i}: {{name: P{i}}}" for i in range(n))
    sevs = "\n".join(f"  s{i}: {{name: S{i}}}" for i in range(n))
    every = ", ".join(f"s{i}" for i in range(n))
    return f"""\
id: big
name: Big
source: {{document: big.pdf}}
calendars:
  office: {{timezone: UTC, hours: {{mon-fri: ["09:00-17:00"]}}}}
plans:
{plans}
severities:
{sevs}
metrics:
  response:
    clock: office
    by_plan: {{p0: {{clock: always}}, p1: {{clause: column one}}}}
    targets:
      ? "{every}"
      : 4h
  resolution:
    clock: office
    targets:
      s0: {{p0: 1 business day, p1: n/a}}
      s1: {{commitment: Works until fixed}}
  update:
    by_severity: {{s2: {{clock: office}}}}
    targets:
      s2: 8h
  follow_up:
    stop_event: updated
    targets: {{}}
"""


@pytest.fixture(scope="module")
def big() -> tuple[object, int, int]:
    text = big_policy_text()
    assert 20_000 < len(text) < 40_000
    tracemalloc.start()
    try:
        policy = policy_from_text(text, "big.yaml")
        _, peak = tracemalloc.get_traced_memory()
        policy.target("p5", "s7", "response")
        _, after_lookup = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return policy, peak, after_lookup


def test_big_policy_loads_in_bounded_memory(big: tuple[object, int, int]) -> None:
    _, peak, after_lookup = big
    # 1.44 million targets built eagerly took 1.77 GB; on demand it is the parsed file and
    # its models (about 4 MB measured), far under the 200 MB the limit allows.
    assert peak < 50_000_000, peak
    assert after_lookup < 50_000_000, after_lookup


def test_building_counts_follow_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    built = 0
    original = Target.__init__

    def counting(self: Target, **data: object) -> None:
        nonlocal built
        built += 1
        original(self, **data)

    monkeypatch.setattr(Target, "__init__", counting)
    policy = policy_from_text(big_policy_text(), "big.yaml")
    # Checking the table at load builds one target per distinct combination of written
    # cells and defaults: a handful per row, not one per plan x severity x metric.
    assert built < 5 * N, built
    built = 0
    assert policy.target("p599", "s599", "response").within is not None
    assert built == 1


def test_big_policy_answers_like_the_document(big: tuple[object, int, int]) -> None:
    policy = big[0]
    t = policy.target("P5", "S7", "response")  # type: ignore[attr-defined]
    assert (t.kind, str(t.within), t.clock) == (TargetKind.DURATION, "4h", "office")
    t = policy.target("p0", "s599", "response")  # type: ignore[attr-defined]
    assert (str(t.within), t.clock) == ("4h", "always")
    assert policy.target("p1", "s3", "response").clause == "column one"  # type: ignore[attr-defined]
    t = policy.target("p0", "s0", "resolution")  # type: ignore[attr-defined]
    assert (str(t.within), t.clock) == ("1 business day", "office")
    assert policy.target("p1", "s0", "resolution").kind is TargetKind.NONE  # type: ignore[attr-defined]
    assert policy.target("p2", "s0", "resolution").kind is TargetKind.NONE  # type: ignore[attr-defined]
    assert policy.target("p9", "s1", "resolution").kind is TargetKind.COMMITMENT  # type: ignore[attr-defined]
    assert policy.target("p9", "s2", "update").clock == "office"  # type: ignore[attr-defined]
    assert policy.target("p9", "s3", "update").kind is TargetKind.NONE  # type: ignore[attr-defined]
    assert policy.target("p9", "s3", "follow_up").kind is TargetKind.NONE  # type: ignore[attr-defined]


def _reference(policy: object, metric: str, plan: str, severity: str) -> tuple[object, ...]:
    """The target read straight from the YAML-shaped data, layer by layer, with no code of
    the library: later layers win field by field; a missing or n/a cell is no target."""
    data = policy.model_dump(by_alias=True, exclude_unset=True)  # type: ignore[attr-defined]
    spec = data["metrics"][metric]

    def expand(table: dict[str, object]) -> dict[str, object]:
        return {k.strip(): v for key, v in table.items() for k in key.split(",") if k.strip()}

    def fields(cell: object) -> dict[str, object]:
        return dict(cell) if isinstance(cell, dict) else {}

    row = expand(spec.get("targets", {})).get(severity)
    if isinstance(row, dict) and not (set(row) & {"within", "commitment", "not_applicable"}):
        cell = expand(row).get(plan)
    else:
        cell = row
    base = {k: spec[k] for k in ("clock", "start", "clause") if k in spec}
    merged = {
        **base,
        **fields(expand(spec.get("by_plan", {})).get(plan)),
        **fields(expand(spec.get("by_severity", {})).get(severity)),
    }
    own = fields(cell)
    if cell is None or own.get("not_applicable"):
        return ("none", own.get("clause") or merged.get("clause"))
    merged.update(own)
    if merged.get("within") is not None:
        return ("duration", str(merged["within"]), merged.get("clock") or "always",
                merged.get("clause"))
    if merged.get("commitment") is not None:
        return ("commitment", merged["commitment"], merged.get("clause"))
    return ("none", merged.get("clause"))


def _shape(t: Target) -> tuple[object, ...]:
    if t.kind is TargetKind.DURATION:
        return ("duration", str(t.within), t.clock, t.clause)
    if t.kind is TargetKind.COMMITMENT:
        return ("commitment", t.commitment, t.clause)
    return ("none", t.clause)


BUNDLED = ["passkit", "api_provider", "integrato", "smartix", "esim_go"]


@pytest.mark.parametrize("policy_id", BUNDLED)
def test_every_bundled_target_matches_a_reading_of_the_data(policy_id: str) -> None:
    policy = load_policy(policy_id)
    targets = policy.targets()
    assert len(targets) == len(policy.metrics) * len(policy.plans) * len(policy.severities)
    for t in targets:
        assert _shape(t) == _reference(policy, t.metric, t.plan, t.severity), t
        assert policy.target(t.plan, t.severity, t.metric) == t


@pytest.mark.parametrize("policy_id", BUNDLED)
def test_distinct_targets_cover_the_table(policy_id: str) -> None:
    policy = load_policy(policy_id)
    from slacalc.policy import _targets

    table = _targets(policy)
    seen = {(*_shape(t)[:-1], t.metric) for _, t in table.distinct()}
    for t in policy.targets():
        if t.kind is not TargetKind.NONE:
            assert (*_shape(t)[:-1], t.metric) in seen, t
