"""An audit trail folds long runs of like steps as it records; the steps it writes out
equal a reference that records everything and summarises the runs afterwards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from slacalc.instants import from_us
from slacalc.results import RUN_KEPT, Trail


def say_a(n: int) -> str:
    return f"a {n}"


def say_b(n: int) -> str:
    return f"b {n}"


TEXTS: dict[str, Callable[..., str]] = {"a": say_a, "b": say_b}


def shown_at(us: int) -> str:
    """An instant as the steps show it: minutes, seconds only when there are some."""
    t = from_us(us, UTC)
    return t.strftime("%Y-%m-%d %H:%M" + (":%S" if t.second or t.microsecond else "")) + " UTC"


def reference(entries: list[tuple[str, str, int | None, int]]) -> list[tuple[str, str]]:
    """Every step written out, then each run of more than 2K+1 like steps cut to its first
    and last K around a count and the span of the instants cut out."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(entries):
        j = i
        while j < len(entries) and entries[j][:2] == entries[i][:2]:
            j += 1
        run = entries[i:j]
        if len(run) > 2 * RUN_KEPT + 1:
            cut = run[RUN_KEPT : len(run) - RUN_KEPT]
            times = [at for _, _, at, _ in cut if at is not None]
            span = ""
            if times:
                first, last = (shown_at(t) for t in (times[0], times[-1]))
                span = f", {first} to {last}"
            shown = (
                [(k, TEXTS[w](n)) for k, w, _, n in run[:RUN_KEPT]]
                + [(run[0][0], f"... {len(cut)} more {run[0][0]} steps like these{span}")]
                + [(k, TEXTS[w](n)) for k, w, _, n in run[len(run) - RUN_KEPT :]]
            )
        else:
            shown = [(k, TEXTS[w](n)) for k, w, _, n in run]
        out += shown
        i = j
    return out


entry = st.tuples(
    st.sampled_from(["pause", "cycle"]),
    st.sampled_from(["a", "b"]),
    st.none() | st.integers(1_700_000_000_000_000, 1_800_000_000_000_000),
    st.integers(0, 9),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(entry, min_size=1, max_size=3).flatmap(
            lambda e: st.integers(1, 40).map(lambda n: e * n)
        ),
        max_size=6,
    )
)
def test_folded_trail_writes_what_a_full_trail_summarises(blocks: list[Any]) -> None:
    entries = [e for block in blocks for e in block]
    trail = Trail(UTC)
    for kind, which, at, n in entries:
        trail.add(kind, at, TEXTS[which], n)
    assert [(s.kind, s.text) for s in trail.steps()] == reference(entries)
    assert sum(trail.count(k) for k in ("pause", "cycle")) == len(entries)
    assert len(trail.entries) <= len(entries)


def test_a_million_like_steps_keep_a_few_entries() -> None:
    trail = Trail(UTC)
    for i in range(100_000):
        trail.add("cycle", i, say_a, i)
    assert len(trail.entries) == 2 * RUN_KEPT + 1
    assert trail.count("cycle") == 100_000
