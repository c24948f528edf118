"""Hypothesis properties of ticket evaluation that hold whatever the targets are.

The answers themselves are checked against the minute-stepping reference in
``test_evaluation_reference.py``; these are relations between answers: pausing never brings
a due time earlier, a later ``at`` never un-breaches, and the numbers add up.
"""

from __future__ import annotations

from datetime import timedelta

from evaluation_helpers import bundled, make_policy, z
from hypothesis import given, settings
from hypothesis import strategies as st

from slacalc import Event, Ticket, evaluate

BASE = z("2026-11-16T00:00")
MIN = timedelta(minutes=1)
HELPDESK = make_policy("helpdesk")
POLICIES = {
    name: bundled(name) for name in ("passkit", "api_provider", "integrato", "esim_go", "smartix")
}
POLICIES["helpdesk"] = HELPDESK

minutes = st.integers(min_value=0, max_value=60 * 24 * 30)


def at_minute(m: int):
    return BASE + m * MIN


@st.composite
def pause_pairs(draw, lo: int = 0):
    """Sorted, non-overlapping paused/resumed pairs after minute ``lo``."""
    cuts = sorted(
        draw(
            st.lists(
                st.integers(min_value=lo, max_value=lo + 60 * 24 * 20),
                min_size=0,
                max_size=8,
                unique=True,
            )
        )
    )
    evs = []
    for i in range(0, len(cuts) - 1, 2):
        evs.append(Event(type="paused", at=at_minute(cuts[i])))
        evs.append(Event(type="resumed", at=at_minute(cuts[i + 1])))
    return evs


@st.composite
def any_ticket(draw):
    name = draw(st.sampled_from(sorted(POLICIES)))
    pol = POLICIES[name]
    plan = draw(st.sampled_from(list(pol.plans)))
    sev = draw(st.sampled_from(list(pol.severities)))
    opened = draw(minutes)
    return name, plan, sev, opened


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(["p1", "p2"]),
    st.sampled_from(["standard", "super_premium"]),
    minutes,
    pause_pairs(0),
    st.integers(min_value=0, max_value=60 * 24 * 40),
)
def test_pausing_never_makes_due_earlier(sev, plan, opened, pauses, later):
    pol = POLICIES["integrato"]
    pauses = [e for e in pauses if e.at >= at_minute(opened)]
    if len(pauses) % 2:
        pauses = pauses[:-1]
    # keep pairs whole
    pairs = [pauses[i : i + 2] for i in range(0, len(pauses), 2)]
    pauses = [e for p in pairs if p[0].type == "paused" for e in p]
    at = at_minute(opened + later)
    with_p = evaluate(
        pol, Ticket(plan=plan, severity=sev, opened_at=at_minute(opened), events=pauses), at
    )
    without = evaluate(pol, Ticket(plan=plan, severity=sev, opened_at=at_minute(opened)), at)
    assert with_p["resolution"].due_at >= without["resolution"].due_at
    assert with_p["response"].due_at == without["response"].due_at  # not pausable


@st.composite
def histories(draw):
    name, plan, sev, opened = draw(any_ticket())
    pol = POLICIES[name]
    evs: list[Event] = []
    t = opened
    paused = resolved = False
    for _ in range(draw(st.integers(0, 8))):
        t += draw(st.integers(0, 60 * 24 * 3))
        kinds = [
            "responded",
            "updated",
            "severity_changed",
            "resumed" if paused else "paused",
            "reopened" if resolved else "resolved",
        ]
        kind = draw(st.sampled_from(kinds))
        if kind == "severity_changed":
            evs.append(
                Event(
                    type=kind, at=at_minute(t), severity=draw(st.sampled_from(list(pol.severities)))
                )
            )
            continue
        paused = {"paused": True, "resumed": False}.get(kind, paused)
        resolved = {"resolved": True, "reopened": False}.get(kind, resolved)
        evs.append(Event(type=kind, at=at_minute(t)))
    return name, Ticket(plan=plan, severity=sev, opened_at=at_minute(opened), events=evs), opened


@settings(max_examples=200, deadline=None)
@given(histories(), st.integers(0, 60 * 24 * 30), st.integers(0, 60 * 24 * 30))
def test_later_at_never_unbreaches_and_numbers_add_up(h, a, b):
    name, ticket, opened = h
    pol = POLICIES[name]
    first, second = sorted((a, b))
    e1 = evaluate(pol, ticket, at_minute(opened + first))
    e2 = evaluate(pol, ticket, at_minute(opened + second))
    for metric in e1:
        r1, r2 = e1[metric], e2[metric]
        if r1.breached:
            assert r2.breached, r2.explain()
        for r in (r1, r2):
            if r.due_at is not None:
                assert r.elapsed + r.remaining == r.target
                if r.state == "running":
                    assert r.remaining > timedelta(0) or r.target == timedelta(0)
            assert r.breached == (r.state in ("breached", "missed"))
            assert r.steps and r.steps[-1].kind in ("state", "escalation")
