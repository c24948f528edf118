"""Fuzzing the loader: any document either loads or raises PolicyError; never another
exception, never a hang, never the loader's 'unexpected error' safety net."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacalc import PolicyError
from slacalc.loading import policy_from_text
from slacalc.yamldoc import load_yaml_text

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = {
    p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "policies").glob("*.yaml"))
}
SETTINGS = settings(
    max_examples=int(os.environ.get("SLACALC_FUZZ_EXAMPLES", "50")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)

WORDS = [
    "id",
    "name",
    "source",
    "document",
    "plans",
    "severities",
    "metrics",
    "targets",
    "within",
    "commitment",
    "clock",
    "start",
    "next_open",
    "clause",
    "calendars",
    "timezone",
    "hours",
    "holidays",
    "business_day",
    "extends",
    "by_plan",
    "by_severity",
    "examples",
    "opened",
    "due",
    "plan",
    "severity",
    "metric",
    "availability",
    "causes",
    "credits",
    "features",
    "escalation",
    "intake",
    "always",
    "business",
    "gold",
    "sev1",
    "n/a",
    "4h",
    "1 business day",
    "mon-fri",
    "09:00-18:00",
    "UTC",
    "Europe/London",
    "99.9%",
    "opened",
    "daily",
    "24:00",
    "2026-11-20T16:30:00Z",
    "99999999999999999999d",
    "PT4H",
    "-1h",
    "0h",
    "<<",
    "*",
    "&a",
    "gold, silver",
    "country",
    "GB",
    "XX",
    "state",
    "events",
    "at",
    "",
]
scalars = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=12),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True),
    st.booleans(),
    st.none(),
    st.dates(),
    st.datetimes(),
)
keys = st.one_of(st.sampled_from(WORDS), st.text(max_size=8))
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=30,
)


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def boom(signum: int, frame: Any) -> None:
        raise TimeoutError(f"took more than {seconds}s: a hang")

    old = signal.signal(signal.SIGALRM, boom)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def loads_or_policy_error(text: str) -> None:
    with time_limit(20):
        try:
            policy_from_text(text, "fuzz.yaml")
        except PolicyError as e:
            assert "unexpected error" not in str(e), str(e)[:300]
            assert str(e).startswith("fuzz.yaml")


@SETTINGS
@given(documents)
def test_generated_documents(data: Any) -> None:
    text = yaml.safe_dump(data, allow_unicode=True)
    loads_or_policy_error(text)


@SETTINGS
@given(st.dictionaries(keys, documents, max_size=8))
def test_generated_top_level_mappings(data: dict[Any, Any]) -> None:
    loads_or_policy_error(yaml.safe_dump(data, allow_unicode=True))


@SETTINGS
@given(st.text(max_size=200))
def test_arbitrary_text(text: str) -> None:
    loads_or_policy_error(text)
    with time_limit(20), suppress(PolicyError):
        load_yaml_text(text, "fuzz.yaml")


@st.composite
def line_mutations(draw: st.DrawFn) -> str:
    pid = draw(st.sampled_from(sorted(BUNDLED)))
    lines = BUNDLED[pid].splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(
            st.sampled_from(["delete", "duplicate", "swap", "replace_word", "indent", "chop"])
        )
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "replace_word":
            words = lines[i].split(" ")
            k = draw(st.integers(0, len(words) - 1))
            words[k] = draw(st.sampled_from(WORDS))
            lines[i] = " ".join(words)
        elif op == "indent":
            lines[i] = " " * draw(st.integers(1, 3)) + lines[i]
        else:
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
    return "\n".join(lines) + "\n"


@SETTINGS
@given(line_mutations())
def test_mutated_bundled_files(text: str) -> None:
    loads_or_policy_error(text)


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _leaves(v, (*path, i))


@st.composite
def value_mutations(draw: st.DrawFn) -> str:
    pid = draw(st.sampled_from(sorted(BUNDLED)))
    data = yaml.safe_load(BUNDLED[pid])
    paths = [p for p in _leaves(data) if p]
    for _ in range(draw(st.integers(1, 2))):
        path = draw(st.sampled_from(paths))
        node = data
        try:
            for step in path[:-1]:
                node = node[step]
            node[path[-1]] = draw(documents)
        except (KeyError, IndexError, TypeError):
            continue
    return yaml.safe_dump(data, allow_unicode=True)


@SETTINGS
@given(value_mutations())
def test_value_mutations_of_bundled_files(text: str) -> None:
    loads_or_policy_error(text)


@pytest.mark.parametrize("pid", sorted(BUNDLED))
def test_bundled_files_round_trip_through_safe_dump(pid: str) -> None:
    policy_from_text(yaml.safe_dump(yaml.safe_load(BUNDLED[pid])), f"{pid}.yaml")
